from flask import Flask, request, session

app = Flask(__name__)
ROLES = {"viewer", "editor"}


@app.route("/prefs", methods=["POST"])
def prefs():
    # ruleid: mergegate.python.trust-boundary-violation
    session["theme"] = request.form["theme"]
    role = request.form.get("role", "viewer")
    if role in ROLES:
        # ok: mergegate.python.trust-boundary-violation
        session["role"] = role
    # ok: mergegate.python.trust-boundary-violation
    session["page_size"] = int(request.form.get("page_size", "20"))
    # ok: mergegate.python.trust-boundary-violation
    session["visited"] = True
    return "ok"


def django_view(request):
    # ruleid: mergegate.python.trust-boundary-violation
    request.session["user_name"] = request.POST.get("name")
    return None
