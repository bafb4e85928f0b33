"""Secret-shaped test values made at run time (none is written in the source), and a helper
that scans a text as a named file."""

from __future__ import annotations

import random
import string

from mergegate.scanners.secrets import detect_in_text, most_specific

BASE62 = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
_random = random.Random(13)


def token(prefix: str, length: int, alphabet: str = BASE62, suffix: str = "") -> str:
    """`prefix` + `length` random characters of `alphabet` (mixing classes) + `suffix`."""
    while True:
        body = "".join(_random.choice(alphabet) for _ in range(length))
        if alphabet != BASE62 or (any(c.islower() for c in body) and any(c.isupper() for c in body)
                                  and any(c.isdigit() for c in body)):
            return prefix + body + suffix


def found(filename: str, text: str) -> list[tuple[str, int]]:
    """(type, line) of each finding, as the scanner would report them."""
    return [(h.type, h.line) for h in most_specific(detect_in_text(filename, text).hits)]


def types(filename: str, text: str) -> set[str]:
    return {t for t, _ in found(filename, text)}
