import hashlib
import os

from Crypto.Cipher import AES, DES
from Crypto.Hash import MD5
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def store_user(db, username, password):
    # ruleid: mergegate.python.weak-password-hash, mergegate.python.weak-hash
    digest = hashlib.md5(password.encode()).hexdigest()
    # ruleid: mergegate.python.weak-password-hash
    salted = hashlib.sha256((username + password).encode("utf-8")).hexdigest()
    # ruleid: mergegate.python.weak-hash
    h = hashlib.sha1()
    # ruleid: mergegate.python.weak-password-hash
    h.update(password.encode())
    salt = os.urandom(16)
    # ok: mergegate.python.weak-password-hash
    strong = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    # ok: mergegate.python.weak-password-hash
    etag = hashlib.sha256(username.encode()).hexdigest()
    db.save(username, digest, salted, h.hexdigest(), strong, etag)


def encrypt(key, data):
    # ruleid: mergegate.python.weak-cipher
    legacy = DES.new(key[:8], DES.MODE_CBC)
    # ruleid: mergegate.python.weak-cipher
    ecb = AES.new(key, AES.MODE_ECB)
    # ruleid: mergegate.python.weak-cipher
    cipher = Cipher(algorithms.AES(key), modes.ECB())
    # ok: mergegate.python.weak-cipher
    gcm = AES.new(key, AES.MODE_GCM)
    # ok: mergegate.python.weak-cipher
    sealed = AESGCM(key).encrypt(os.urandom(12), data, None)
    return legacy, ecb, cipher, gcm, sealed


def fingerprints(data: bytes, password: str):
    # ruleid: mergegate.python.weak-hash
    a = hashlib.md5(data).hexdigest()
    # ruleid: mergegate.python.weak-hash
    b = hashlib.new("sha1", data).hexdigest()
    # ok: mergegate.python.weak-hash
    c = hashlib.md5(data, usedforsecurity=False).hexdigest()
    # ok: mergegate.python.weak-hash
    d = hashlib.sha256(data).hexdigest()
    # ruleid: mergegate.python.weak-hash
    e = hashes.Hash(hashes.SHA1())
    # ruleid: mergegate.python.weak-hash
    f = MD5.new(data)
    return a, b, c, d, e, f
