import json
import pickle

import yaml
from flask import Flask, request

app = Flask(__name__)


@app.route("/session", methods=["POST"])
def restore_session():
    # ruleid: mergegate.python.unsafe-deserialization
    state = pickle.loads(request.get_data())
    # ok: mergegate.python.unsafe-deserialization
    prefs = json.loads(request.get_data())
    return {"state": state, "prefs": prefs}


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
