"""Safe extraction of a repository tarball (GitHub's ``/tarball/{ref}``, GitLab's archive).

Only regular files are written; every path must resolve inside the destination (no absolute
paths, no ``..``, no links of any kind), while any other character in a name is data (a
backslash is part of a file name, not a separator); the archive's first folder
(``owner-repo-sha/``) is stripped; member count, each file's size and the total size are
capped, so a decompression bomb stops early instead of filling the disk.
"""

from __future__ import annotations

import asyncio
import io
import posixpath
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from mergegate.core.findings import ScanNote
from mergegate.forge.base import ForgeError
from mergegate.forge.fetching import too_large_note
from mergegate.workspace import CandidateFile

MAX_MEMBERS = 20_000
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 500 * 1024 * 1024


class UnsafeArchive(ValueError):
    """The archive cannot be extracted safely; the message says why."""


@dataclass
class Extracted:
    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    too_large: list[tuple[str, int | None]] = field(default_factory=list)  # (path, size)


def _relative(name: str) -> str | None:
    parts = name.split("/", 1)
    if len(parts) < 2 or not parts[1]:
        return None
    rel = posixpath.normpath(parts[1])
    if rel.startswith("/") or rel == ".." or rel.startswith("../") or "\x00" in rel:
        raise UnsafeArchive(f"archive member {name!r} points outside the folder")
    if rel == ".":
        return None
    return rel


def extract_tarball(
    data: bytes,
    dest: Path,
    *,
    max_members: int = MAX_MEMBERS,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
) -> Extracted:
    out = Extracted()
    total = 0
    root = dest.resolve()
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            for count, member in enumerate(archive, start=1):
                if count > max_members:
                    raise UnsafeArchive(f"archive has more than {max_members} members")
                total += _extract_member(archive, member, root, out, max_file_bytes)
                if total > max_total_bytes:
                    raise UnsafeArchive(f"archive expands to more than {max_total_bytes} bytes")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise UnsafeArchive(f"not a readable tar archive: {exc}") from None
    return out


def _extract_member(
    archive: tarfile.TarFile, member: tarfile.TarInfo, root: Path, out: Extracted, limit: int
) -> int:
    """Write one member if it is a safe regular file; return the bytes it counts for."""
    rel = _relative(member.name)
    if rel is None or member.isdir():
        return 0
    if member.issym() or member.islnk():
        out.skipped.append((rel, "link"))
        return 0
    if not member.isfile():
        out.skipped.append((rel, "not a regular file"))
        return 0
    if member.size > limit:
        out.too_large.append((rel, member.size))
        return 0
    target = (root / rel).resolve()
    if not target.is_relative_to(root):
        raise UnsafeArchive(f"archive member {member.name!r} points outside the folder")
    source = archive.extractfile(member)
    if source is None:
        return 0
    content = source.read(limit + 1)
    if len(content) > limit:
        out.too_large.append((rel, None))
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    out.files.append(rel)
    return len(content)


async def extract_into_workspace(
    data: bytes,
    dest: Path,
    candidates: dict[str, CandidateFile],
    *,
    max_file_bytes: int,
) -> list[ScanNote]:
    """Extract a repository archive for a full scan (in a thread) and list its files as
    unchanged candidates. Returns notes: links and special files skipped, and files too large
    to extract, which nothing scanned (those block by default)."""
    try:
        extracted = await asyncio.to_thread(extract_tarball, data, dest, max_file_bytes=max_file_bytes)
    except UnsafeArchive as exc:
        raise ForgeError(f"the repository archive cannot be used: {exc}") from None
    notes = [ScanNote(f"skipped: {why}", rel) for rel, why in extracted.skipped]
    notes += [too_large_note(rel, size, max_file_bytes) for rel, size in extracted.too_large]
    for rel in extracted.files:
        if rel not in candidates:
            candidates[rel] = CandidateFile(rel, "unchanged", frozenset())
    return notes
