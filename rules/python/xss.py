import html
import json

import jinja2

from django.http import HttpResponse
from django.utils.safestring import mark_safe
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from flask import Flask, Response, make_response, redirect, render_template, render_template_string, request
from markupsafe import Markup, escape

app = Flask(__name__)
api = FastAPI()


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


def page_escape(text):
    return html.escape(text, quote=True)


@app.route("/accumulate")
def accumulate():
    RESPONSE = ""
    name = request.form.get("name", "")
    RESPONSE += "<ul>"
    RESPONSE += f"<li>{name}</li>"
    RESPONSE += "</ul>"
    # ruleid: mergegate.python.xss
    return RESPONSE


@app.route("/escaped")
def escaped():
    name = request.args.get("name", "")
    safe = page_escape(name)
    # ok: mergegate.python.xss
    return "<p>" + safe + "</p>"


@app.route("/header")
def header():
    lang = request.args.get("lang", "en")
    resp = make_response("<p>static</p>")
    resp.headers["Content-Language"] = lang
    # ok: mergegate.python.xss
    return resp


@app.route("/body")
def body():
    name = request.args.get("name", "")
    # ruleid: mergegate.python.xss
    resp = make_response("<p>" + name + "</p>")
    # ok: mergegate.python.xss
    other = make_response(json.dumps({"name": name}), 200, {"Content-Type": "application/json"})
    # ok: mergegate.python.xss
    plain = Response(name, mimetype="text/plain")
    app.logger.info("built %s %s", other, plain)
    return resp


@app.route("/redirect")
def go():
    # ok: mergegate.python.xss
    return redirect(request.args.get("next", "/"))


@app.route("/echo/<word>")
def echo(word):
    # ruleid: mergegate.python.xss
    return "You said: %s" % word


@api.get("/hello")
async def fastapi_hello(name: str):
    # ok: mergegate.python.xss
    greeting = "Hello " + name
    # ruleid: mergegate.python.xss
    page = HTMLResponse("<h1>" + name + "</h1>")
    return {"greeting": greeting, "page": page}


# ruleid: mergegate.python.jinja2-autoescape-disabled
env = jinja2.Environment(loader=jinja2.FileSystemLoader("templates"))
# ok: mergegate.python.jinja2-autoescape-disabled
safe_env = jinja2.Environment(loader=jinja2.FileSystemLoader("templates"), autoescape=True)
# ruleid: mergegate.python.jinja2-autoescape-disabled
plain_env = jinja2.Environment(autoescape=False)
Env = jinja2.Environment
# ruleid: mergegate.python.jinja2-autoescape-disabled
aliased = Env()
# ok: mergegate.python.jinja2-autoescape-disabled
aliased_safe = Env(autoescape=jinja2.select_autoescape())


@app.route("/list")
def listing():
    values = []
    values.append("safe")
    values.append(request.args.get("v", ""))
    # ruleid: mergegate.python.xss
    return "<ul><li>" + "</li><li>".join(values) + "</li></ul>"


@app.route("/tpl")
def tpl():
    # ruleid: mergegate.python.xss
    return render_template_string("<p>" + request.args.get("v", "") + "</p>")


@app.route("/plain")
def plain():
    name = request.args.get("name", "")
    # ok: mergegate.python.xss
    resp = make_response("Hello " + name)
    resp.headers["Content-Type"] = "text/plain; charset=utf-8"
    # ruleid: mergegate.python.xss
    page = Response("<p>" + name + "</p>", content_type="text/html")
    app.logger.info("%s", page)
    return resp
