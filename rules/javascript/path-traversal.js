const fs = require('fs');
const path = require('path');
const express = require('express');

const app = express();
const UPLOADS = '/srv/uploads';

app.get('/files', (req, res) => {
  // ruleid: mergegate.javascript.path-traversal
  const data = fs.readFileSync(path.join(UPLOADS, req.query.name));
  res.send(data);
});

app.get('/download/:name', (req, res) => {
  // ruleid: mergegate.javascript.path-traversal
  res.download(UPLOADS + '/' + req.params.name);
});

app.get('/safe', (req, res) => {
  // ok: mergegate.javascript.path-traversal
  res.sendFile(req.query.name, { root: UPLOADS });
});

app.get('/avatar', async (req, res) => {
  // ok: mergegate.javascript.path-traversal
  const stream = fs.createReadStream(path.join(UPLOADS, path.basename(req.query.name)));
  const full = path.resolve(UPLOADS, req.query.name);
  if (full.startsWith(UPLOADS + path.sep)) {
    // ok: mergegate.javascript.path-traversal
    await fs.promises.readFile(full);
  }
  stream.pipe(res);
});

const fse = require('fs-extra');
const mkdirp = require('mkdirp');
const http = require('http');
const url = require('url');

http.createServer((req, res) => {
  const name = url.parse(req.url, true).query.name;
  // ruleid: mergegate.javascript.path-traversal
  fse.outputFileSync(name, 'data');
  // ruleid: mergegate.javascript.path-traversal
  mkdirp.sync(path.join('/tmp/cache', name));
  // ruleid: mergegate.javascript.path-traversal
  const plugin = require('./plugins/' + name);
  // ok: mergegate.javascript.path-traversal
  fs.readFileSync(path.join(UPLOADS, name.replace(/[\/\\]/g, '')));
  // ok: mergegate.javascript.path-traversal
  res.sendFile(UPLOADS + '/' + name);
  res.end(String(plugin));
});
