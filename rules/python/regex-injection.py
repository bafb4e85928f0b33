import re

from flask import Flask, request

app = Flask(__name__)


@app.route("/grep")
def grep():
    pattern = request.args.get("q", "")
    # ruleid: mergegate.python.regex-injection
    matcher = re.compile(pattern)
    # ruleid: mergegate.python.regex-injection
    hits = re.search(pattern + ".*", "text")
    # ok: mergegate.python.regex-injection
    literal = re.search(re.escape(pattern), "text")
    # ok: mergegate.python.regex-injection
    found = re.search(r"^\w+$", pattern)
    return str((matcher, hits, literal, found))
