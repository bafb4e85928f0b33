const vm = require('vm');

function calculate(expression) {
  // ruleid: mergegate.javascript.code-injection
  return eval(expression);
}

function compileFilter(body) {
  // ruleid: mergegate.javascript.code-injection
  return new Function('item', body);
}

function runPlugin(source, sandbox) {
  // ruleid: mergegate.javascript.code-injection
  return vm.runInNewContext(source, sandbox);
}

function remind(name) {
  // ruleid: mergegate.javascript.code-injection
  setTimeout('notify("' + name + '")', 1000);
  // ok: mergegate.javascript.code-injection
  setTimeout(() => notify(`${name} is due`), 1000);
}

function parse(text) {
  // ok: mergegate.javascript.code-injection
  const data = JSON.parse(text);
  // ok: mergegate.javascript.code-injection
  const add = new Function('a', 'b', 'return a + b');
  return { data, add };
}

module.exports = { calculate, compileFilter, runPlugin, remind, parse };

const express = require('express');
const pug = require('pug');
const app = express();

app.get('/calc', (req, res) => {
  // ruleid: mergegate.javascript.code-injection, mergegate.javascript.code-injection-from-request
  res.send(String(eval(req.query.expr)));
});

app.get('/greet', (req, res) => {
  // ruleid: mergegate.javascript.code-injection-from-request
  res.send(pug.render(req.query.template));
  // ok: mergegate.javascript.code-injection-from-request
  res.send(pug.renderFile('views/greet.pug', { name: req.query.name }));
});

app.post('/filter', async (req, res) => {
  const items = req.app.locals.db.collection('items');
  // ruleid: mergegate.javascript.code-injection-from-request
  res.json(await items.find({ $where: req.body.predicate }).toArray());
});
