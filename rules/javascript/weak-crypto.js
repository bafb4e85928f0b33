const crypto = require('crypto');

function storeUser(db, username, password) {
  // ruleid: mergegate.javascript.weak-password-hash
  const hash = crypto.createHash('md5').update(password).digest('hex');
  // ruleid: mergegate.javascript.weak-password-hash
  const salted = crypto.createHash('sha256').update(username + user.password).digest('hex');
  // ok: mergegate.javascript.weak-password-hash
  const etag = crypto.createHash('sha256').update(username).digest('hex');
  const salt = crypto.randomBytes(16);
  // ok: mergegate.javascript.weak-password-hash
  const strong = crypto.scryptSync(password, salt, 64);
  return db.save(username, hash, salted, etag, strong);
}

function encrypt(key, iv, data) {
  // ruleid: mergegate.javascript.weak-cipher
  const des = crypto.createCipheriv('des-ede3-cbc', key, iv);
  // ruleid: mergegate.javascript.weak-cipher
  const ecb = crypto.createCipheriv('aes-256-ecb', key, null);
  // ruleid: mergegate.javascript.weak-cipher
  const legacy = crypto.createCipher('aes192', key);
  // ok: mergegate.javascript.weak-cipher
  const gcm = crypto.createCipheriv('aes-256-gcm', key, iv);
  return [des, ecb, legacy, gcm].map((c) => c.update(data));
}

module.exports = { storeUser, encrypt };
