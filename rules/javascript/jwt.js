const jwt = require('jsonwebtoken');

const PUBLIC_KEY = process.env.JWT_PUBLIC_KEY;

function authenticate(req, res, next) {
  const token = (req.headers.authorization || '').replace('Bearer ', '');
  // ruleid: mergegate.javascript.jwt-verification-disabled
  req.user = jwt.decode(token);
  next();
}

function authenticateStrict(req, res, next) {
  const token = (req.headers.authorization || '').replace('Bearer ', '');
  // ok: mergegate.javascript.jwt-verification-disabled
  req.user = jwt.verify(token, PUBLIC_KEY, { algorithms: ['RS256'] });
  next();
}

function legacy(token) {
  // ruleid: mergegate.javascript.jwt-verification-disabled
  return jwt.verify(token, PUBLIC_KEY, { algorithms: ['RS256', 'none'] });
}

function expiry(token) {
  // ok: mergegate.javascript.jwt-verification-disabled
  return jwt.decode(token).exp;
}

module.exports = { authenticate, authenticateStrict, legacy, expiry };
