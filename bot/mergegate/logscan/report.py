"""What a log scan found: a pure value, rendered by `render` and the forges' comments."""

from __future__ import annotations

from dataclasses import dataclass, field

from mergegate.logscan.credentials import Credential


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


@dataclass(frozen=True, slots=True)
class Truncation:
    """Where reading stopped when the logs went past `max_bytes` decompressed bytes."""

    max_bytes: int
    path: str  # the file being read then
    line: int  # how many of its lines were read (a last partial one included)
    unread: tuple[str, ...] = ()  # files (or archive members) not opened at all


@dataclass(slots=True)
class LogReport:
    files: list[str] = field(default_factory=list)
    lines: int = 0
    credentials: list[Credential] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    events: int = 0
    unclustered: int = 0  # failures once MAX_CLUSTERS distinct ones are known: counted only
    bytes_read: int = 0  # decompressed
    long_lines: int = 0  # over MAX_LINE_BYTES: cut for grouping, searched whole for credentials
    truncated: Truncation | None = None
    detection_stopped: str | None = None  # why the credential detectors stopped early

    def sorted_clusters(self) -> list[Cluster]:
        return sorted(self.clusters, key=lambda c: (-c.count, c.path, c.line))
