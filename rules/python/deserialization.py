import base64
import json
import marshal
import pickle

import yaml
from flask import Flask, request

app = Flask(__name__)


@app.route("/session", methods=["POST"])
def restore_session():
    # ruleid: mergegate.python.unsafe-deserialization
    state = pickle.loads(request.get_data())
    cookie = base64.b64decode(request.cookies.get("profile", ""))
    # ruleid: mergegate.python.unsafe-deserialization
    profile = marshal.loads(cookie)
    # ruleid: mergegate.python.unsafe-deserialization, mergegate.python.yaml-unsafe-load
    settings = yaml.load(request.form["settings"], Loader=yaml.Loader)
    # ok: mergegate.python.unsafe-deserialization
    safe_settings = yaml.safe_load(request.form["settings"])
    # ok: mergegate.python.unsafe-deserialization
    model = pickle.loads(open("/srv/model.pkl", "rb").read())
    # ok: mergegate.python.unsafe-deserialization
    prefs = json.loads(request.get_data())
    return {"state": state, "prefs": prefs, "p": [profile, settings, safe_settings, model]}


def save_cache(obj, path):
    with open(path, "wb") as fh:
        # ok: mergegate.python.unsafe-deserialization
        pickle.dump(obj, fh)


def read_config(text):
    # ruleid: mergegate.python.yaml-unsafe-load
    a = yaml.load(text, Loader=yaml.Loader)
    # ruleid: mergegate.python.yaml-unsafe-load
    b = yaml.load(text)
    # ruleid: mergegate.python.yaml-unsafe-load
    c = yaml.unsafe_load(text)
    # ok: mergegate.python.yaml-unsafe-load
    d = yaml.safe_load(text)
    # ok: mergegate.python.yaml-unsafe-load
    e = yaml.load(text, Loader=yaml.SafeLoader)
    return a, b, c, d, e
