"""The change under review, independent of where its files came from.

A `Workspace` holds a folder with the head content of the files to scan, which of those files
changed and which lines were added, and a reader for base content on demand. It is built from a
local git checkout (`mergegate.workspace.git`) or from a forge's API data (`mergegate.forge`); scanners only
ever see this.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from mergegate.core.findings import ScanNote

DEFAULT_MAX_FILE_BYTES = 1024 * 1024
FileStatus = Literal["added", "modified", "renamed", "unchanged"]
BaseReader = Callable[[str], "bytes | None"]
# The start of a note about content that was not (fully) scanned: it blocks unless the policy
# says `on_unscanned: warn`.
UNSCANNED = "not fully scanned"
# Reads a file that configures judgement (extra rule files, the secrets baseline) from the
# protected revision: for a pull request its base commit, never its head.
TrustedReader = Callable[[str], "bytes | None"]


@dataclass(frozen=True, slots=True)
class CandidateFile:
    """A file of the change as its source describes it, before the skip rules."""

    path: str
    status: FileStatus = "modified"
    added_lines: frozenset[int] | None = None  # None: every line counts as added
    old_path: str | None = None
    is_symlink: bool = False
    is_submodule: bool = False


@dataclass(frozen=True, slots=True)
class WorkspaceFile:
    path: str
    status: FileStatus
    added_lines: frozenset[int] | None
    old_path: str | None = None

    def is_added(self, line: int) -> bool:
        return self.added_lines is None or line in self.added_lines

    def touches(self, start: int, end: int) -> bool:
        if self.added_lines is None:
            return True
        return any(n in self.added_lines for n in range(start, max(start, end) + 1))


@dataclass
class Workspace:
    """Head files under `root`, the added lines of each, and base content on demand."""

    root: Path
    files: list[WorkspaceFile]
    diff_aware: bool
    notes: list[ScanNote] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    base_reader: BaseReader | None = None
    base_label: str | None = None
    # Files over the size limit: on disk under `root`, too large for the parsing scanners;
    # the secrets scanner still reads them, streamed.
    oversized: list[WorkspaceFile] = field(default_factory=list)
    # None: a local scan, whose own checkout is trusted (the developer's machine).
    trusted_reader: TrustedReader | None = None
    _base_cache: dict[str, bytes | None] = field(default_factory=dict, repr=False)

    def file(self, path: str) -> WorkspaceFile | None:
        for f in self.files:
            if f.path == path:
                return f
        return None

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.files]

    def abspath(self, path: str) -> Path:
        return self.root / path

    def head_bytes(self, path: str) -> bytes:
        return (self.root / path).read_bytes()

    def head_text(self, path: str) -> str | None:
        """The head content as text, or None when it is not UTF-8."""
        try:
            return self.head_bytes(path).decode("utf-8")
        except UnicodeDecodeError:
            return None

    def base_bytes(self, path: str) -> bytes | None:
        """The content of `path` at the base of the change (None: absent or not diff-aware)."""
        if self.base_reader is None:
            return None
        if path not in self._base_cache:
            f = self.file(path)
            source = f.old_path if f is not None and f.old_path else path
            self._base_cache[path] = self.base_reader(source)
        return self._base_cache[path]

    def trusted_bytes(self, path: str) -> bytes | None:
        """A judgement config file (rule file, secrets baseline) as the protected revision has it.

        For a pull request this is the base commit, so a change cannot rewrite the rules that
        judge it; for a local scan (no trusted reader) it is the checkout itself. None: absent,
        or a path that leaves the repository.
        """
        if self.trusted_reader is not None:
            return self.trusted_reader(path)
        target = self.root / path
        try:
            if not target.resolve().is_relative_to(self.root.resolve()) or not target.is_file():
                return None
            return target.read_bytes()
        except OSError:
            return None

    def base_text(self, path: str) -> str | None:
        data = self.base_bytes(path)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None


def is_binary(head: bytes) -> bool:
    return b"\x00" in head[:8192]


def build_workspace(
    root: Path,
    candidates: Iterable[CandidateFile],
    *,
    diff_aware: bool,
    base_reader: BaseReader | None = None,
    base_label: str | None = None,
    deleted: Iterable[str] = (),
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> Workspace:
    """Apply the skip rules (symlinks, submodules, binary, too large, outside root)."""
    files: list[WorkspaceFile] = []
    oversized: list[WorkspaceFile] = []
    notes: list[ScanNote] = []
    real_root = root.resolve()
    for c in sorted(candidates, key=lambda c: c.path):
        if c.is_submodule:
            notes.append(ScanNote("skipped: submodule", c.path))
            continue
        target = root / c.path
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            notes.append(ScanNote("skipped: file not found", c.path))
            continue
        if c.is_symlink or stat.S_ISLNK(st.st_mode):
            notes.append(ScanNote("skipped: symbolic link", c.path))
            continue
        if not stat.S_ISREG(st.st_mode):
            notes.append(ScanNote("skipped: not a regular file", c.path))
            continue
        if not target.resolve().is_relative_to(real_root):
            notes.append(ScanNote("skipped: outside the repository", c.path))
            continue
        if st.st_size > max_file_bytes:
            notes.append(ScanNote(
                f"{UNSCANNED}: {st.st_size} bytes, over the {max_file_bytes}-byte limit "
                "(scanned for secrets only)", c.path))
            oversized.append(WorkspaceFile(c.path, c.status, c.added_lines, c.old_path))
            continue
        with open(target, "rb") as fh:
            head = fh.read(8192)
        if is_binary(head):
            notes.append(ScanNote("skipped: binary file", c.path))
            continue
        files.append(WorkspaceFile(c.path, c.status, c.added_lines, c.old_path))
    return Workspace(
        root=root,
        files=files,
        diff_aware=diff_aware,
        notes=notes,
        oversized=oversized,
        deleted=sorted(deleted),
        base_reader=base_reader,
        base_label=base_label,
    )
