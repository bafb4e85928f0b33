"""Grouping error lines with their stack traces into events, one line at a time.

An event starts at an error line (or a Python ``Traceback`` header) and takes the lines that
continue it: indented frames, ``at ...``, ``Caused by: ...``, ``... N more``, and the final
exception line of a Python traceback. A blank or ordinary line ends it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

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


_SPACE = r"[\t\x0b\x0c\r \x1c-\x1f]"  # Python's \s in ASCII, less the newline


def _runs(line: str) -> Any:
    """RE2 search for runs of consecutive lines (UTF-8 bytes) that ``line`` matches, one match
    a run: a block of such lines costs one match, not one per line."""
    import re2

    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    return re2.compile(rf"(?m)^{line}(?:\n{line})*".encode("ascii"), options)


@functools.lru_cache(maxsize=1)
def _run_searches() -> tuple[Any, Any, Any]:
    needles = "err|fail|fatal|exception|panic|segmentation|traceback|critical"
    # lines `_QUICK` lets through, and a few more (a byte past ASCII may be part of a Unicode
    # space after pytest's `E`)
    quick = rf"(?:[^\n]*?(?i:{needles})|(?i:e)[\t\x0b\x0c\r \x1c-\x1f\x80-\xff])[^\n]*"
    # ERROR_LINE and NOT_AN_ERROR, the same on a line of ASCII; a run of error lines goes on
    # over the lines CONTINUATION_ASCII matches between two of them (a traceback is one match)
    error = (
        r"[^\n]*?(?i:\bERR!|\b(?:error|errors|failed|failure|fatal|exception|panic|"
        r"segmentation fault|traceback|critical|assertionerror)\b|##\[error\]|"
        rf"^E{_SPACE}{{2,}}|^FAIL\b|\bFAIL:|[a-z](?:Exception|Error)\b)[^\n]*"
    )
    continuation = rf"{CONTINUATION_ASCII.pattern.decode('ascii')}[^\n]*"
    not_error = (
        r"[^\n]*?(?i:\b(?:0|no) (?:errors?|failures?|failed)\b|"
        rf"\berrors?[=:]{_SPACE}*0\b|\bfailed[=:]{_SPACE}*0\b)[^\n]*"
    )
    import re2

    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    errors = re2.compile(rf"(?m)^{error}(?:(?:\n{continuation})*\n{error})*".encode("ascii"),
                         options)
    return _runs(quick), errors, _runs(not_error)


@dataclass(frozen=True, slots=True)
class ErrorRuns:
    """Where a block's error lines are, as (start, end) runs of consecutive lines."""

    maybe: list[tuple[int, int]]  # lines `is_error` can be true of (a few more)
    # lines of ASCII ERROR_LINE matches, and those CONTINUATION_ASCII matches between two of
    # them: in a run, a line the latter does not match is one ERROR_LINE matches
    error: list[tuple[int, int]]
    not_error: list[tuple[int, int]]  # lines NOT_AN_ERROR matches, if they are ASCII


def error_runs(data: bytes) -> ErrorRuns:
    """The error lines of a block (UTF-8, lines joined by newlines): on a line of ASCII that
    CONTINUATION_ASCII does not match, `is_error` is "in `error`, not in `not_error`" (on one it
    matches, it can be true only in `error`, or it starts or ends a run); on any other line,
    only in `maybe`."""
    quick, exact, negative = _run_searches()
    error = [m.span() for m in exact.finditer(data)]
    maybe = error if data.isascii() else [m.span() for m in quick.finditer(data)]
    return ErrorRuns(maybe, error, [m.span() for m in negative.finditer(data)])


# The same as `_CONTINUATION`, `_PY_HEADER` and `str.isspace` on a line of ASCII, as bytes.
CONTINUATION_ASCII = re.compile(
    rb"(?:[\t\x0b\x0c\r \x1c-\x1f]+[^\t\n\x0b\x0c\r \x1c-\x1f]|at[\t\x0b\x0c\r \x1c-\x1f]|Caused by:"
    rb"|\.\.\. [0-9]+ more|goroutine [0-9]+|created by |\[[0-9]+/[0-9]+\])"
)
PY_HEADER_ASCII = b"Traceback (most recent call last):"
SPACES_ASCII = b"\t\n\x0b\x0c\r \x1c\x1d\x1e\x1f"


def is_error(line: str, prefiltered: bool = False) -> bool:
    """Whether a line starts a failure; ``prefiltered``: `error_runs` found it already."""
    if not prefiltered and _QUICK.search(line.lower()) is None:
        return False
    if ERROR_LINE.search(line) is None:
        return False
    # NOT_AN_ERROR needs a "0" or a "no ": most lines have neither.
    return not (("0" in line or "no " in line.lower()) and NOT_AN_ERROR.search(line) is not None)


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

    def feed(self, number: int, text: str, maybe_error: bool | None = None,
             known: bool = False) -> Event | None:
        """Take one line; return the event this line finished, if any. ``maybe_error``:
        whether `error_runs` found the line (None: not known); ``known``: whether it found
        that the line is an error (`is_error`) or not, not only that it could be."""
        done: Event | None = None
        cur = self.current
        if cur is not None:
            blank = not text or text.isspace()
            if not blank and (
                _CONTINUATION.match(text) or (cur.pytest and text.startswith("E   "))
            ):
                cur.add(text)
                return None
            if cur.python and not cur.closed_by_exception and not blank:
                cur.add(text)  # the exception line that ends a Python traceback
                cur.closed_by_exception = True
                done, self.current = cur, None
                return done
            done, self.current = cur, None
        if text.startswith(_PY_HEADER):
            self.current = Event(number, [text], python=True)
        elif maybe_error if known else (
                maybe_error is not False and is_error(text, prefiltered=maybe_error is True)):
            self.current = Event(number, [text], pytest=text.startswith("E   "))
        return done

    def finish(self) -> Event | None:
        done, self.current = self.current, None
        return done
