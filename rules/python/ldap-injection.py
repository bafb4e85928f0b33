import ldap
import ldap3
from flask import Flask, request
from ldap3.utils.conv import escape_filter_chars

app = Flask(__name__)


@app.route("/user")
def find_user():
    name = request.args["name"]
    conn = ldap.initialize("ldap://ldap.example.com")
    search_filter = "(&(objectClass=person)(uid=%s))" % name
    # ruleid: mergegate.python.ldap-injection
    conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, search_filter)
    # ruleid: mergegate.python.ldap-injection
    conn.search_s("ou=%s,dc=example,dc=com" % request.args["ou"], ldap.SCOPE_SUBTREE, "(uid=*)")
    safe = "(uid=%s)" % ldap.filter.escape_filter_chars(name)
    # ok: mergegate.python.ldap-injection
    conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, safe)
    return "ok"


@app.route("/user3")
def find_user3():
    name = request.args["name"]
    server = ldap3.Server("ldap://ldap.example.com")
    conn = ldap3.Connection(server, auto_bind=True)
    # ruleid: mergegate.python.ldap-injection
    conn.search("dc=example,dc=com", f"(uid={name})")
    # ok: mergegate.python.ldap-injection
    conn.search("dc=example,dc=com", f"(uid={escape_filter_chars(name)})")
    # ok: mergegate.python.ldap-injection
    conn.search("dc=example,dc=com", "(objectClass=person)", attributes=[name])
    return "ok"


def get_connection():
    return ldap3.Connection(ldap3.Server("ldap://ldap.example.com"), auto_bind=True)


@app.route("/user4")
def find_user4():
    conn = get_connection()
    # ruleid: mergegate.python.ldap-injection
    conn.search("dc=example,dc=com", "(uid=" + request.args["name"] + ")")
    # ok: mergegate.python.ldap-injection
    conn.search("dc=example,dc=com", "(uid=" + escape_filter_chars(request.args["name"]) + ")")
    return "ok"


@app.route("/user5")
def find_user5():
    from helpers import directory

    conn = directory.connection()
    # ruleid: mergegate.python.ldap-injection
    conn.search("ou=people,dc=example,dc=com", "(cn=%s)" % request.args["cn"])
    return "ok"
