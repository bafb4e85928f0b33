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
