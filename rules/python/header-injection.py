from django.http import HttpResponse
from flask import Flask, Response, make_response, request

app = Flask(__name__)


@app.route("/download")
def download():
    name = request.args.get("name", "")
    resp = Response("data")
    # ruleid: mergegate.python.header-injection
    resp.headers[name] = "1"
    # ok: mergegate.python.header-injection
    resp.headers["X-Name"] = name
    # ruleid: mergegate.python.header-injection
    other = make_response("hello", {request.args["h"]: "v"})
    # ok: mergegate.python.header-injection
    clean = make_response("hello", {name.replace("\n", "").replace("\r", ""): "v"})
    return resp, other, clean


def django_view(request):
    response = HttpResponse("ok")
    # ruleid: mergegate.python.header-injection
    response["X-Info"] = request.GET.get("info", "")
    # ok: mergegate.python.header-injection
    response["X-Count"] = int(request.GET.get("count", "0"))
    return response
