"""The advisory cache `mergegate db update` fills: OSV.dev's per-ecosystem archives
(`<base>/<Ecosystem>/all.zip`) kept as `<cache>/osv/<Ecosystem>/all.zip`.

A download streams into a temporary file beside its target, is checked (a zip of at most
`MAX_MEMBERS` JSON advisories, each at most `MAX_MEMBER_BYTES` and all together at most
`MAX_TOTAL_BYTES` once decompressed, counted as they are read, so a decompression bomb stops
early) and only then replaces the archive in one `os.replace`: a scan never sees half an
archive, and a failed download keeps the previous one. The folder is an offline database
`OfflineOsv` reads as it is.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import aiohttp

from mergegate.network import client_session
from mergegate.scanners.dependencies.aio import shown_url
from mergegate.scanners.dependencies.model import ECOSYSTEMS

ARCHIVE_NAME = "all.zip"
MAX_ARCHIVE_BYTES = 2 * 1024**3  # compressed, as downloaded
MAX_MEMBERS = 1_000_000
MAX_MEMBER_BYTES = 16 * 1024**2  # one advisory; real ones are a few KiB
MAX_TOTAL_BYTES = 16 * 1024**3
STALE_AFTER = 7 * 24 * 3600.0  # older archives get a note asking for `db update`
_CHUNK = 1 << 20

Progress = Callable[[str, int, int | None], None]  # ecosystem, bytes so far, total if known


class ArchiveError(RuntimeError):
    """A download that failed or an archive refused; the message says which and why."""


def cache_root(cache_dir: Path) -> Path:
    return cache_dir / "osv"


def cached_ecosystems(root: Path) -> dict[str, Path]:
    """The ecosystems whose archive is in the cache, with its path."""
    found = {}
    for ecosystem in ECOSYSTEMS:
        path = root / ecosystem / ARCHIVE_NAME
        if path.is_file():
            found[ecosystem] = path
    return found


def stale(archives: dict[str, Path], now: float | None = None) -> tuple[tuple[str, int], ...]:
    """The cached ecosystems downloaded more than `STALE_AFTER` ago, with their age in days."""
    now = time.time() if now is None else now
    ages = {eco: now - path.stat().st_mtime for eco, path in archives.items()}
    return tuple((eco, int(age // 86400)) for eco, age in ages.items() if age > STALE_AFTER)


def archive_url(base_url: str, ecosystem: str) -> str:
    return f"{base_url.rstrip('/')}/{quote(ecosystem, safe='')}/{ARCHIVE_NAME}"


@dataclass(frozen=True, slots=True)
class Downloaded:
    ecosystem: str
    path: Path
    advisories: int
    size: int  # bytes of the archive


def check_archive(path: Path) -> int:
    """The number of advisories in a downloaded archive; raises ArchiveError when it is not
    a zip of JSON advisories within the limits."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise ArchiveError(f"{len(infos):,} entries, over the {MAX_MEMBERS:,}-entry limit")
            total = 0
            count = 0
            for info in infos:
                if info.is_dir():
                    continue
                if not info.filename.endswith(".json"):
                    raise ArchiveError(f"{info.filename!r} is not an OSV advisory (.json)")
                data = bytearray()
                with zf.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        data += chunk
                        if len(data) > MAX_MEMBER_BYTES:
                            raise ArchiveError(f"{info.filename!r} expands beyond "
                                               f"{MAX_MEMBER_BYTES // 1024**2} MiB")
                total += len(data)
                if total > MAX_TOTAL_BYTES:
                    raise ArchiveError(f"expands beyond {MAX_TOTAL_BYTES // 1024**3} GiB")
                try:
                    doc = json.loads(data)
                except ValueError:
                    raise ArchiveError(f"{info.filename!r} is not JSON") from None
                if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
                    raise ArchiveError(f"{info.filename!r} is not an OSV advisory (no id)")
                count += 1
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        if isinstance(exc, ArchiveError):
            raise
        raise ArchiveError(f"not a readable zip archive ({exc})") from None
    return count


async def download(
    ecosystem: str,
    base_url: str,
    root: Path,
    *,
    ca_bundle: Path | None = None,
    progress: Progress | None = None,
    timeout: float = 600.0,
) -> Downloaded:
    """Download one ecosystem's archive into `root`, replacing the old one only when the new
    one is complete and checked. Raises ArchiveError."""
    url = archive_url(base_url, ecosystem)
    folder = root / ecosystem
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".all-", suffix=".zip.part", dir=folder)
    except OSError as exc:
        raise ArchiveError(f"cannot write in {folder}: {exc.strerror}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            size = await _fetch(url, out, ecosystem, ca_bundle, progress, timeout)
        count = check_archive(tmp)
        os.replace(tmp, folder / ARCHIVE_NAME)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return Downloaded(ecosystem, folder / ARCHIVE_NAME, count, size)


async def _fetch(url: str, out: BinaryIO, ecosystem: str, ca_bundle: Path | None,
                 progress: Progress | None, timeout: float) -> int:
    shown = shown_url(url)
    try:
        async with client_session(ca_bundle, timeout=aiohttp.ClientTimeout(
                total=timeout, sock_read=60)) as session, session.get(url) as resp:
            if resp.status == 404:
                raise ArchiveError(f"no archive at {shown} (HTTP 404): is {ecosystem!r} an "
                                   "OSV ecosystem?")
            if resp.status != 200:
                raise ArchiveError(f"{shown} answered HTTP {resp.status}")
            total = resp.content_length
            if total is not None and total > MAX_ARCHIVE_BYTES:
                raise ArchiveError(f"{shown} is {total:,} bytes, over the "
                                   f"{MAX_ARCHIVE_BYTES // 1024**3} GiB limit")
            size = 0
            async for chunk in resp.content.iter_chunked(_CHUNK):
                size += len(chunk)
                if size > MAX_ARCHIVE_BYTES:
                    raise ArchiveError(f"{shown} is over the {MAX_ARCHIVE_BYTES // 1024**3} GiB limit")
                out.write(chunk)
                if progress is not None:
                    progress(ecosystem, size, total)
            return size
    except TimeoutError:
        raise ArchiveError(f"{shown} timed out") from None
    except aiohttp.ClientError as exc:
        raise ArchiveError(f"{shown} unreachable ({type(exc).__name__})") from None
