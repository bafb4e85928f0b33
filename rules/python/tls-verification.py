import ssl

import httpx
import requests


def fetch_status(url):
    # ruleid: mergegate.python.tls-verification-disabled
    resp = requests.get(url, verify=False, timeout=5)
    # ok: mergegate.python.tls-verification-disabled
    checked = requests.get(url, verify="/etc/ssl/certs/internal-ca.pem", timeout=5)
    # ruleid: mergegate.python.tls-verification-disabled
    client = httpx.Client(verify=False)
    # ok: mergegate.python.tls-verification-disabled
    good = httpx.Client(timeout=10)
    return resp, checked, client, good


def make_context():
    # ruleid: mergegate.python.tls-verification-disabled
    lax = ssl._create_unverified_context()
    ctx = ssl.create_default_context()
    # ruleid: mergegate.python.tls-verification-disabled
    ctx.check_hostname = False
    # ruleid: mergegate.python.tls-verification-disabled
    ctx.verify_mode = ssl.CERT_NONE
    strict = ssl.create_default_context(cafile="/etc/ssl/certs/internal-ca.pem")
    # ok: mergegate.python.tls-verification-disabled
    strict.verify_mode = ssl.CERT_REQUIRED
    return lax, ctx, strict
