"""Scanning log files: streamed, with bounded memory and time, into a `LogReport`.

Each file is read in chunks (gzip and zip members too) under one byte budget for the whole
report: past `max_bytes` decompressed bytes nothing more is read and the report says where it
stopped (`Truncation`). Only counters, the first occurrence of each distinct failure and the
credentials found are kept, so memory does not grow with the log. Lines are handed on in
blocks, undecoded; RE2 searches of the block (`candidate_line_starts` for credentials,
`error_runs` for failures) pick the lines that could hold a credential or a failure, and only
those (and the lines continuing an open failure) are decoded and get per-line work.

Every other cost is bounded too, and each bound that is reached is said in the report: the
detectors run on at most `MAX_DETECTOR_LINES` lines and stop at `MAX_CREDENTIALS` distinct
credentials (`detection_stopped`); past `MAX_CLUSTERS` distinct failures, failures are counted
without being told apart (`unclustered`).
"""

from __future__ import annotations

import gzip
import hashlib
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from mergegate.config import Settings
from mergegate.logscan.credentials import (
    ENTROPY_TYPES,
    GROUP_GAP,
    Credential,
    detect,
    redact_groups,
)
from mergegate.logscan.events import (
    CONTINUATION_ASCII,
    MAX_EVENT_LINES,
    PY_HEADER_ASCII,
    SPACES_ASCII,
    ErrorRuns,
    Event,
    EventGrouper,
    error_runs,
    is_error,
)
from mergegate.logscan.normalise import clean_block, normalise_many, strip_ansi
from mergegate.logscan.reader import (
    MAX_LINE_BYTES,
    ByteBudget,
    LineReader,
    Lines,
    Overflow,
    decode,
)
from mergegate.logscan.report import Cluster, FileError, LogReport, Truncation
from mergegate.scanners.secrets.prefilter import (
    candidate_line_starts,
    candidate_windows,
    needs_checking,
)

BATCH = 250
MAX_CLUSTERS = 2000
MAX_CREDENTIALS = 500  # distinct ones; past this the detectors stop
MAX_DETECTOR_LINES = 50_000  # lines given to the detectors (~0.1 ms each); past this they stop
SEEN_LINES = 10_000  # candidate lines whose detector results are remembered...
SEEN_CHARS = 512  # ...when no longer than this
OVERLAP = 256  # of an overlong line's pieces, so a credential cut in two is still whole
SAMPLE_CHARS = 300
SAMPLE_LINES = 20
SAMPLE_CONTEXT = 1024  # kept past SAMPLE_CHARS until redacted, so a value cut there is seen
REDACT_BATCH = 500  # sample lines redacted in one detector run
EVENT_BATCH = 2000  # event lines normalised together


