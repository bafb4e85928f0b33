const express = require('express');

const app = express();
const ALLOWED = ['/dashboard', '/settings'];

app.get('/login/callback', (req, res) => {
  const next = req.query.next;
  if (ALLOWED.includes(next)) {
    // ok: mergegate.javascript.open-redirect
    return res.redirect(next);
  }
  if (req.query.tab) {
    // ok: mergegate.javascript.open-redirect
    return res.redirect(`/settings/${encodeURIComponent(req.query.tab)}`);
  }
  // ruleid: mergegate.javascript.open-redirect
  return res.redirect(next);
});

app.get('/out', (req, res) => {
  // ruleid: mergegate.javascript.open-redirect
  res.writeHead(302, { Location: req.query.to });
  res.end();
});

function followNext() {
  const next = new URLSearchParams(location.search).get('next');
  // ruleid: mergegate.javascript.client-side-redirect
  window.location.href = next;
  // ok: mergegate.javascript.client-side-redirect
  window.location.href = '/search?q=' + next;
  // ruleid: mergegate.javascript.client-side-redirect
  document.getElementById('frame').src = decodeURIComponent(location.hash.slice(1));
}

app.get('/go', (req, res) => {
  // ruleid: mergegate.javascript.open-redirect
  res.writeHead(302, { Location: req.query.to });
  res.end();
});

module.exports.followNext = followNext;
