const { exec, execFile, spawn } = require('child_process');
const express = require('express');

const app = express();

app.post('/convert', (req, res) => {
  const file = req.body.file;
  // ruleid: mergegate.javascript.command-injection, mergegate.javascript.shell-command-building
  exec(`convert ${file} out.png`, (err) => res.sendStatus(err ? 500 : 200));
  // ruleid: mergegate.javascript.command-injection
  spawn(req.query.tool, ['--version']);
  // ok: mergegate.javascript.command-injection
  execFile('convert', [file, 'out.png'], (err) => res.sendStatus(err ? 500 : 200));
  // ok: mergegate.javascript.command-injection
  spawn('ping', ['-c', String(parseInt(req.query.count, 10)), 'example.com']);
});

function backup(dir) {
  // ruleid: mergegate.javascript.shell-command-building
  exec('tar -czf backup.tgz ' + dir);
  // ok: mergegate.javascript.shell-command-building
  exec('git rev-parse HEAD');
  // ok: mergegate.javascript.shell-command-building
  execFile('tar', ['-czf', 'backup.tgz', dir]);
}

module.exports = { backup };

const cp = require('child_process');
const util = require('util');
const http = require('http');
const url = require('url');

http.createServer((req, res) => {
  const target = url.parse(req.url, true).query.target;
  // ruleid: mergegate.javascript.command-injection, mergegate.javascript.shell-command-building
  cp.exec(util.format('ping -c 1 %s', target));
  // ruleid: mergegate.javascript.command-injection
  cp.spawn('sh', ['-c', target]);
  // ok: mergegate.javascript.command-injection
  cp.execFile('ping', ['-c', '1', target]);
  res.end();
});

function removeAll(name) {
  // ruleid: mergegate.javascript.shell-command-building
  cp.exec(['rm -rf', name].join(' '));
}

module.exports.removeAll = removeAll;