class _Accumulator:
    def __init__(self, report: LogReport, budget: ByteBudget) -> None:
        self.report = report
        self.budget = budget
        self.clusters: dict[str, Cluster] = {}
        self.credentials: dict[tuple[str, str], Credential] = {}
        self.detector_lines = 0
        self.seen: dict[str, list[tuple[str, str]]] = {}  # line -> its (type, hash) hits
        self.unredacted: list[Cluster] = []  # new clusters whose samples are not redacted yet
        self.unredacted_lines = 0
        # events not yet normalised and counted, each with how many times it came in a row
        self.pending: list[tuple[str, Event, int]] = []
        self.pending_lines = 0

    @property
    def detecting(self) -> bool:
        return self.report.detection_stopped is None

    @property
    def counting_only(self) -> bool:
        """Whether failures are only counted now (no cluster is left for a new one)."""
        if len(self.clusters) < MAX_CLUSTERS:
            return False
        if self.pending:
            self.cluster_events()  # counted: the clusters are full
        return True

    def count_unclustered(self, events: int) -> None:
        self.report.events += events
        self.report.unclustered += events

    def add_event(self, path: str, event: Event, times: int = 1) -> None:
        if self.counting_only:
            self.count_unclustered(times)
            return
        self.pending.append((path, event, times))
        self.pending_lines += len(event.lines)
        if self.pending_lines >= EVENT_BATCH:
            self.cluster_events()

    def cluster_events(self) -> None:
        """Count the pending events into clusters, in order (their lines normalised at once)."""
        pending, self.pending, self.pending_lines = self.pending, [], 0
        if len(self.clusters) >= MAX_CLUSTERS:  # full: counted, no longer told apart
            self.count_unclustered(sum(times for _, _, times in pending))
            return
        normalised = iter(normalise_many([text for _, event, _ in pending
                                          for text in event.lines]))
        for path, event, times in pending:
            self.report.events += times
            signature = "\n".join(next(normalised) for _ in event.lines)
            key = hashlib.sha1(signature.encode("utf-8", "replace"),
                               usedforsecurity=False).hexdigest()
            found = self.clusters.get(key)
            if found is not None:
                found.count += times
                continue
            if len(self.clusters) >= MAX_CLUSTERS:
                self.report.unclustered += times
                continue
            sample = [text[: SAMPLE_CHARS + SAMPLE_CONTEXT] for text in event.lines[:SAMPLE_LINES]]
            cluster = Cluster(key, times, path, event.line, sample, event.python)
            self.clusters[key] = cluster
            self.unredacted.append(cluster)
            self.unredacted_lines += len(sample)
            if self.unredacted_lines >= REDACT_BATCH:
                self.redact_samples()

    def redact_samples(self) -> None:
        """Redact the samples of new clusters together (a detector run has a fixed cost)."""
        by_path: dict[str, list[Cluster]] = {}
        for cluster in self.unredacted:
            by_path.setdefault(cluster.path, []).append(cluster)
        for path, clusters in by_path.items():
            redacted = redact_groups([c.sample for c in clusters], path)
            for cluster, lines in zip(clusters, redacted, strict=True):
                cluster.sample = [text[:SAMPLE_CHARS] for text in lines]
        self.unredacted, self.unredacted_lines = [], 0

    def check(self, path: str, batch: list[tuple[int, str]], number: int, text: str) -> None:
        """Queue a candidate line for the detectors (or count what it held before)."""
        known = self.seen.get(text)
        if known is not None:
            for kind, secret_hash in known:
                self._count(path, number, kind, secret_hash)
            return
        batch.append((number, text))
        if len(batch) >= BATCH:
            self.add_hits(path, batch)
            batch.clear()

    def add_hits(self, path: str, batch: list[tuple[int, str]]) -> None:
        """Run the detectors on candidate lines and count what they find."""
        if not batch or not self.detecting:
            return
        self.detector_lines += len(batch)
        found: dict[int, list[tuple[str, str]]] = {number: [] for number, _ in batch}
        for hit in detect(path, batch):
            if hit.type in ENTROPY_TYPES:
                continue
            found.setdefault(hit.line, []).append((hit.type, hit.secret_hash))
            self._count(path, hit.line, hit.type, hit.secret_hash)
        if len(self.seen) + len(batch) > SEEN_LINES:
            self.seen.clear()
        for number, text in batch:
            if len(text) <= SEEN_CHARS:
                self.seen[text] = found.get(number, [])
        self._check_limits()

    def add_window_hits(self, path: str, line: int, windows: list[tuple[int, bytes]],
                        searched: int) -> None:
        """Run the detectors on windows of an overlong line's bytes (each with its offset)
        and count what they find, but for values that end before ``searched`` (the bytes
        given to the detectors with the piece before, where they were counted)."""
        if not windows or not self.detecting:
            return
        self.detector_lines += len(windows)
        numbered = [(1 + k * GROUP_GAP, decode(data)) for k, (_, data) in enumerate(windows)]
        for hit in detect(path, numbered):
            if hit.type in ENTROPY_TYPES:
                continue
            start, data = windows[(hit.line - 1) // GROUP_GAP]
            value = hit.value.encode()
            at = data.find(value) if value else -1
            if at >= 0 and start + at + len(value) <= searched:
                continue
            self._count(path, line, hit.type, hit.secret_hash)
        self._check_limits()

    def _check_limits(self) -> None:
        if len(self.credentials) >= MAX_CREDENTIALS:
            self.report.detection_stopped = (
                f"credential detection stopped after {MAX_CREDENTIALS:,} distinct credentials"
            )
        elif self.detector_lines >= MAX_DETECTOR_LINES:
            self.report.detection_stopped = (
                f"credential detection stopped after {MAX_DETECTOR_LINES:,} lines that could "
                "hold one"
            )

    def _count(self, path: str, line: int, kind: str, secret_hash: str) -> None:
        ident = (kind, secret_hash)
        seen = self.credentials.get(ident)
        if seen is None:
            self.credentials[ident] = Credential(path, line, kind, secret_hash)
        else:
            self.credentials[ident] = Credential(
                seen.path, seen.line, seen.type, seen.secret_hash, seen.count + 1
            )

    def finish(self) -> LogReport:
        self.cluster_events()
        self.redact_samples()
        self.report.clusters = list(self.clusters.values())
        self.report.credentials = sorted(
            self.credentials.values(), key=lambda c: (c.path, c.line, c.type)
        )
        self.report.bytes_read = self.budget.used
        return self.report


# A newline before a line that could continue an event (a superset of CONTINUATION_ASCII and
# pytest's `E   `) or start a Python traceback; a literal first, so searched for quickly.
_SPECIAL_LINE = re.compile(
    rb"\n(?:[\t\x0b\x0c\r \x1c-\x1f]|at[\t\x0b\x0c\r \x1c-\x1f]|Caused by:|\.\.\. |goroutine |created by "
    rb"|\[[0-9]|E   |Traceback \(most recent call last\):)"
)


# Lines of ASCII that CONTINUATION_ASCII matches (and pytest's `E   ` lines, for a pytest
# event), one after another, each after its newline: an open event takes them all.
_ASCII_REST = rb"[\x00-\x09\x0b-\x7f]*"
_CONTINUES = (rb"[\t\x0b\x0c\r \x1c-\x1f]+[\x00-\x08\x0e-\x1b!-\x7f]|at[\t\x0b\x0c\r \x1c-\x1f]"
              rb"|Caused by:|\.\.\. [0-9]+ more|goroutine [0-9]+|created by |\[[0-9]+/[0-9]+\]")
_CONTINUATION_RUN = re.compile(rb"(?:\n(?:" + _CONTINUES + rb")" + _ASCII_REST + rb")*")
_PYTEST_RUN = re.compile(rb"(?:\n(?:" + _CONTINUES + rb"|E   )" + _ASCII_REST + rb")*")


def _continuations(data: bytes, end: int, pytest: bool) -> int:
    """Where the lines after the newline at ``end`` that an open event takes end."""
    return (_PYTEST_RUN if pytest else _CONTINUATION_RUN).match(data, end).end()  # type: ignore[union-attr]


def _repeats(data: bytes, end: int, line: bytes) -> int:
    """How many times ``line`` comes again, whole, right after the newline at ``end``."""
    unit = b"\n" + line
    if not data.startswith(unit, end):
        return 0
    count, step = 1, 1  # the repeats known, and the next number of them to try at once
    while True:
        if data.startswith(unit * step, end + count * len(unit)):
            count += step
            step *= 2
        elif step > 1:
            step //= 2
        else:
            break
    after = end + count * len(unit)
    if after < len(data) and data[after] != 10:  # the last one is only the start of a line
        count -= 1
    return count


class _StreamScan:
    """One stream's lines through the failure grouper and the credential prefilter."""

    def __init__(self, shown: str, acc: _Accumulator) -> None:
        self.shown = shown
        self.acc = acc
        self.grouper = EventGrouper()
        self.batch: list[tuple[int, str]] = []
        self.tail = b""  # the end of the last line read, for an overlong line's next piece

    def lines(self, data: bytes, first: int) -> None:
        """A block of whole lines as read: only the lines that could hold a credential or
        a failure (or continue one) are decoded and looked at one by one."""
        data = clean_block(data)
        if self.acc.detecting:
            self._credentials(data, first)
        self._failures(data, first)
        last = data.rfind(b"\n") + 1
        self.tail = data[last:][-OVERLAP:]

    def _credentials(self, data: bytes, first: int) -> None:
        acc, shown, batch = self.acc, self.shown, self.batch
        number, counted = first, 0
        for start in candidate_line_starts(data):
            number += data.count(b"\n", counted, start)
            counted = start
            end = data.find(b"\n", start)
            line = decode(data[start:] if end < 0 else data[start:end])
            if needs_checking(line):
                acc.check(shown, batch, number, line)
                if not acc.detecting:
                    return

    def _failures(self, data: bytes, first: int) -> None:
        found = error_runs(data)
        if self.acc.counting_only:
            self._count_failures(data, first, found)
            return
        maybe, error, not_error = found.maybe, found.error, found.not_error
        grouper, acc, shown = self.grouper, self.acc, self.shown
        pos, number, size = 0, first, len(data)
        m = e = n = 0  # the first run of each kind not ending before `pos`
        while pos <= size:
            while m < len(maybe) and maybe[m][1] < pos:
                m += 1
            if grouper.current is None:  # nothing open: jump to the next interesting line
                if m == len(maybe):
                    break
                if maybe[m][0] > pos:
                    number += data.count(b"\n", pos, maybe[m][0])
                    pos = maybe[m][0]
            end = data.find(b"\n", pos)
            if end < 0:
                end = size
            raw = data[pos:end]
            if raw.isascii():  # the runs say exactly
                while e < len(error) and error[e][1] < pos:
                    e += 1
                while n < len(not_error) and not_error[n][1] < pos:
                    n += 1
                erroneous = (e < len(error) and error[e][0] <= pos
                             and not (n < len(not_error) and not_error[n][0] <= pos))
                text = raw.decode("ascii")
                known = not (erroneous and CONTINUATION_ASCII.match(raw))  # else: ask is_error
                event = grouper.feed(number, text, erroneous, known=known)
                if event is not None:
                    acc.add_event(shown, event)
                    event = None
                cur = grouper.current
                if (erroneous and cur is not None and cur.line == number and not cur.python
                        and not raw.startswith(b"E   ") and not CONTINUATION_ASCII.match(raw)):
                    again = _repeats(data, end, raw)
                    if again:  # each ends the event open and starts the same one
                        acc.add_event(shown, cur, again)
                        end += again * (len(raw) + 1)
                        number += again
                        grouper.current = Event(number, [text])
                cur = grouper.current
                if cur is not None:  # the lines it takes, in one step
                    stop = _continuations(data, end, cur.pytest)
                    if stop > end:
                        taken = data[end + 1 : stop].split(b"\n")
                        room = max(0, MAX_EVENT_LINES - len(cur.lines))
                        for line in taken[:room]:
                            cur.add(line.decode("ascii"))
                        cur.truncated += max(0, len(taken) - room)
                        end, number = stop, number + len(taken)
            else:
                event = grouper.feed(number, decode(raw), m < len(maybe) and maybe[m][0] <= pos)
            if event is not None:
                acc.add_event(shown, event)
            pos, number = end + 1, number + 1

    def _count_failures(self, data: bytes, first: int, found: ErrorRuns) -> None:
        """`_failures` once failures are only counted: the grouper's steps on the bytes of
        each line of ASCII looked at, without keeping its lines (no event is kept)."""
        maybe, error, not_error = found.maybe, found.error, found.not_error
        grouper = self.grouper
        cur = grouper.current
        is_open, python, pytest, closed = (
            (False, False, False, False) if cur is None
            else (True, cur.python, cur.pytest, cur.closed_by_exception))
        finished = 0
        pos, number, size = 0, first, len(data)
        m = e = n = 0
        while pos <= size:
            while m < len(maybe) and maybe[m][1] < pos:
                m += 1
            if not is_open:
                if m == len(maybe):
                    break
                if maybe[m][0] > pos:
                    number += data.count(b"\n", pos, maybe[m][0])
                    pos = maybe[m][0]
            end = data.find(b"\n", pos)
            if end < 0:
                end = size
            raw = data[pos:end]
            if not raw.isascii():  # the grouper itself, on the decoded line
                grouper.current = (Event(number, python=python, pytest=pytest,
                                         closed_by_exception=closed) if is_open else None)
                if grouper.feed(number, decode(raw), m < len(maybe) and maybe[m][0] <= pos):
                    finished += 1
                cur = grouper.current
                is_open, python, pytest, closed = (
                    (False, False, False, False) if cur is None
                    else (True, cur.python, cur.pytest, cur.closed_by_exception))
                pos, number = end + 1, number + 1
                continue
            if is_open:
                blank = not raw.strip(SPACES_ASCII)
                if not blank and (CONTINUATION_ASCII.match(raw)
                                  or (pytest and raw.startswith(b"E   "))):
                    pos, number = end + 1, number + 1
                    continue
                finished += 1
                is_open = False
                if python and not closed and not blank:  # the line that ends a traceback
                    pos, number = end + 1, number + 1
                    continue
            if raw.startswith(PY_HEADER_ASCII):
                is_open, python, pytest, closed = True, True, False, False
            else:
                while e < len(error) and error[e][1] < pos:
                    e += 1
                while n < len(not_error) and not_error[n][1] < pos:
                    n += 1
                if (e < len(error) and error[e][0] <= pos
                        and not (n < len(not_error) and not_error[n][0] <= pos)
                        and (not CONTINUATION_ASCII.match(raw)
                             or is_error(raw.decode("ascii"), prefiltered=True))):
                    is_open, python, pytest, closed = True, False, raw.startswith(b"E   "), False
                    # The next lines of the run, up to one that could continue an event or
                    # start a traceback: each ends the event open and starts one, like this.
                    stop = error[e][1]
                    if n < len(not_error) and not_error[n][0] < stop:
                        stop = not_error[n][0] - 1
                    special = _SPECIAL_LINE.search(data, end, stop)
                    if special is not None:
                        stop = special.start()
                    if stop > end and data[end:stop].isascii():
                        started = data.count(b"\n", end, stop)
                        finished += started
                        pytest = False
                        end, number = stop, number + started
            if is_open:  # the lines the open event takes, in one step
                stop = _continuations(data, end, pytest)
                if stop > end:
                    number += data.count(b"\n", end, stop)
                    end = stop
            pos, number = end + 1, number + 1
        grouper.current = (Event(number, python=python, pytest=pytest, closed_by_exception=closed)
                           if is_open else None)
        self.acc.count_unclustered(finished)

    def overflow(self, line: int, data: bytes) -> None:
        """More of an overlong line: searched for credentials only, piece by piece."""
        if not self.acc.detecting:
            return
        data = strip_ansi(self.tail + data)  # mid-line: no CI prefix to take off
        searched = len(self.tail)  # the end of the piece before, given to the detectors then
        self.tail = data[-OVERLAP:]
        self.acc.add_window_hits(self.shown, line, candidate_windows(data), searched)

    def finish(self) -> None:
        last = self.grouper.finish()
        if last is not None:
            self.acc.add_event(self.shown, last)
        self.acc.add_hits(self.shown, self.batch)
        self.batch = []


def _scan_stream(fh: BinaryIO, shown: str, acc: _Accumulator) -> None:
    reader = LineReader(fh, acc.budget, MAX_LINE_BYTES)
    scan = _StreamScan(shown, acc)
    try:
        for segment in reader:
            if isinstance(segment, Lines):
                scan.lines(segment.data, segment.first)
            elif isinstance(segment, Overflow):
                scan.overflow(segment.line, segment.data)
    finally:  # a stream that breaks off (a cut gzip) still has what was read before scanned
        scan.finish()
        acc.report.lines += reader.lines
        acc.report.long_lines += reader.long_lines
    if acc.budget.exhausted and acc.report.truncated is None:
        acc.report.truncated = Truncation(acc.budget.limit, shown, reader.lines)


def _not_read(acc: _Accumulator, name: str) -> None:
    """A file reached after the budget ran out: listed as not read."""
    t = acc.report.truncated
    if t is not None:
        acc.report.truncated = Truncation(t.max_bytes, t.path, t.line, (*t.unread, name))


def _scan_zip(path: Path, shown: str, acc: _Accumulator) -> None:
    """Every member of a zip archive (GitHub's workflow-run logs come as one), as `zip!member`."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = f"{shown}!{info.filename}"
            if acc.budget.exhausted:
                _not_read(acc, name)
                continue
            acc.report.files.append(name)
            with archive.open(info) as fh:
                _scan_stream(fh, name, acc)  # type: ignore[arg-type]


def _scan_path(path: Path, shown: str, acc: _Accumulator) -> None:
    if zipfile.is_zipfile(path):
        _scan_zip(path, shown, acc)
        return
    acc.report.files.append(shown)
    with _open(path) as fh:
        _scan_stream(fh, shown, acc)


def scan_streams(streams: Iterable[tuple[str, BinaryIO]],
                 max_bytes: int = Settings.log_max_bytes) -> LogReport:
    """Scan already-open binary streams (a forge's downloaded logs), each named for the report;
    ``max_bytes`` decompressed bytes at most, over all of them."""
    acc = _Accumulator(LogReport(), ByteBudget(max_bytes))
    for name, fh in streams:
        if acc.budget.exhausted:
            _not_read(acc, name)
            continue
        acc.report.files.append(name)
        _scan_stream(fh, name, acc)
    return acc.finish()


def scan_logs(paths: Iterable[str], max_bytes: int = Settings.log_max_bytes) -> LogReport:
    """Scan log files (plain, gzip or zip) in order, ``max_bytes`` decompressed bytes at most
    over all of them; unreadable ones become `FileError`s."""
    acc = _Accumulator(LogReport(), ByteBudget(max_bytes))
    for shown in paths:
        if acc.budget.exhausted:
            _not_read(acc, shown)
            continue
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


def _open(path: Path) -> BinaryIO:
    fh: BinaryIO = open(path, "rb")  # noqa: SIM115 - returned to the caller's `with`
    magic = fh.peek(2)[:2] if hasattr(fh, "peek") else b""
    if magic == b"\x1f\x8b":
        fh.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return fh
