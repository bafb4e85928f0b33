const serialize = require('node-serialize');
const yaml = require('js-yaml');
const express = require('express');

const app = express();

app.post('/profile', (req, res) => {
  const raw = Buffer.from(req.cookies.profile, 'base64').toString();
  // ruleid: mergegate.javascript.unsafe-deserialization
  const profile = serialize.unserialize(raw);
  // ok: mergegate.javascript.unsafe-deserialization
  const prefs = JSON.parse(raw);
  // ok: mergegate.javascript.unsafe-deserialization
  const cookie = serialize.serialize(prefs);
  res.json({ profile, prefs, cookie });
});

function loadConfig(text) {
  // ruleid: mergegate.javascript.unsafe-deserialization
  const full = yaml.load(text, { schema: yaml.DEFAULT_FULL_SCHEMA });
  // ok: mergegate.javascript.unsafe-deserialization
  const safe = yaml.load(text);
  // ok: mergegate.javascript.unsafe-deserialization
  const core = yaml.load(text, { schema: yaml.CORE_SCHEMA });
  const unsafeConfig = { schema: yaml.DEFAULT_FULL_SCHEMA };
  // ruleid: mergegate.javascript.unsafe-deserialization
  const viaConfig = yaml.loadAll(text, unsafeConfig);
  return { full, safe, core, viaConfig };
}

module.exports = { loadConfig };
