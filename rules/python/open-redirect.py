from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from urllib.parse import urljoin, urlparse

import checks
from checks import validate_redirect_target

from flask import Flask, redirect, request, url_for

app = Flask(__name__)
api = FastAPI()


@app.route("/login", methods=["POST"])
def login():
    next_url = request.args.get("next", "/")
    if next_url.startswith("/account"):
        # ok: mergegate.python.open-redirect
        return redirect(url_for("account"))
    if request.form.get("tab"):
        # ok: mergegate.python.open-redirect
        return redirect("/settings/" + request.form["tab"])
    # ruleid: mergegate.python.open-redirect
    return redirect(next_url)


def django_logout(request):
    target = request.GET.get("next", "/")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        # ok: mergegate.python.open-redirect
        return HttpResponseRedirect(target)
    # ruleid: mergegate.python.open-redirect
    return HttpResponseRedirect(request.GET["fallback"])


@api.get("/go")
async def go(to: str):
    # ruleid: mergegate.python.open-redirect
    return RedirectResponse(to)


@app.route("/continue")
def cont():
    target = request.args.get("target", "")
    # ok: mergegate.python.open-redirect
    redirect("https://example.com/%s" % target)
    safe = "https://example.com/"
    safe += target
    # ok: mergegate.python.open-redirect
    redirect(safe)
    unsafe = target + "?login=success"
    # ruleid: mergegate.python.open-redirect
    redirect(unsafe)
    # ruleid: mergegate.python.open-redirect
    redirect(f"{target}?login=success")
    target = target.replace("\\", "/")
    if not urlparse(target).netloc:
        # ok: mergegate.python.open-redirect
        return redirect(target)
    return redirect("/")


def safe_local_path(target):
    """The project's own check, defined in this module: a local path or "/"."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def with_tracking(target):
    """A helper of this module that passes the value on: it propagates the taint."""
    return target + "?from=login"


@app.route("/signed-in")
def signed_in():
    target = request.args.get("next", "/")
    # ok: mergegate.python.open-redirect
    redirect(safe_local_path(target))
    # ruleid: mergegate.python.open-redirect
    redirect(with_tracking(target))
    # ok: mergegate.python.open-redirect
    redirect(checks.safe_next(target))
    # ok: mergegate.python.open-redirect
    redirect(validate_redirect_target(target))
    # ruleid: mergegate.python.open-redirect
    redirect(target.strip())
    # ruleid: mergegate.python.open-redirect
    return redirect(urljoin(target, "/home"))
