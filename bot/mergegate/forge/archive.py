"""Safe extraction of a repository tarball (GitHub's ``/tarball/{ref}``, GitLab's archive), and
safe copying of chosen members of a CI zip (artifacts: `copy_zip_members`).

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
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

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


MAX_ZIP_MEMBERS = 10_000
_CHUNK = 1 << 20


@dataclass
class ZipCopy:
    """What `copy_zip_members` wrote: (member name, file) pairs, the members over the size
    limit per file, and why reading stopped early (None when every chosen member was read)."""

    written: list[tuple[str, Path]] = field(default_factory=list)
    too_large: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (member, why)
    stopped: str | None = None


def copy_zip_members(
    fh: IO[bytes],
    chosen: Callable[[str], bool],
    dest: Path,
    *,
    max_file_bytes: int,
    max_total_bytes: int,
    max_members: int = MAX_ZIP_MEMBERS,
) -> ZipCopy:
    """Copy the members of a zip that ``chosen`` accepts into ``dest``, under names of our own
    (never the member's: no path from the archive reaches the disk), member by member
    (blocking: run it in a thread). The sizes a zip's headers claim are not trusted: at most
    ``max_file_bytes`` decompressed bytes of a member are kept and ``max_total_bytes`` over all,
    counted as they are read, so a decompression bomb stops early. Raises `UnsafeArchive`
    for a file that is not a readable zip or has more than ``max_members`` entries."""
    out = ZipCopy()
    try:
        archive = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UnsafeArchive(f"not a readable zip archive ({exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_members:
            raise UnsafeArchive(f"the zip has {len(infos):,} entries, over the "
                                f"{max_members:,}-entry limit")
        total = 0
        for info in infos:
            if info.is_dir() or not chosen(info.filename):
                continue
            remaining = max_total_bytes - total
            target = dest / f"{len(out.written) + len(out.too_large)}.member"
            try:
                size, complete = _copy_member(archive, info, target,
                                              min(max_file_bytes, remaining))
            except (zipfile.BadZipFile, zlib.error, RuntimeError, OSError, EOFError,
                    NotImplementedError) as exc:
                target.unlink(missing_ok=True)
                out.unreadable.append((info.filename, str(exc) or type(exc).__name__))
                continue
            total += size
            if complete:
                out.written.append((info.filename, target))
                continue
            target.unlink(missing_ok=True)
            if max_file_bytes < remaining:
                out.too_large.append(info.filename)
                continue
            out.stopped = (f"reading stopped at {info.filename}: the files read expand to "
                           f"more than {max_total_bytes:,} bytes")
            break
    return out


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path,
                 limit: int) -> tuple[int, bool]:
    """Decompress one member into ``target``: (bytes read, whether it fit in ``limit``)."""
    read = 0
    with archive.open(info) as source, target.open("wb") as sink:
        while True:
            chunk = source.read(min(_CHUNK, limit + 1 - read))
            if not chunk:
                return read, True
            read += len(chunk)
            if read > limit:
                return read, False
            sink.write(chunk)


def unread_note(where: str, why: str) -> ScanNote:
    """A CI artifact that may hold results and could not be read (``where``: ``artifact X``,
    ``artifact of job Y``): not fully scanned, so it blocks unless `on_unscanned: warn`."""
    return ScanNote(f"not read: {why}", where, unscanned=True)


def zip_copy_notes(where: str, copied: ZipCopy, max_file_bytes: int) -> list[ScanNote]:
    """Notes on what `copy_zip_members` could not copy out of a CI artifact."""
    notes = [unread_note(where, f"{member} is over the {max_file_bytes:,}-byte limit "
                                "(decompressed)") for member in copied.too_large]
    notes += [unread_note(where, f"{member} cannot be unpacked ({why})")
              for member, why in copied.unreadable]
    if copied.stopped:
        notes.append(unread_note(where, copied.stopped))
    return notes
