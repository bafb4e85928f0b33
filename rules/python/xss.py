import html

from django.http import HttpResponse
from django.utils.safestring import mark_safe
from flask import Flask, render_template, request
from markupsafe import Markup, escape

app = Flask(__name__)


@app.route("/greet")
def greet():
    name = request.args.get("name", "")
    if not name:
        # ok: mergegate.python.xss
        return render_template("greet.html", name=name)
    if name == "admin":
        # ok: mergegate.python.xss
        return f"<h1>Hello {escape(name)}</h1>"
    # ruleid: mergegate.python.xss
    return f"<h1>Hello {name}</h1>"


@app.route("/banner")
def banner():
    # ruleid: mergegate.python.xss
    return render_template("banner.html", text=Markup(request.args["text"]))


def django_search(request):
    query = request.GET.get("q", "")
    if len(query) > 100:
        # ok: mergegate.python.xss
        return HttpResponse("<p>Too long: %s</p>" % html.escape(query))
    # ruleid: mergegate.python.xss
    return HttpResponse("<p>No results for " + query + "</p>")


def django_label(request):
    # ruleid: mergegate.python.xss
    label = mark_safe(request.POST["label"])
    # ok: mergegate.python.xss
    constant = mark_safe("<b>static</b>")
    return HttpResponse(constant), label
