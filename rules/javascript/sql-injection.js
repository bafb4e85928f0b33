const express = require('express');
const { Pool } = require('pg');
const mysql = require('mysql2');

const app = express();
const pool = new Pool();
const conn = mysql.createConnection({ host: process.env.DB_HOST });

app.get('/users', async (req, res) => {
  const name = req.query.name;
  // ruleid: mergegate.javascript.sql-injection, mergegate.javascript.sql-string-building
  const a = await pool.query(`SELECT * FROM users WHERE name = '${name}'`);
  const sql = 'SELECT * FROM users WHERE email = "' + req.body.email + '"';
  // ruleid: mergegate.javascript.sql-injection
  conn.query(sql, (err, rows) => res.json(rows));
  // ok: mergegate.javascript.sql-injection
  const b = await pool.query('SELECT * FROM users WHERE name = $1', [name]);
  // ok: mergegate.javascript.sql-injection
  const c = await pool.query('SELECT * FROM users LIMIT ' + parseInt(req.query.limit, 10));
  // ruleid: mergegate.javascript.sql-injection, mergegate.javascript.sql-string-building
  const d = await pool.query('SELECT ' + req.query.column + ' FROM ' + req.body.table);
  res.json({ a: a.rows, b: b.rows, c: c.rows, d: d.rows });
});

async function search(db, term) {
  // ruleid: mergegate.javascript.sql-string-building
  return db.query("SELECT * FROM products WHERE title LIKE '%" + term + "%'");
}

async function byId(db, id) {
  // ok: mergegate.javascript.sql-string-building
  return db.query('SELECT * FROM products WHERE id = ?', [id]);
}

async function loadAll(db, ids) {
  // ok: mergegate.javascript.sql-string-building
  return Promise.all(ids.map((id) => db.get('SELECT * FROM users WHERE id = ?', [id])).concat([`from ${ids.length}`]));
}

function label(user) {
  // ok: mergegate.javascript.sql-string-building
  return `Selected from ${user.team}`;
}

app.post('/login', async (req, res) => {
  const users = req.app.locals.db.collection('users');
  // ruleid: mergegate.javascript.nosql-injection
  const user = await users.findOne({ name: req.body.name, password: req.body.password });
  // ok: mergegate.javascript.nosql-injection
  const same = await users.findOne({ name: String(req.body.name) });
  if (typeof req.body.token !== 'string') {
    return res.sendStatus(400);
  }
  // ok: mergegate.javascript.nosql-injection
  const byToken = await users.findOne({ token: req.body.token });
  res.json({ user, same, byToken });
});

module.exports = { search, byId, loadAll, label };
