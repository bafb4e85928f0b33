const axios = require('axios');

async function syncOrders(order) {
  // ruleid: mergegate.javascript.plaintext-http
  await fetch('http://partner-api.example.com/orders', { method: 'POST', body: JSON.stringify(order) });
  // ruleid: mergegate.javascript.plaintext-http
  const client = axios.create({ baseURL: 'http://inventory.acme.io/api' });
  // ok: mergegate.javascript.plaintext-http
  await fetch('https://partner-api.example.com/orders', { method: 'POST' });
  // ok: mergegate.javascript.plaintext-http
  await axios.get('http://localhost:3000/healthz');
  // ok: mergegate.javascript.plaintext-http
  await axios.get('http://127.0.0.1:9229/json');
  return client;
}

module.exports = { syncOrders };
