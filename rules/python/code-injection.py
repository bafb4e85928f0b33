import ast
import json
import re

import jinja2
from flask import Flask, render_template, render_template_string, request

app = Flask(__name__)


def calculate(expression):
    # ruleid: mergegate.python.code-injection
    return eval(expression)


def load_plugin(source, scope):
    # ruleid: mergegate.python.code-injection
    exec(source, scope)


def parse_settings(text):
    # ok: mergegate.python.code-injection
    values = ast.literal_eval(text)
    # ok: mergegate.python.code-injection
    pattern = re.compile(r"^\w+$")
    # ok: mergegate.python.code-injection
    eval("1 + 1")
    return values, pattern, json.loads(text)


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
