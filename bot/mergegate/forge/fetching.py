"""What both forges' fetchers share: diff parsing, path safety, safe writes, unscanned notes.

A path from a forge is data. It is written only after its resolved location is checked to be
inside the work folder; it is never rejected for the characters it contains.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from mergegate.core.findings import ScanNote
from mergegate.core.policy import POLICY_PATHS
from mergegate.forge.base import ForgeError

PREFETCH_NAMES = re.compile(
    r"(^|/)(requirements[^/]*\.(txt|in)|constraints[^/]*\.txt|Pipfile(\.lock)?|poetry\.lock|"
    r"pyproject\.toml|uv\.lock|package(-lock)?\.json|yarn\.lock|pnpm-lock\.yaml|go\.(mod|sum)|"
    r"Cargo\.(toml|lock)|Gemfile(\.lock)?|composer\.(json|lock)|pom\.xml|[^/]*\.gradle)$"
)
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def added_lines(patch: str | None) -> frozenset[int] | None:
    """The head line numbers a unified-diff patch adds; None when there is no patch."""
    if patch is None:
        return None
    lines: set[int] = set()
    current = 0
    for row in patch.splitlines():
        m = _HUNK.match(row)
        if m:
            current = int(m.group(1))
            continue
        if row.startswith("+"):
            lines.add(current)
            current += 1
        elif row.startswith("-") or row.startswith("\\"):
            continue
        else:
            current += 1
    return frozenset(lines)


def safe_relpath(path: str) -> str | None:
    """A repository path that stays inside the work folder, or None.

    Any byte git allows is data, not syntax: backslashes, newlines and odd characters are
    kept (``cfg\\prod.py`` is one file on every forge). Only what would leave the folder is
    refused: an absolute path, ``..`` components, or a NUL.
    """
    if not path or path.startswith("/") or "\x00" in path:
        return None
    parts = path.split("/")
    if any(p == ".." for p in parts):
        return None
    norm = "/".join(p for p in parts if p not in ("", "."))
    return norm or None


def write_inside(dest: Path, rel: str, content: bytes) -> None:
    """Write ``content`` at ``dest/rel``; ForgeError when that resolves outside ``dest``."""
    target = dest / rel
    root = dest.resolve()
    if not target.resolve().is_relative_to(root) or target.resolve() == root:
        raise ForgeError(f"refusing to write {rel!r} outside the work folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.parent.resolve().is_relative_to(root):
        raise ForgeError(f"refusing to write {rel!r} outside the work folder")
    target.write_bytes(content)


def too_large_note(path: str, size: int | None, limit: int) -> ScanNote:
    """A file too large even to fetch: nothing scanned it, so it blocks by default."""
    what = f"{size} bytes, " if size is not None else ""
    return ScanNote(f"not scanned: {what}over the {limit}-byte limit for fetching", path,
                    unscanned=True)


def unfetched_note(path: str, why: str) -> ScanNote:
    """A file of the change that could not be fetched: not scanned, blocks by default."""
    return ScanNote(f"not scanned: could not be fetched ({why})", path, unscanned=True)


def policy_edit(dest: Path, changed: Collection[str], deleted: Collection[str]
                ) -> tuple[str | None, str | None]:
    """(the head text of the policy file the change edits, which file), or ("", file) when the
    change deletes it (the defaults or the organization policy would apply), or (None, None)."""
    for path in POLICY_PATHS:
        if path in changed and (dest / path).is_file():
            return (dest / path).read_text("utf-8", "replace"), path
    for path in POLICY_PATHS:
        if path in deleted:
            return "", path
    return None, None
