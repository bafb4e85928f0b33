"""mergegate.store.cache: values with a time to live, on SQLite (PostgreSQL when configured)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mergegate.store.cache import open_cache, optional_cache


def check_cache(url: str, schema: str | None = None) -> None:
    now = [100.0]
    cache = open_cache(url, clock=lambda: now[0], schema=schema)
    cache.set("a", {"licenses": ["MIT"]}, ttl=10)
    cache.set_many({"b": [1, 2], "c": None}, ttl=20)
    assert cache.get("a") == {"licenses": ["MIT"]}
    assert cache.get_many(["a", "b", "c", "zzz"]) == {"a": {"licenses": ["MIT"]}, "b": [1, 2], "c": None}
    cache.set("a", "replaced", ttl=10)
    assert cache.get("a") == "replaced"
    now[0] = 110.0  # "a" expires exactly now
    assert cache.get("a") is None
    assert cache.purge_expired() == 1
    now[0] = 121.0
    assert cache.get_many(["b", "c"]) == {}
    long_key = "depsdev:maven:" + "x" * 600
    cache.set(long_key, "long", ttl=5)
    assert cache.get(long_key) == "long" and cache.get(long_key[:-1]) is None
    many = {f"k{i}": i for i in range(1200)}  # more than one chunk of keys
    cache.set_many(many, ttl=5)
    assert cache.get_many(many) == many


def test_cache_on_sqlite(tmp_path: Path) -> None:
    check_cache(f"sqlite:///{tmp_path / 'c.db'}")


def test_cache_on_postgres(postgres_url: str, postgres_schema: str) -> None:
    check_cache(postgres_url, postgres_schema)


def test_one_shared_cache_per_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first = optional_cache(url)
    assert first is not None and optional_cache(url) is first
    assert optional_cache(f"sqlite:///{tmp_path / 'other.db'}") is not first


def test_unusable_store_gives_no_cache(tmp_path: Path) -> None:
    assert optional_cache(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}") is None
    with pytest.raises(Exception):  # noqa: B017 - any SQLAlchemy error
        open_cache(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
