"""A key/value cache with a time to live, in the store (SQLite or PostgreSQL).

Used for OSV.dev and deps.dev responses. Values are JSON. An expired entry reads as absent;
`purge_expired` deletes them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from mergegate.store.db import StoreError, make_engine
from mergegate.store.schema import metadata
from mergegate.store.tables import cache_entries

log = logging.getLogger(__name__)


_CHUNK = 500
_MAX_KEY = 512


def _stored_key(key: str) -> str:
    """Keys longer than the column are stored as a prefix and their SHA-256."""
    if len(key) <= _MAX_KEY:
        return key
    return f"{key[:400]}#sha256:{hashlib.sha256(key.encode()).hexdigest()}"


class Cache:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    def get(self, key: str) -> Any | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The live values of those keys that have one."""
        stored = {_stored_key(k): k for k in keys}
        wanted = list(stored)
        now = self.clock()
        out: dict[str, Any] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), _CHUNK):
                chunk = wanted[i : i + _CHUNK]
                rows = conn.execute(
                    select(cache_entries.c.key, cache_entries.c.value).where(
                        cache_entries.c.key.in_(chunk), cache_entries.c.expires_at > now
                    )
                )
                for key, value in rows:
                    out[stored[key]] = json.loads(value)
        return out

    def set(self, key: str, value: Any, ttl: float) -> None:
        self.set_many({key: value}, ttl)

    def set_many(self, items: Mapping[str, Any], ttl: float) -> None:
        if not items:
            return
        expires = self.clock() + ttl
        rows = [
            {"key": _stored_key(k), "value": json.dumps(v, separators=(",", ":")), "expires_at": expires}
            for k, v in items.items()
        ]
        try:
            with self.engine.begin() as conn:
                for i in range(0, len(rows), _CHUNK):
                    chunk = rows[i : i + _CHUNK]
                    keys = [r["key"] for r in chunk]
                    conn.execute(delete(cache_entries).where(cache_entries.c.key.in_(keys)))
                    conn.execute(cache_entries.insert(), chunk)
        except IntegrityError:
            # A concurrent writer stored the same keys first; theirs is as fresh as ours.
            log.info("cache write raced with another writer; kept theirs")

    def purge_expired(self) -> int:
        with self.engine.begin() as conn:
            res = conn.execute(delete(cache_entries).where(cache_entries.c.expires_at <= self.clock()))
            return int(res.rowcount or 0)


def open_cache(
    database_url: str, clock: Callable[[], float] = time.time, *, schema: str | None = None
) -> Cache:
    """Connect and make sure the table exists (migration 0002 creates it too; creating it
    here lets the CLI cache without running the service's migrations)."""
    engine = make_engine(database_url, schema=schema)
    metadata.create_all(engine, tables=[cache_entries])
    return Cache(engine, clock)


_SHARED: dict[str, Cache] = {}
_SHARED_LOCK = threading.Lock()


def optional_cache(database_url: str) -> Cache | None:
    """The process's cache for that database (one engine per URL, as SQLAlchemy advises,
    however many scans ask), or None (logged) when the store cannot be opened: lookups
    then go online."""
    with _SHARED_LOCK:
        cache = _SHARED.get(database_url)
        if cache is None:
            try:
                cache = open_cache(database_url)
            except (SQLAlchemyError, OSError, StoreError) as exc:
                log.warning("response cache unavailable: %s", type(exc).__name__)
                return None
            _SHARED[database_url] = cache
        return cache
