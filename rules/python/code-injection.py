import ast
import json
import re
import sys

import jinja2
from flask import Flask, render_template, render_template_string, request

app = Flask(__name__)


@app.route("/calc")
def calc():
    expression = request.args.get("expr", "")
    # ruleid: mergegate.python.code-injection
    result = eval(expression)
    code = "result = " + request.form["code"]
    # ruleid: mergegate.python.code-injection
    exec(code, {})
    # ruleid: mergegate.python.code-injection
    compiled = compile(request.form["src"], "<form>", "exec")
    # ok: mergegate.python.code-injection
    values = ast.literal_eval(expression)
    # ok: mergegate.python.code-injection
    pattern = re.compile(request.args.get("re", ""))
    # ok: mergegate.python.code-injection
    eval("1 + 1")
    return str((result, compiled, values, pattern))


@app.route("/pick")
def pick():
    name = request.args.get("name", "")
    if name == "alpha" or name == "beta":
        # ok: mergegate.python.code-injection
        return str(eval(name))
    return "no"


@app.route("/quoted")
def quoted():
    text = request.args.get("text", "")
    if not (text.startswith("'") and text.endswith("'")):
        raise ValueError("must be a string literal")
    # ok: mergegate.python.code-injection
    return str(eval(text))


@app.route("/number")
def number():
    # ok: mergegate.python.code-injection
    return str(eval(str(int(request.args["n"])) + " * 2"))


def calculate(expression):
    # ok: mergegate.python.code-injection
    return eval(expression)


@app.route("/hello")
def hello():
    name = request.args.get("name", "world")
    # ruleid: mergegate.python.template-injection
    page = render_template_string("<h1>Hello " + name + "</h1>")
    # ok: mergegate.python.template-injection
    safe = render_template_string("<h1>Hello {{ name }}</h1>", name=name)
    # ruleid: mergegate.python.template-injection
    other = jinja2.Template(request.form["tpl"]).render()
    # ok: mergegate.python.template-injection
    return page + safe + other + render_template("hello.html", name=name)


if __name__ == "__main__":
    # ruleid: mergegate.python.code-injection
    exec(sys.argv[1])
    # ruleid: mergegate.python.code-injection
    eval(input("> "))
    # ok: mergegate.python.code-injection
    json.loads(input("> "))
