"""PostgreSQL waits are bounded, so a webhook answers 500 during a database outage."""

from mergegate.store.db import PG_CONNECT_TIMEOUT, PG_POOL_TIMEOUT, engine_options, make_engine, normalize_url


def test_postgres_engine_bounds_connect_and_pool_waits() -> None:
    url = normalize_url("postgresql://postgres@127.0.0.1:5432/test")
    opts = engine_options(url, "s1")
    assert opts["connect_args"] == {"connect_timeout": PG_CONNECT_TIMEOUT, "options": "-csearch_path=s1"}
    assert opts["pool_timeout"] == PG_POOL_TIMEOUT and opts["pool_pre_ping"] is True
    engine = make_engine("postgresql://postgres@127.0.0.1:5432/test")
    assert engine.pool.timeout() == PG_POOL_TIMEOUT
    engine.dispose()


def test_sqlite_keeps_its_busy_timeout() -> None:
    assert engine_options("sqlite:///x.db")["connect_args"] == {"check_same_thread": False, "timeout": 30}
