"""Reading a log stream under a byte budget, as blocks of whole lines.

Decompressed bytes are counted against one `ByteBudget` shared by every file and archive
member of a report, so a gzip or zip bomb is read up to the limit and no further: the budget
records that more was there (`exhausted`), and the report says the log was truncated.

A line longer than `MAX_LINE_BYTES` is cut: its first `MAX_LINE_BYTES` bytes are the line
(failure grouping and samples see only that), and the rest comes as `Overflow` pieces, which
are still searched for credentials. Reading is done in large chunks and lines are handed on in
blocks, undecoded, so the per-line work (decoding too) is left to the lines the scanner decides
to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

CHUNK_BYTES = 1 << 20
MAX_LINE_BYTES = 4000


@dataclass(slots=True)
class ByteBudget:
    """Decompressed bytes that may still be read, over every file of one report."""

    limit: int
    used: int = 0
    exhausted: bool = False  # the limit was reached with more data still to read

    def read(self, fh: BinaryIO) -> bytes:
        """The next chunk of ``fh`` within the budget; b"" at its end or the budget's."""
        want = min(CHUNK_BYTES, self.limit - self.used)
        if want <= 0:
            if fh.read(1):
                self.exhausted = True
            return b""
        data = fh.read(want)
        self.used += len(data)
        return data


@dataclass(frozen=True, slots=True)
class Lines:
    """Whole lines (each at most `MAX_LINE_BYTES` bytes), joined by newlines, as read."""

    first: int  # the number of the first line
    data: bytes


@dataclass(frozen=True, slots=True)
class Overflow:
    """More of an overlong line, past its first `MAX_LINE_BYTES` bytes, as read."""

    line: int
    data: bytes


Segment = Lines | Overflow


def decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _all_short(data: bytes, max_line: int) -> bool:
    """Whether no line is longer than ``max_line``, without splitting the lines: a longer line
    holds a whole aligned piece of ``max_line // 2`` bytes, so a newline in each piece is
    enough (and else the lines are measured)."""
    piece = max(1, max_line // 2)
    if all(data.find(b"\n", at, at + piece) >= 0 for at in range(0, len(data) - piece + 1, piece)):
        return True
    return max(map(len, data.split(b"\n"))) <= max_line


def _cut(data: bytes, first: int, max_line: int) -> Iterator[Segment]:
    """Complete lines (no final newline), the overlong ones cut."""
    if _all_short(data, max_line):
        yield Lines(first, data)
        return
    parts = data.split(b"\n")
    start = 0
    for i, part in enumerate(parts):
        if len(part) > max_line:
            if start < i:
                yield Lines(first + start, b"\n".join(parts[start:i]))
            yield Lines(first + i, part[:max_line])
            for at in range(max_line, len(part), CHUNK_BYTES):
                yield Overflow(first + i, part[at : at + CHUNK_BYTES])
            start = i + 1
    if start < len(parts):
        yield Lines(first + start, b"\n".join(parts[start:]))


class LineReader:
    """Segments of one stream; `lines` is how many lines were read (a last partial one too)."""

    def __init__(self, fh: BinaryIO, budget: ByteBudget, max_line: int = MAX_LINE_BYTES) -> None:
        self.fh = fh
        self.budget = budget
        self.max_line = max_line
        self.lines = 0
        self.long_lines = 0

    def __iter__(self) -> Iterator[Segment]:
        counted = 0  # the last overlong line counted in `long_lines`
        for segment in self._segments():
            if isinstance(segment, Overflow) and segment.line != counted:
                counted = segment.line
                self.long_lines += 1
            yield segment

    def _segments(self) -> Iterator[Segment]:
        pending = b""  # the start of a line whose end is not read yet (at most max_line bytes)
        overlong = False  # inside a line whose first max_line bytes were already handed on
        while True:
            chunk = self.budget.read(self.fh)
            if not chunk:
                break
            if overlong:
                end = chunk.find(b"\n")
                yield Overflow(self.lines + 1, chunk if end < 0 else chunk[:end])
                if end < 0:
                    continue
                overlong = False
                self.lines += 1
                chunk = chunk[end + 1 :]
            data = pending + chunk if pending else chunk
            last = data.rfind(b"\n")
            if last >= 0:
                complete, pending = data[:last], data[last + 1 :]
                yield from _cut(complete, self.lines + 1, self.max_line)
                self.lines += complete.count(b"\n") + 1
            else:
                pending = data
            if len(pending) > self.max_line:
                yield Lines(self.lines + 1, pending[: self.max_line])
                yield Overflow(self.lines + 1, pending[self.max_line :])
                pending, overlong = b"", True
        if overlong:
            self.lines += 1
        elif pending:
            yield Lines(self.lines + 1, pending)
            self.lines += 1
