const mysql = require('mysql2');
const mongoose = require('mongoose');
const { Pool } = require('pg');

// ruleid: mergegate.javascript.hardcoded-connection-credentials
mongoose.connect('mongodb://admin:Sup3rS3cret@mongo.prod.example.com:27017/app');
// ok: mergegate.javascript.hardcoded-connection-credentials
mongoose.connect(process.env.MONGO_URL);
// ok: mergegate.javascript.hardcoded-connection-credentials
const example = 'postgres://user:${DB_PASSWORD}@localhost:5432/app';

// ruleid: mergegate.javascript.hardcoded-connection-credentials
const conn = mysql.createConnection({ host: 'db', user: 'app', password: 'hunter2!' });
// ok: mergegate.javascript.hardcoded-connection-credentials
const pool = new Pool({ host: 'db', user: 'app', password: process.env.PGPASSWORD });

module.exports = { example, conn, pool };
