from flask import Flask, make_response

app = Flask(__name__)


@app.route("/login")
def login():
    resp = make_response("ok")
    # ruleid: mergegate.python.cookie-without-secure, mergegate.python.cookie-without-httponly
    resp.set_cookie("session_id", "abc")
    # ruleid: mergegate.python.cookie-without-secure
    resp.set_cookie("session_id", "abc", secure=False, httponly=True)
    # ruleid: mergegate.python.cookie-without-httponly
    resp.set_cookie("session_id", "abc", secure=True)
    # ok: mergegate.python.cookie-without-secure, mergegate.python.cookie-without-httponly
    resp.set_cookie("session_id", "abc", secure=True, httponly=True, samesite="Lax")
    # ok: mergegate.python.cookie-without-secure, mergegate.python.cookie-without-httponly
    resp.delete_cookie("old")
    return resp


# ruleid: mergegate.python.cookie-without-secure
SESSION_COOKIE_SECURE = False
# ruleid: mergegate.python.cookie-without-httponly
SESSION_COOKIE_HTTPONLY = False
