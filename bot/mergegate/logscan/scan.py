"""Scanning log files: streamed, with bounded memory, into a `LogReport`.

Each file is read line by line (gzip too); only counters, the first occurrence of each
distinct failure and the credentials found are kept, so memory does not grow with the log.
"""

from __future__ import annotations

import gzip
import hashlib
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from mergegate.logscan.credentials import ENTROPY_TYPES, Credential, detect, is_candidate, redact
from mergegate.logscan.events import Event, EventGrouper
from mergegate.logscan.normalise import clean, normalise

BATCH = 500
MAX_CLUSTERS = 2000
MAX_LINE_CHARS = 4000
SAMPLE_CHARS = 300
SAMPLE_LINES = 20
MAX_MEMBER_BYTES = 4 * 1024**3


@dataclass(slots=True)
class Cluster:
    """Identical or near-identical failures: how many, where the first was, what it said."""

    key: str
    count: int
    path: str
    line: int
    sample: list[str]  # redacted, cut to SAMPLE_CHARS per line
    python: bool = False

    @property
    def headline(self) -> str:
        """The line that names the failure (a Python traceback's is its last line)."""
        if self.python and len(self.sample) > 1:
            return self.sample[-1]
        return self.sample[0] if self.sample else ""


@dataclass(slots=True)
class FileError:
    path: str
    message: str


@dataclass(slots=True)
class LogReport:
    files: list[str] = field(default_factory=list)
    lines: int = 0
    credentials: list[Credential] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    events: int = 0
    unclustered: int = 0  # failures past MAX_CLUSTERS distinct ones, counted only

    def sorted_clusters(self) -> list[Cluster]:
        return sorted(self.clusters, key=lambda c: (-c.count, c.path, c.line))


class _Accumulator:
    def __init__(self, report: LogReport) -> None:
        self.report = report
        self.clusters: dict[str, Cluster] = {}
        self.credentials: dict[tuple[str, str], Credential] = {}

    def add_event(self, path: str, event: Event) -> None:
        self.report.events += 1
        signature = "\n".join(normalise(text) for text in event.lines)
        key = hashlib.sha1(signature.encode("utf-8", "replace"), usedforsecurity=False).hexdigest()
        found = self.clusters.get(key)
        if found is not None:
            found.count += 1
            return
        if len(self.clusters) >= MAX_CLUSTERS:
            self.report.unclustered += 1
            return
        shown = event.lines[:SAMPLE_LINES]
        sample = [text[:SAMPLE_CHARS] for text in redact(shown, path)]
        self.clusters[key] = Cluster(key, 1, path, event.line, sample, event.python)

    def add_hits(self, path: str, batch: list[tuple[int, str]]) -> None:
        for hit in detect(path, batch):
            if hit.type in ENTROPY_TYPES:
                continue
            ident = (hit.type, hit.secret_hash)
            seen = self.credentials.get(ident)
            if seen is None:
                self.credentials[ident] = Credential(path, hit.line, hit.type, hit.secret_hash)
            else:
                self.credentials[ident] = Credential(
                    seen.path, seen.line, seen.type, seen.secret_hash, seen.count + 1
                )

    def finish(self) -> LogReport:
        self.report.clusters = list(self.clusters.values())
        self.report.credentials = sorted(
            self.credentials.values(), key=lambda c: (c.path, c.line, c.type)
        )
        return self.report


def _open(path: Path) -> BinaryIO:
    fh: BinaryIO = open(path, "rb")  # noqa: SIM115 - returned to the caller's `with`
    magic = fh.peek(2)[:2] if hasattr(fh, "peek") else b""
    if magic == b"\x1f\x8b":
        fh.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return fh


def _lines(fh: BinaryIO) -> Iterator[str]:
    """Lines cut to MAX_LINE_CHARS bytes; the rest of an overlong line is skipped unread."""
    while True:
        raw = fh.readline(MAX_LINE_CHARS)
        if not raw:
            return
        if len(raw) == MAX_LINE_CHARS and not raw.endswith(b"\n"):
            while True:
                rest = fh.readline(1 << 16)
                if not rest or rest.endswith(b"\n"):
                    break
        yield raw.decode("utf-8", "replace")


def _scan_stream(fh: BinaryIO, shown: str, acc: _Accumulator) -> None:
    grouper = EventGrouper()
    batch: list[tuple[int, str]] = []
    number = 0
    for number, raw in enumerate(_lines(fh), start=1):
        text = clean(raw)
        if is_candidate(text):
            batch.append((number, text))
            if len(batch) >= BATCH:
                acc.add_hits(shown, batch)
                batch = []
        event = grouper.feed(number, text)
        if event is not None:
            acc.add_event(shown, event)
    last = grouper.finish()
    if last is not None:
        acc.add_event(shown, last)
    acc.add_hits(shown, batch)
    acc.report.lines += number


def _scan_zip(path: Path, shown: str, acc: _Accumulator) -> None:
    """Every member of a zip archive (GitHub's workflow-run logs come as one), as `zip!member`."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = f"{shown}!{info.filename}"
            acc.report.files.append(name)
            if info.file_size > MAX_MEMBER_BYTES:
                acc.report.errors.append(
                    FileError(name, f"{info.file_size} bytes uncompressed, over the "
                              f"{MAX_MEMBER_BYTES}-byte limit: not read")
                )
                continue
            with archive.open(info) as fh:
                _scan_stream(fh, name, acc)  # type: ignore[arg-type]


def _scan_path(path: Path, shown: str, acc: _Accumulator) -> None:
    if zipfile.is_zipfile(path):
        _scan_zip(path, shown, acc)
        return
    acc.report.files.append(shown)
    with _open(path) as fh:
        _scan_stream(fh, shown, acc)


def scan_streams(streams: Iterable[tuple[str, BinaryIO]]) -> LogReport:
    """Scan already-open binary streams (a forge's downloaded logs), each named for the report."""
    acc = _Accumulator(LogReport())
    for name, fh in streams:
        acc.report.files.append(name)
        _scan_stream(fh, name, acc)
    return acc.finish()


def scan_logs(paths: Iterable[str]) -> LogReport:
    """Scan log files (plain, gzip or zip) in order; unreadable ones become `FileError`s."""
    acc = _Accumulator(LogReport())
    for shown in paths:
        try:
            _scan_path(Path(shown), shown, acc)
        except FileNotFoundError:
            acc.report.errors.append(FileError(shown, "no such file"))
        except IsADirectoryError:
            acc.report.errors.append(FileError(shown, "is a directory"))
        except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            acc.report.errors.append(FileError(shown, f"cannot read: {reason}"))
    return acc.finish()
