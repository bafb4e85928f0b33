"""The signed-in person's session, kept in an encrypted cookie (AES-GCM).

The cookie holds the forge, the login, the forge's OAuth token, a CSRF token and an expiry,
encrypted and authenticated with a key derived from ``MERGEGATE_SESSION_KEY``: a cookie that
was altered, made with another key or has expired reads as no session. Nothing is kept on the
server, so a restart keeps people signed in.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SESSION_COOKIE = "mergegate_session"
STATE_COOKIE = "mergegate_oauth"  # the sign-in in progress: state, forge, where to go next
SESSION_SECONDS = 8 * 3600  # GitHub's user-to-server tokens last eight hours
STATE_SECONDS = 600
MIN_KEY_CHARS = 32
NONCE_BYTES = 12


@dataclass(frozen=True, slots=True)
class Session:
    forge: str  # github | gitlab
    login: str
    token: str
    csrf: str
    expires: float  # seconds since the epoch

    def describe(self) -> str:
        return f"{self.login} ({self.forge})"


@dataclass(frozen=True, slots=True)
class SignIn:
    """A sign-in on its way through the forge: the `state` sent, the forge, the page asked for."""

    state: str
    forge: str
    next: str
    expires: float


def new_token() -> str:
    """32 random bytes, URL-safe (``secrets.token_urlsafe``; the name `secrets` is shadowed
    where the test suite's own `secrets` package is importable)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


class SessionCodec:
    """Encrypts and decrypts cookie values with a key derived from the session key."""

    def __init__(self, session_key: str) -> None:
        if len(session_key) < MIN_KEY_CHARS:
            raise ValueError(f"MERGEGATE_SESSION_KEY must be at least {MIN_KEY_CHARS} "
                             "characters (e.g. the output of `openssl rand -base64 32`)")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"mergegate dashboard session").derive(session_key.encode())
        self._aead = AESGCM(key)

    def seal(self, purpose: str, value: dict[str, Any]) -> str:
        nonce = os.urandom(NONCE_BYTES)
        data = self._aead.encrypt(nonce, json.dumps(value).encode(), purpose.encode())
        return base64.urlsafe_b64encode(nonce + data).decode().rstrip("=")

    def open(self, purpose: str, sealed: str | None) -> dict[str, Any] | None:
        """The value, or None when the cookie is missing, altered or made for another purpose."""
        if not sealed:
            return None
        try:
            raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode())
            value = json.loads(plain)
        except (InvalidTag, ValueError, binascii.Error):
            return None
        return value if isinstance(value, dict) else None

    def seal_session(self, session: Session) -> str:
        return self.seal(SESSION_COOKIE, asdict(session))

    def open_session(self, sealed: str | None, now: float | None = None) -> Session | None:
        value = self.open(SESSION_COOKIE, sealed)
        if value is None:
            return None
        try:
            session = Session(**value)
        except TypeError:
            return None
        return session if session.expires > (now or time.time()) else None

    def seal_sign_in(self, sign_in: SignIn) -> str:
        return self.seal(STATE_COOKIE, asdict(sign_in))

    def open_sign_in(self, sealed: str | None, now: float | None = None) -> SignIn | None:
        value = self.open(STATE_COOKIE, sealed)
        if value is None:
            return None
        try:
            sign_in = SignIn(**value)
        except TypeError:
            return None
        return sign_in if sign_in.expires > (now or time.time()) else None
