"""Offline advisories from `MERGEGATE_OSV_DB`: a folder of OSV JSON files or OSV.dev's
`all.zip` (or a folder of such zips), indexed once into an SQLite file kept on disk.

The index is keyed by the database's resolved path and rebuilt only when the database's
fingerprint (sizes and modification times) changes, so a restart opens it in milliseconds.
Building streams one advisory at a time, so memory stays flat whatever the dump's size.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import sqlite3
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from mergegate.config import user_cache_dir
from mergegate.scanners.dependencies import osv_match
from mergegate.scanners.dependencies.model import normalize_name
from mergegate.scanners.dependencies.osv_match import Advisory
from mergegate.scanners.dependencies.sources import Query, SourceError

INDEX_FORMAT = "3"
_BATCH = 5000
_MAX_PARSED = 50_000  # parsed advisories kept in memory between scans


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while parsing and matching many advisories.

    They hold no reference cycles (reference counting frees them), yet every collection that
    their allocations trigger would walk all the advisories kept in memory again. On resuming,
    `freeze` + `unfreeze` moves the objects made meanwhile to the oldest generation without
    walking them; the next full collection still examines them, so nothing leaks.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def default_index_dir() -> Path:
    return user_cache_dir() / "osv-index"


def _members(db: Path) -> list[Path]:
    if db.is_file():
        return [db]
    return sorted(p for p in db.rglob("*") if p.suffix in (".json", ".zip") and p.is_file())


def source_fingerprint(db: Path) -> str:
    h = hashlib.sha256()
    for p in _members(db):
        st = p.stat()
        h.update(f"{p.relative_to(db) if p != db else p.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _documents(db: Path) -> Iterator[tuple[str, bytes]]:
    """(name, raw JSON) for every advisory of the database."""
    for member in _members(db):
        if member.suffix == ".json":
            yield str(member), member.read_bytes()
            continue
        try:
            with zipfile.ZipFile(member) as zf:
                for info in zf.infolist():
                    if info.filename.endswith(".json") and not info.is_dir():
                        yield f"{member}!{info.filename}", zf.read(info)
        except zipfile.BadZipFile as exc:
            raise SourceError(f"MERGEGATE_OSV_DB {member}: not a valid zip file ({exc})") from None


class OfflineOsv:
    """An AdvisorySource over a local OSV dump: the advisories affecting each package version.

    One instance can serve many scans (a worker keeps it): the database's fingerprint is
    checked again at most every `recheck_after` seconds, and a change rebuilds the index.
    """

    prematched = False

    def __init__(self, db: Path, index_dir: Path | None = None, recheck_after: float = 60.0) -> None:
        self.db = db
        self.index_dir = index_dir or default_index_dir()
        self.recheck_after = recheck_after
        self.skipped: list[str] = []
        self._lock = threading.Lock()
        self._ready: Path | None = None
        self._checked_at = 0.0
        self._fingerprint: str | None = None
        self._parsed: dict[int, Advisory] = {}
        self._entries: dict[tuple[str, str], list[tuple[int, Any]]] = {}

    @property
    def index_path(self) -> Path:
        digest = hashlib.sha256(str(self.db.resolve()).encode()).hexdigest()[:16]
        return self.index_dir / f"osv-{digest}.sqlite"

    def ensure_index(self) -> Path:
        """Open the on-disk index, building it first when absent or stale."""
        with self._lock:
            now = time.monotonic()
            if self._ready is not None and now - self._checked_at < self.recheck_after:
                return self._ready
            if not self.db.exists():
                raise SourceError(f"MERGEGATE_OSV_DB {self.db}: no such file or folder")
            fingerprint = source_fingerprint(self.db)
            self._checked_at = now
            if self._ready is not None and fingerprint == self._fingerprint:
                return self._ready
            self._parsed.clear()
            self._entries.clear()
            self._fingerprint = fingerprint
            path = self.index_path
            if not (path.exists() and self._stored_fingerprint(path) == fingerprint):
                self._build(path, fingerprint)
            self._ready = path
            return path

    @staticmethod
    def _stored_fingerprint(path: Path) -> str | None:
        try:
            with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
                rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error:
            return None
        if rows.get("format") != INDEX_FORMAT:
            return None
        return rows.get("fingerprint")

    def _build(self, path: Path, fingerprint: str) -> None:
        self.skipped = []
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".osv-", suffix=".sqlite", dir=self.index_dir)
        except OSError as exc:
            raise SourceError(f"cannot write the OSV index in {self.index_dir}: {exc}") from None
        os.close(fd)
        conn = sqlite3.connect(tmp)
        try:
            conn.executescript(
                "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
                "CREATE TABLE advisory (rowid INTEGER PRIMARY KEY, id TEXT, body BLOB);"
                "CREATE TABLE pkg (ecosystem TEXT, name TEXT, advisory INTEGER, entry TEXT);"
            )
            adv_rows: list[tuple[int, str, bytes]] = []
            pkg_rows: list[tuple[str, str, int, str]] = []
            rowid = 0
            for name, raw in _documents(self.db):
                try:
                    doc = json.loads(raw)
                    names = _package_keys(doc)
                except (ValueError, TypeError, AttributeError):
                    self.skipped.append(name)
                    continue
                rowid += 1
                adv_rows.append((rowid, str(doc["id"]), zlib.compress(raw, 1)))
                if not doc.get("withdrawn"):
                    pkg_rows.extend(
                        (eco, pkg, rowid, json.dumps(entries, separators=(",", ":")))
                        for (eco, pkg), entries in names.items()
                    )
                if len(adv_rows) >= _BATCH:
                    conn.executemany("INSERT INTO advisory VALUES (?, ?, ?)", adv_rows)
                    conn.executemany("INSERT INTO pkg VALUES (?, ?, ?, ?)", pkg_rows)
                    adv_rows, pkg_rows = [], []
            conn.executemany("INSERT INTO advisory VALUES (?, ?, ?)", adv_rows)
            conn.executemany("INSERT INTO pkg VALUES (?, ?, ?, ?)", pkg_rows)
            conn.execute("CREATE INDEX pkg_name ON pkg (ecosystem, name)")
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("format", INDEX_FORMAT), ("fingerprint", fingerprint), ("count", str(rowid))],
            )
            conn.commit()
        except BaseException:
            conn.close()
            os.unlink(tmp)
            raise
        conn.close()
        os.replace(tmp, path)

    def advisories(self, queries: Sequence[Query]) -> dict[Query, list[Advisory]]:
        """The advisories affecting each query. Ranges are evaluated on the small per-package
        entries the index keeps; only the advisories that match are read in full."""
        path = self.ensure_index()
        with gc_paused():
            return self._advisories(path, queries)

    def _advisories(self, path: Path, queries: Sequence[Query]) -> dict[Query, list[Advisory]]:
        out: dict[Query, list[Advisory]] = {q: [] for q in queries}
        try:
            uri = f"{path.resolve().as_uri()}?mode=ro"
            with closing(sqlite3.connect(uri, uri=True)) as conn:
                by_package: dict[tuple[str, str], list[Query]] = {}
                for q in queries:
                    by_package.setdefault((q.ecosystem, q.name), []).append(q)
                hits: dict[Query, list[int]] = {}
                self._load_entries(conn, by_package)
                for (eco, name), group in by_package.items():
                    for rowid, compact in self._entries.get((eco, name), []):
                        for q in group:
                            if osv_match.entries_affect(compact, eco, q.version).affected:
                                hits.setdefault(q, []).append(rowid)
                needed = {r for rs in hits.values() for r in rs}
                loaded = {r: self._parsed[r] for r in needed if r in self._parsed}
                wanted = sorted(needed - loaded.keys())
                for i in range(0, len(wanted), 500):
                    chunk = wanted[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    # only "?" placeholders are spliced in: the values are bound parameters
                    for rowid, body in conn.execute(  # nosemgrep: mergegate.python.sql-string-formatting
                        f"SELECT rowid, body FROM advisory WHERE rowid IN ({marks})",  # noqa: S608
                        chunk,
                    ):
                        loaded[rowid] = json.loads(zlib.decompress(body))
        except sqlite3.Error as exc:
            raise SourceError(f"OSV index {path} unreadable: {exc}") from None
        for q, rowids in hits.items():
            out[q] = [loaded[r] for r in rowids]
        if len(self._parsed) + len(loaded) > _MAX_PARSED:
            self._parsed.clear()
        self._parsed.update(loaded)
        return out

    def _load_entries(self, conn: sqlite3.Connection, packages: Iterable[tuple[str, str]]) -> None:
        """Read the (advisory row, slim affected entries) of packages not in memory yet,
        500 names a query."""
        by_eco: dict[str, list[str]] = {}
        for eco, name in packages:
            if (eco, name) not in self._entries:
                by_eco.setdefault(eco, []).append(name)
        if sum(map(len, by_eco.values())) + len(self._entries) > _MAX_PARSED:
            self._entries.clear()
        for eco, names in by_eco.items():
            for i in range(0, len(names), 500):
                chunk = names[i : i + 500]
                for name in chunk:
                    self._entries[(eco, name)] = []
                marks = ",".join("?" * len(chunk))
                # only "?" placeholders are spliced in: the values are bound parameters
                rows = conn.execute(  # nosemgrep: mergegate.python.sql-string-formatting
                    f"SELECT name, advisory, entry FROM pkg WHERE ecosystem = ? AND name IN ({marks})",  # noqa: S608
                    [eco, *chunk],
                )
                for name, rowid, entry in rows:
                    self._entries[(eco, name)].append((rowid, json.loads(entry)))


def _package_keys(doc: Any) -> dict[tuple[str, str], list[Any]]:
    """The packages an advisory names, each with the `affected` entries that name it."""
    keys: dict[tuple[str, str], list[Any]] = {}
    for entry in doc.get("affected") or []:
        pkg = entry.get("package") or {}
        eco = str(pkg.get("ecosystem", "")).split(":", 1)[0]
        name = pkg.get("name")
        if eco and isinstance(name, str):
            slim = {k: entry[k] for k in ("ranges", "versions") if k in entry}
            keys.setdefault((eco, normalize_name(eco, name)), []).append(slim)
    if not isinstance(doc.get("id"), str):
        raise TypeError("advisory id is not a string")
    return keys
