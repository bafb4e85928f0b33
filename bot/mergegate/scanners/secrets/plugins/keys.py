# ruff: noqa: S105 (a secret_type names a kind of secret)
"""Private keys (PEM, OpenSSH, PGP, PKCS#1/#8, PuTTY, age) and JSON Web Tokens.

A key block is one finding at its first line. Its value is the header with the start of the key
material, so two different keys in one file are two secrets, and a header followed by no key
material (documentation, a test of a parser) is none.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any

from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.util.code_snippet import CodeSnippet

from mergegate.core.findings import Severity

from .base import END, TokenDetector

_HEADER = re.compile(
    r"-----BEGIN[ A-Z0-9_]{0,100}PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-\d|"
    r"---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----"
)
_BODY = re.compile(r"[A-Za-z0-9+/=]{16,}")
_ARMOR_HEADER = re.compile(r"^\s*(?:[A-Za-z-]+:\s.*|)$")  # Proc-Type:, DEK-Info:, Version:, blank


class PrivateKeyDetector(TokenDetector):
    """Replaces detect-secrets' plugin of the same secret type (one hash for every key)."""

    secret_type = "Private Key"
    keywords = ("private key", "putty-user-key-file", "ssh2 encrypted")
    patterns = (_HEADER,)

    def analyze_line(self, filename: str, line: str, line_number: int = 0,
                     context: CodeSnippet | None = None, **kwargs: Any) -> set[PotentialSecret]:
        match = _HEADER.search(line)
        if match is None:
            return set()
        body = self._body(line[match.end():], context)
        if body is None:
            return set()
        return {PotentialSecret(type=self.secret_type, filename=filename,
                                secret=match.group(0) + body, line_number=line_number)}

    @staticmethod
    def _body(rest: str, context: CodeSnippet | None) -> str | None:
        """The first 64 characters of key material after the header; "" when none is in view
        (the following lines were not given), None when what follows is not a key."""
        parts = re.split(r"(?:\\r)?\\n|\\r", rest)
        following = parts[1:] if len(parts) > 1 else []
        if parts[0].strip():
            following = [parts[0], *following]
        if context is not None:
            following += context.lines[context.target_index + 1:]
        seen = False
        for text in following:
            text = text.strip().strip("\"',")
            if _ARMOR_HEADER.match(text):
                continue
            seen = True
            body = _BODY.match(text)
            if body is None or "-----END" in text[:8]:
                return None
            return body.group(0)[:64]
        return None if seen else ""

    def analyze_string(self, string: str, **_: Any) -> Generator[str, None, None]:
        for secret in self.analyze_line("", string):
            yield secret.secret_value or ""


class AgeSecretKeyDetector(TokenDetector):
    secret_type = "age Secret Key"
    keywords = ("age-secret-key-1",)
    patterns = (re.compile(r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),)

    def is_secret(self, value: str) -> bool:
        return True  # bech32: no placeholder spelling fits the alphabet


class JwtShapeDetector(TokenDetector):
    """Tokens shaped like a JWT (header and payload start with `ey`), and base64-encoded JWTs;
    detect-secrets' own JWT plugin reports only tokens whose parts decode."""

    secret_type = "JSON Web Token"
    severity = Severity.HIGH
    gates = (r"ey[a-zA-Z0-9]{17,}\.ey", r"\bZXlK")
    patterns = (
        re.compile(r"\b(?P<secret>ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9/\\_-]{17,}\."
                   r"(?:[a-zA-Z0-9/\\_-]{10,}={0,2})?)" + END),
        re.compile(
            r"\bZXlK(?:aGJHY2lPaU|aGNIVWlPaU|aGNIWWlPaU|aGRXUWlPaU|aU5qUWlP|amNtbDBJanBi|amRIa2lPaU|"
            r"bGNHc2lPbn|bGJtTWlPaU|cWEzVWlPaU|cWQyc2lPb|cGMzTWlPaU|cGRpSTZJ|cmFXUWlP|"
            r"clpYbGZiM0J6SWpwY|cmRIa2lPaUp|dWIyNWpaU0k2|d01tTWlP|d01uTWlPaU|d2NIUWlPaU|emRXSWlPaU|"
            r"emRuUWlP|MFlXY2lPaU|MGVYQWlPaUp|MWNtd2l|MWMyVWlPaUp|MlpYSWlPaU|MlpYSnphVzl1SWpv|"
            r"NElqb2|NE5XTWlP|NE5YUWlPaU|NE5YUWpVekkxTmlJNkl|NE5YVWlPaU|NmFYQWlPaU)"
            r"[a-zA-Z0-9/\\_+\-]{40,}={0,2}"),
    )
