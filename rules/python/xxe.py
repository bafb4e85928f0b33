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
