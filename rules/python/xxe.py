import xml.sax
from xml.sax.handler import feature_external_ges

import defusedxml.ElementTree as SafeET
from lxml import etree


def parse_invoice(body: bytes):
    # ruleid: mergegate.python.xxe
    parser = etree.XMLParser(resolve_entities=True, remove_blank_text=True)
    # ruleid: mergegate.python.xxe
    dtd_parser = etree.XMLParser(load_dtd=True, no_network=False)
    # ok: mergegate.python.xxe
    safe_parser = etree.XMLParser(resolve_entities=False, no_network=True)
    # ok: mergegate.python.xxe
    safe_root = etree.fromstring(body, parser=safe_parser)
    # ok: mergegate.python.xxe
    defused = SafeET.fromstring(body)
    return parser, dtd_parser, safe_root, defused


def sax_parser(handler):
    parser = xml.sax.make_parser()
    # ruleid: mergegate.python.xxe
    parser.setFeature(feature_external_ges, True)
    # ok: mergegate.python.xxe
    parser.setFeature(feature_external_ges, False)
    parser.setContentHandler(handler)
    return parser


from flask import Flask, request  # noqa: E402

app = Flask(__name__)


@app.route("/upload", methods=["POST"])
def upload():
    body = request.get_data()
    # ruleid: mergegate.python.xxe-untrusted-xml
    root = etree.fromstring(body)
    # ok: mergegate.python.xxe-untrusted-xml
    safe = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False))
    # ruleid: mergegate.python.xxe
    unsafe_parser = etree.XMLParser(resolve_entities=True)
    # ruleid: mergegate.python.xxe-untrusted-xml
    bad = etree.fromstring(body, parser=unsafe_parser)
    # ok: mergegate.python.xxe-untrusted-xml
    defused = SafeET.fromstring(body)
    return str((root, safe, bad, defused))


@app.route("/sax", methods=["POST"])
def sax_upload():
    parser = xml.sax.make_parser()
    # ruleid: mergegate.python.xxe
    parser.setFeature(feature_external_ges, True)
    # ruleid: mergegate.python.xxe-untrusted-xml
    parser.parse(request.files["doc"])
    return "ok"
