const https = require('https');
const axios = require('axios');

// ruleid: mergegate.javascript.tls-verification-disabled
const insecureAgent = new https.Agent({ rejectUnauthorized: false });
// ok: mergegate.javascript.tls-verification-disabled
const agent = new https.Agent({ ca: process.env.INTERNAL_CA, keepAlive: true });

async function ping(url) {
  // ruleid: mergegate.javascript.tls-verification-disabled
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  // ok: mergegate.javascript.tls-verification-disabled
  return axios.get(url, { httpsAgent: agent, timeout: 5000 });
}

module.exports = { insecureAgent, ping };
