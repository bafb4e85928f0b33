import xml.sax
from xml.sax.handler import feature_external_ges

import defusedxml.ElementTree as SafeET
from lxml import etree


def parse_invoice(body: bytes):
    # ruleid: mergegate.python.xxe
    root = etree.fromstring(body)
    # ruleid: mergegate.python.xxe
    parser = etree.XMLParser(remove_blank_text=True)
    # ok: mergegate.python.xxe
    safe_parser = etree.XMLParser(resolve_entities=False, no_network=True)
    # ok: mergegate.python.xxe
    safe_root = etree.fromstring(body, parser=safe_parser)
    # ok: mergegate.python.xxe
    defused = SafeET.fromstring(body)
    return root, parser, safe_root, defused


def sax_parser(handler):
    parser = xml.sax.make_parser()
    # ruleid: mergegate.python.xxe
    parser.setFeature(feature_external_ges, True)
    # ok: mergegate.python.xxe
    parser.setFeature(feature_external_ges, False)
    parser.setContentHandler(handler)
    return parser
