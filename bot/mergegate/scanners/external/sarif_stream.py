"""Reading a large SARIF log without building it whole: each result is decoded on its own.

`json.loads` of a 50 MB log builds every result at once (several hundred MB of objects). Here
the top object and each run are walked key by key with the standard decoder's `raw_decode`;
a run's `results` array is only located on the first pass (the offsets of its elements) and
decoded one result at a time afterwards, when the run's rules and base URIs are known (a
run may list its results before its tool). Errors are `json.JSONDecodeError`s with the
position in the whole text, as `json.loads` reports them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


@dataclass
class LazyRun:
    """A run's members except `results`, and where each of its results starts."""

    meta: dict[str, Any] = field(default_factory=dict)
    not_object: bool = False  # the run is some other JSON value
    offsets: list[int] | None = None  # None: `results` absent or not an array
    results_value: Any = None  # `results` when it is not an array (for the error message)


@dataclass
class LazyLog:
    meta: dict[str, Any] = field(default_factory=dict)
    runs: list[LazyRun] | None = None  # None: `runs` absent or not an array
    runs_value: Any = None


class _Text:
    def __init__(self, text: str) -> None:
        self.text = text

    def ws(self, i: int) -> int:
        m = _WS.match(self.text, i)
        return m.end() if m else i

    def expect(self, i: int, ch: str) -> int:
        i = self.ws(i)
        if self.text[i:i + 1] != ch:
            raise json.JSONDecodeError(f"Expecting '{ch}'", self.text, i)
        return i + 1

    def value(self, i: int) -> tuple[Any, int]:
        obj, end = _DECODER.raw_decode(self.text, self.ws(i))
        return obj, end

    def members(self, i: int, on_member: Callable[[str, int], int]) -> int:
        """Walk the object at `i`; `on_member(key, start)` returns the end of the value."""
        i = self.ws(self.expect(i, "{"))
        if self.text[i:i + 1] == "}":
            return i + 1
        while True:
            i = self.ws(i)
            if self.text[i:i + 1] != '"':
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes",
                                           self.text, i)
            key, i = self.value(i)
            i = self.expect(i, ":")
            i = self.ws(on_member(key, self.ws(i)))
            c = self.text[i:i + 1]
            if c == "}":
                return i + 1
            if c != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", self.text, i)
            i += 1

    def elements(self, i: int, on_element: Callable[[int], int]) -> int:
        """Walk the array at `i`; `on_element(start)` returns the end of the element."""
        i = self.ws(self.expect(i, "["))
        if self.text[i:i + 1] == "]":
            return i + 1
        while True:
            i = self.ws(on_element(self.ws(i)))
            c = self.text[i:i + 1]
            if c == "]":
                return i + 1
            if c != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", self.text, i)
            i += 1


def scan_log(text: str) -> LazyLog:
    """The log's outline: raises json.JSONDecodeError for text that is not one JSON value."""
    t = _Text(text)
    log = LazyLog()
    start = t.ws(0)
    if text[start:start + 1] != "{":
        value, end = t.value(start)  # valid JSON but not an object: no runs
        log.runs_value = value
        _at_end(t, end)
        return log

    def on_run(i: int) -> int:
        run = LazyRun()
        assert log.runs is not None
        log.runs.append(run)
        if t.text[i:i + 1] != "{":
            run.not_object = True  # the reader says so
            return t.value(i)[1]

        def member(key: str, j: int) -> int:
            if key == "results" and t.text[j:j + 1] == "[":
                offsets: list[int] = []
                run.offsets = offsets

                def element(k: int) -> int:
                    offsets.append(k)
                    return t.value(k)[1]

                return t.elements(j, element)
            value, end = t.value(j)
            if key == "results":
                run.results_value = value
            else:
                run.meta[key] = value
            return end

        return t.members(i, member)

    def top(key: str, i: int) -> int:
        if key == "runs" and t.text[i:i + 1] == "[":
            log.runs = []
            return t.elements(i, on_run)
        value, end = t.value(i)
        if key == "runs":
            log.runs_value = value
        else:
            log.meta[key] = value
        return end

    _at_end(t, t.members(start, top))
    return log


def _at_end(t: _Text, end: int) -> None:
    end = t.ws(end)
    if end != len(t.text):
        raise json.JSONDecodeError("Extra data", t.text, end)


def results(text: str, run: LazyRun) -> Iterator[Any]:
    """Each result of a run, decoded one at a time."""
    t = _Text(text)
    for offset in run.offsets or ():
        yield t.value(offset)[0]
