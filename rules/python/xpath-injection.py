from io import StringIO

from flask import Flask, request
from lxml import etree

app = Flask(__name__)
DOC = "<users><user name='a' role='admin'/></users>"


@app.route("/role")
def role():
    name = request.args.get("name", "")
    tree = etree.parse(StringIO(DOC))
    # ruleid: mergegate.python.xpath-injection
    found = tree.xpath("//user[@name='%s']/@role" % name)
    # ok: mergegate.python.xpath-injection
    safe = tree.xpath("//user[@name=$name]/@role", name=name)
    # ruleid: mergegate.python.xpath-injection
    finder = etree.XPath("//user[@name='" + name + "']")
    # ok: mergegate.python.xpath-injection
    fixed = etree.XPath("//user[@name=$name]")
    return str((found, safe, finder, fixed(tree, name=name)))


def django_view(request):
    query = request.GET["q"]
    root = etree.XML(DOC)
    # ruleid: mergegate.python.xpath-injection
    return root.xpath(query)
