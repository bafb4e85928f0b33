const axios = require('axios');
const express = require('express');

const app = express();

app.get('/preview', async (req, res) => {
  const target = req.query.url;
  // ruleid: mergegate.javascript.ssrf
  const page = await fetch(target);
  // ruleid: mergegate.javascript.ssrf
  const meta = await axios.get(req.body.callback);
  // ok: mergegate.javascript.ssrf
  const user = await axios.get(`https://api.github.com/users/${encodeURIComponent(target)}`);
  // ok: mergegate.javascript.ssrf
  const repo = await fetch('https://api.github.com/repos/' + req.params.repo);
  // ok: mergegate.javascript.ssrf
  const parsed = new URL(req.query.next, 'https://app.example.com');
  res.json({ parsed: parsed.pathname, page: await page.text(), meta: meta.data, user: user.data, repo: await repo.json() });
});

module.exports = app;

export async function POST(req) {
  const { url } = await req.json();
  // ruleid: mergegate.javascript.ssrf
  const upstream = await fetch(url);
  // ok: mergegate.javascript.ssrf
  const fixed = await fetch('https://api.example.com/items?q=' + url);
  return new Response(upstream.body, { status: fixed.status });
}
