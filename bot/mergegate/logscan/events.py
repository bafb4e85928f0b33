"""Grouping error lines with their stack traces into events, one line at a time.

An event starts at an error line (or a Python ``Traceback`` header) and takes the lines that
continue it: indented frames, ``at ...``, ``Caused by: ...``, ``... N more``, and the final
exception line of a Python traceback. A blank or ordinary line ends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_EVENT_LINES = 60

ERROR_LINE = re.compile(
    r"(?i)(?:\bERR!|\b(?:error|errors|failed|failure|fatal|exception|panic|"
    r"segmentation fault|traceback|critical|assertionerror)\b|##\[error\]|^E\s{2,}|"
    r"^FAIL\b|\bFAIL:)|[a-z](?:Exception|Error)\b"
)
NOT_AN_ERROR = re.compile(
    r"(?i)\b(?:0|no) (?:errors?|failures?|failed)\b|\berrors?[=:]\s*0\b|\bfailed[=:]\s*0\b"
)
_PY_HEADER = "Traceback (most recent call last):"
_CONTINUATION = re.compile(
    r"^(?:\s+\S|at\s|Caused by:|\.\.\. \d+ more|goroutine \d+|created by |\[\d+/\d+\])"
)


_QUICK = re.compile(r"err|fail|fatal|exception|panic|segmentation|traceback|critical|^e\s\s")


_NEEDLES = tuple(n.encode() for n in (
    "err", "fail", "fatal", "exception", "panic", "segmentation", "traceback", "critical",
))


# A line starting with "e" and a space (pytest's `E   ` lines); a byte past ASCII may be part of
# a Unicode space.
_E_LINE = re.compile(rb"\ne[\t\n\x0b\x0c\r \x1c-\x1f\x80-\xff]")


def error_starts(low: bytes) -> set[int]:
    """Offsets of the lines of a block (UTF-8, ASCII letters lower-cased) that `_QUICK` would
    let through (and a few more): the lines `is_error` can be true of."""
    starts: set[int] = set()
    for needle in _NEEDLES:
        at = low.find(needle)
        while at >= 0:
            starts.add(low.rfind(b"\n", 0, at) + 1)
            end = low.find(b"\n", at)
            if end < 0:
                break
            at = low.find(needle, end)
    starts.update(m.start() + 1 for m in _E_LINE.finditer(low))
    if _E_LINE.match(b"\n" + low[:2]):
        starts.add(0)
    return starts


def is_error(line: str, prefiltered: bool = False) -> bool:
    """Whether a line starts a failure; ``prefiltered``: `error_starts` found it already."""
    low = line.lower()
    if not prefiltered and _QUICK.search(low) is None:
        return False
    if ERROR_LINE.search(line) is None:
        return False
    # NOT_AN_ERROR needs a "0" or a "no ": most lines have neither.
    return not (("0" in low or "no " in low) and NOT_AN_ERROR.search(line) is not None)


@dataclass(slots=True)
class Event:
    line: int
    lines: list[str] = field(default_factory=list)
    python: bool = False
    pytest: bool = False  # pytest's `E   ` lines continue each other
    closed_by_exception: bool = False
    truncated: int = 0

    def add(self, text: str) -> None:
        if len(self.lines) < MAX_EVENT_LINES:
            self.lines.append(text)
        else:
            self.truncated += 1


class EventGrouper:
    """Feed cleaned lines with their numbers; collect finished events from `feed`'s result."""

    def __init__(self) -> None:
        self.current: Event | None = None

    def feed(self, number: int, text: str, maybe_error: bool | None = None) -> Event | None:
        """Take one line; return the event this line finished, if any. ``maybe_error``:
        whether `error_starts` found the line (None: not known)."""
        done: Event | None = None
        cur = self.current
        if cur is not None:
            if text.strip() and (
                _CONTINUATION.match(text) or (cur.pytest and text.startswith("E   "))
            ):
                cur.add(text)
                return None
            if cur.python and not cur.closed_by_exception and text.strip():
                cur.add(text)  # the exception line that ends a Python traceback
                cur.closed_by_exception = True
                done, self.current = cur, None
                return done
            done, self.current = cur, None
        if text.startswith(_PY_HEADER):
            self.current = Event(number, [text], python=True)
        elif maybe_error is not False and is_error(text, prefiltered=maybe_error is True):
            self.current = Event(number, [text], pytest=text.startswith("E   "))
        return done

    def finish(self) -> Event | None:
        done, self.current = self.current, None
        return done
