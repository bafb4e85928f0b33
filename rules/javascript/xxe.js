const libxmljs = require('libxmljs2');

function parseInvoice(xml) {
  // ruleid: mergegate.javascript.xxe
  const doc = libxmljs.parseXml(xml, { noent: true });
  // ok: mergegate.javascript.xxe
  const safe = libxmljs.parseXml(xml, { noent: false, nonet: true });
  // ok: mergegate.javascript.xxe
  const plain = libxmljs.parseXml(xml);
  return { doc, safe, plain };
}

module.exports = { parseInvoice };

function streamInvoice(xml) {
  const parser = new libxmljs.SaxParser();
  // ruleid: mergegate.javascript.xxe
  parser.parseString(xml);
}

module.exports.streamInvoice = streamInvoice;
