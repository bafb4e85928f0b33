const crypto = require('crypto');

function generateResetToken() {
  // ruleid: mergegate.javascript.insecure-randomness
  return Math.random().toString(36).slice(2);
}

function createSession(userId) {
  // ruleid: mergegate.javascript.insecure-randomness
  const sessionId = Math.floor(Math.random() * 1e16).toString(16);
  // ok: mergegate.javascript.insecure-randomness
  const csrfToken = crypto.randomBytes(32).toString('hex');
  return { userId, sessionId, csrfToken };
}

function jitter(ms) {
  // ok: mergegate.javascript.insecure-randomness
  const delay = ms + Math.random() * 100;
  return delay;
}

module.exports = { generateResetToken, createSession, jitter };
