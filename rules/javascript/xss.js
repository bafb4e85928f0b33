const express = require('express');
const escapeHtml = require('escape-html');

const app = express();

app.get('/search', (req, res) => {
  const q = req.query.q;
  if (!q) {
    // ok: mergegate.javascript.xss-response
    return res.send(`<p>Type a query for ${escapeHtml(req.query.hint || '')}</p>`);
  }
  if (q.length > 100) {
    // ok: mergegate.javascript.xss-response
    return res.json({ error: 'too long', q });
  }
  // ruleid: mergegate.javascript.xss-response
  return res.send(`<h1>Results for ${q}</h1>`);
});

app.get('/hello', (req, res) => {
  // ruleid: mergegate.javascript.xss-response
  res.write('<p>Hello ' + req.query.name + '</p>');
  res.end();
});

function showMessage(el, message) {
  // ruleid: mergegate.javascript.xss-dom-html
  el.innerHTML = `<b>${message}</b>`;
  // ok: mergegate.javascript.xss-dom-html
  el.textContent = message;
  // ok: mergegate.javascript.xss-dom-html
  el.innerHTML = '<b>static</b>';
  // ok: mergegate.javascript.xss-dom-html
  el.innerHTML = DOMPurify.sanitize(message);
  // ruleid: mergegate.javascript.xss-dom-html
  document.body.insertAdjacentHTML('beforeend', message);
}

app.get('/echo', (req, res) => {
  // ruleid: mergegate.javascript.xss-response
  res.send(req.query.text);
});

app.get('/echo.txt', (req, res) => {
  res.type('text/plain');
  // ok: mergegate.javascript.xss-response
  res.send(req.query.text);
});

function fromHash() {
  const frag = decodeURIComponent(location.hash.substring(1));
  // ruleid: mergegate.javascript.xss-dom, mergegate.javascript.xss-dom-html
  document.getElementById('out').innerHTML = '<b>' + frag + '</b>';
  // ok: mergegate.javascript.xss-dom
  document.getElementById('out').textContent = frag;
  // ruleid: mergegate.javascript.xss-dom
  $('#list').append(frag);
  // ok: mergegate.javascript.xss-dom
  $('#list').text(frag);
  // ruleid: mergegate.javascript.xss-dom-html
  $('#count').html(frag.length);
}

window.addEventListener('message', (event) => {
  // ruleid: mergegate.javascript.xss-dom, mergegate.javascript.xss-dom-html
  document.getElementById('any').innerHTML = event.data;
});

window.addEventListener('message', (event) => {
  if (event.origin !== 'https://app.example.com') return;
  // ruleid: mergegate.javascript.xss-dom-html
  document.getElementById('trusted').innerHTML = event.data;
});

module.exports = { showMessage, fromHash };
