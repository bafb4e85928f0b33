"""Log lines as written (CI decorations removed) and as compared (variable parts replaced).

Two error lines are "near-identical" when they differ only in numbers, hex ids, UUIDs,
timestamps, IP addresses or file paths: their normalised forms are equal.
"""

from __future__ import annotations

import functools
import re
from typing import Any

_ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\n]*\x07)")
_CI_PREFIX = re.compile(
    r"^\ufeff?(?:\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\s?)"
)
_DIGIT = re.compile(r"\d")
# (pattern, replacement, what the line must hold for the pattern to match at all, if digits)
_RULES: tuple[tuple[re.Pattern[str], str, tuple[str, ...], bool], ...] = (
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"),
     "<ts>", (":",), True),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>", (":",), True),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
     "<uuid>", ("-",), False),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<hex>", ("0x",), True),
    (re.compile(r"(?:[A-Za-z]:)?(?:[\\/][\w.@+~-]+){2,}[\\/]?|(?:\.{1,2}|~)(?:[\\/][\w.@+~-]+)+"),
     "<path>", ("/", "\\"), False),
    (re.compile(r"\b(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{7,}\b"), "<hex>", (),
     True),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<ip>", (".",), True),
    (re.compile(r"\d+(?:\.\d+)*"), "<n>", (), True),
)


def clean(line: str) -> str:
    """The line as a reader sees it: no ANSI colours, no CI timestamp prefix, no newline."""
    line = line.rstrip("\r\n")
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    return _CI_PREFIX.sub("", line, count=1)


# The same on a block of lines as UTF-8 bytes (searched for before anything is decoded): the
# timestamp in ASCII digits, the space after it one of ASCII's (CI runners write both so).
_PREFIX_BYTES = (
    rb"(?:\xef\xbb\xbf)?(?:[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}"
    rb"(?:[.,][0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?[\t\x0b\x0c\r \x1c-\x1f]?)"
)
_FIRST_PREFIX = re.compile(rb"\A" + _PREFIX_BYTES)
_NEXT_PREFIXES = re.compile(rb"\n" + _PREFIX_BYTES)  # a literal first: searched for quickly
_ANSI_BYTES = re.compile(rb"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\n]*\x07)")
_LINE_ENDS = re.compile(rb"\r\r*(?=\n|\Z)")  # a literal first: searched for quickly


def strip_ansi(data: bytes) -> bytes:
    """UTF-8 text without ANSI colours (what `clean` does inside a line)."""
    return _ANSI_BYTES.sub(b"", data) if b"\x1b" in data else data


def clean_block(data: bytes) -> bytes:
    """`clean` on every line of a block of lines, as UTF-8 bytes, at once (newlines kept)."""
    if b"\r" in data:
        data = _LINE_ENDS.sub(b"", data)
    if b"\x1b" in data:
        data = _ANSI_BYTES.sub(b"", data)
    data = _FIRST_PREFIX.sub(b"", data, count=1)
    if _any_prefix().search(data) is None:  # RE2: one quick pass, where `re` tries every line
        return data
    return _NEXT_PREFIXES.sub(b"\n", data)


@functools.lru_cache(maxsize=1)
def _any_prefix() -> Any:
    import re2

    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    return re2.compile(_NEXT_PREFIXES.pattern, options)


def _replace_variable_parts(text: str) -> str:
    digits = _DIGIT.search(text) is not None
    for pattern, replacement, needs, needs_digits in _RULES:
        if needs_digits and not digits:
            continue
        if needs and not any(piece in text for piece in needs):
            continue
        text = pattern.sub(replacement, text)
        if needs_digits:
            digits = _DIGIT.search(text) is not None
    return text


def normalise(line: str) -> str:
    """The comparison form of a cleaned line."""
    return " ".join(_replace_variable_parts(line).split())


def normalise_many(lines: list[str]) -> list[str]:
    """`normalise` on each of many cleaned lines (no newlines in them), one pass per rule."""
    if not lines:
        return []
    text = _replace_variable_parts("\n".join(lines))
    return [" ".join(line.split()) for line in text.split("\n")]
