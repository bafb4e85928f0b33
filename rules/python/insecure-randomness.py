import random
import secrets
import string

ALPHABET = string.ascii_letters + string.digits


def new_reset_token():
    # ruleid: mergegate.python.insecure-randomness
    return "".join(random.choice(ALPHABET) for _ in range(32))


def create_user(db, email):
    # ruleid: mergegate.python.insecure-randomness
    api_key = "%032x" % random.getrandbits(128)
    # ok: mergegate.python.insecure-randomness
    session_token = secrets.token_urlsafe(32)
    db.insert(email, api_key, session_token)


def pick_backoff(attempt):
    # ok: mergegate.python.insecure-randomness
    delay = random.uniform(0, 2**attempt)
    # ok: mergegate.python.insecure-randomness
    sample = random.sample(range(100), 5)
    return delay, sample


from flask import Flask, make_response, session  # noqa: E402

app = Flask(__name__)


@app.route("/remember")
def remember():
    value = str(random.random())
    resp = make_response("ok")
    # ruleid: mergegate.python.insecure-randomness-to-client
    resp.set_cookie("rememberMe", value, secure=True, httponly=True)
    # ok: mergegate.python.insecure-randomness-to-client
    resp.set_cookie("csrf", secrets.token_hex(16), secure=True, httponly=True)
    # ruleid: mergegate.python.insecure-randomness-to-client
    session["nonce"] = random.randint(0, 2**32)
    # ok: mergegate.python.insecure-randomness-to-client
    session["nonce2"] = random.SystemRandom().randint(0, 2**32)
    return resp
