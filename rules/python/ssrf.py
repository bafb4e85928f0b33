import http.client
import urllib.request
from urllib.parse import quote, urlparse

import policy
import requests
from fastapi import Depends, FastAPI
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()


@app.route("/preview")
def preview():
    url = request.args.get("url")
    # ruleid: mergegate.python.ssrf
    page = requests.get(url, timeout=5)
    # ruleid: mergegate.python.ssrf
    raw = urllib.request.urlopen(request.args["feed"])
    # the caller still picks the path on that host: partial SSRF
    # ruleid: mergegate.python.ssrf
    user = requests.get("https://api.github.com/users/" + url, timeout=5)
    # ok: mergegate.python.ssrf
    repo = requests.get("https://api.github.com/users/" + quote(url, safe=""), timeout=5)
    return page.text + raw.read().decode() + user.text + repo.text


@api.post("/webhooks/test")
async def test_webhook(target: str, retries: int = 1, user=Depends(dict)):
    # ruleid: mergegate.python.ssrf
    requests.post(target, json={"ping": True}, timeout=5)
    # ok: mergegate.python.ssrf
    requests.post("https://hooks.example.com/%d" % retries, timeout=5)
    return {"retries": retries}


class ProxyView:
    def get(self, *args, **kwargs):
        # ruleid: mergegate.python.ssrf
        return requests.get(self.request.GET["target"], timeout=5)


async def aiohttp_fetch(request):
    target = request.match_info["target"]
    # ruleid: mergegate.python.ssrf
    return requests.get(target, timeout=5)


ALLOWED_HOSTS = {"api.example.com", "cdn.example.com"}


@app.route("/fetch")
def fetch():
    url = request.args.get("url", "")
    if urlparse(url).hostname not in ALLOWED_HOSTS:
        return "host not allowed", 400
    # ok: mergegate.python.ssrf
    return requests.get(url, timeout=5).text


@app.route("/proxy")
def proxy():
    host = request.args["host"]
    conn = http.client.HTTPSConnection(host)
    # ruleid: mergegate.python.ssrf
    conn.request("GET", "/status")
    page = request.args["page"]
    if page.isdigit():
        # ok: mergegate.python.ssrf
        requests.get("https://api.example.com/items?page=" + page, timeout=5)
    return "ok"


def validated_internal_url(url):
    """The project's own check, defined in this module."""
    if urlparse(url).hostname not in ALLOWED_HOSTS:
        raise ValueError("host not allowed")
    return url


def api_url(path):
    """A helper of this module that builds on its argument: it propagates the taint."""
    return path + "/v1/items"


@app.route("/mirror")
def mirror():
    url = request.args["url"]
    # ok: mergegate.python.ssrf
    requests.get(validated_internal_url(url), timeout=5)
    # ruleid: mergegate.python.ssrf
    requests.get(api_url(url), timeout=5)
    # ok: mergegate.python.ssrf
    requests.get(policy.allowed_url(url), timeout=5)
    # ruleid: mergegate.python.ssrf
    return requests.get(url.strip(), timeout=5).text
