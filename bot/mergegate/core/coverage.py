"""What a scan looked at: the compact line reports end with, and the notes beneath it.

`checked: 3 lockfiles, 2 manifests, 41 files; skipped: x.bin (binary)`. Unpinned
dependencies of one file are folded into one note listing them, so that a manifest of ranges
reads as one line, not forty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mergegate.core.findings import ScanNote

_UNPINNED = re.compile(r"^(?P<path>.+?):(?P<line>\d+): unpinned: (?P<what>.+)$")
_SKIPPED = "skipped: "


@dataclass(frozen=True, slots=True)
class Coverage:
    files: int  # files given to the scanners
    lockfiles: int  # lockfiles the dependency scanner read
    manifests: int  # manifests read without a lockfile beside them


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _skip_reason(message: str) -> str:
    reason = message.removeprefix(_SKIPPED)
    return reason.removesuffix(" file") if reason.endswith(" file") else reason


def coverage_line(coverage: Coverage, notes: Sequence[ScanNote]) -> str:
    """`checked: …; skipped: …` (the skipped files by name, with why)."""
    parts = [_plural(coverage.lockfiles, "lockfile"), _plural(coverage.manifests, "manifest"),
             _plural(coverage.files, "file")]
    line = "checked: " + ", ".join(parts)
    skipped = [f"{n.path} ({_skip_reason(n.message)})" for n in notes
               if n.message.startswith(_SKIPPED) and n.path and not n.unscanned]
    if skipped:
        line += "; skipped: " + ", ".join(skipped)
    return line


def shown_notes(notes: Sequence[ScanNote]) -> list[str]:
    """Every note that is neither a skipped file (the coverage line names those) nor content
    that could not be scanned (listed on its own), one line each; a file's unpinned
    dependencies as one line."""
    lines: list[str | list[str]] = []  # a note, or the unpinned dependencies of one file
    unpinned: dict[str, list[str]] = {}
    for n in notes:
        if n.unscanned or (n.message.startswith(_SKIPPED) and n.path):
            continue
        m = _UNPINNED.match(n.message)
        if m:
            if m["path"] not in unpinned:
                unpinned[m["path"]] = [m["path"]]
                lines.append(unpinned[m["path"]])
            unpinned[m["path"]].append(m["what"])
            continue
        lines.append(f"{n.path}: {n.message}" if n.path and not n.message.startswith(n.path)
                     else n.message)
    return [line if isinstance(line, str)
            else f"{line[0]}: unpinned, not checked: {', '.join(line[1:])}" for line in lines]
