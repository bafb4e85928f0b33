import urllib.request

import requests


def sync_orders(order_id):
    # ruleid: mergegate.python.plaintext-http
    resp = requests.post("http://partner-api.example.com/orders", json={"id": order_id}, timeout=5)
    # ruleid: mergegate.python.plaintext-http
    feed = urllib.request.urlopen("http://feeds.acme.io/prices.xml")
    # ok: mergegate.python.plaintext-http
    secure = requests.post("https://partner-api.example.com/orders", timeout=5)
    # ok: mergegate.python.plaintext-http
    local = requests.get("http://localhost:8080/healthz", timeout=1)
    # ok: mergegate.python.plaintext-http
    loopback = requests.get("http://127.0.0.1:9090/metrics", timeout=1)
    session = requests.Session()
    # ruleid: mergegate.python.plaintext-http
    session.get("http://10.0.3.7/api/v1/stock")
    # ok: mergegate.python.plaintext-http
    session.get("http://metadata.internal/computeMetadata/v1/")
    return resp, feed, secure, local, loopback
