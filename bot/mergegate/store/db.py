"""Engines and migrations: SQLite by default, PostgreSQL through psycopg 3.

`open_store(url)` returns an engine whose schema is at the newest migration; migrations run
with alembic from `bot/store/migrations` at every start-up (a no-op when up to date).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text

MIGRATIONS = Path(__file__).with_name("migrations")


MIGRATION_LOCK_ID = 7415900002
"""PostgreSQL advisory lock held while migrating: `serve` and workers never migrate at once."""


class StoreError(RuntimeError):
    """The database cannot be opened or migrated; the message names the URL's scheme."""


def load_tables() -> None:
    """Import every module that defines tables on the shared metadata (they import this one,
    so not at the top)."""
    from mergegate.store import tables  # noqa: F401


PG_CONNECT_TIMEOUT = 3  # seconds, libpq's connect_timeout
PG_POOL_TIMEOUT = 5.0  # seconds to wait for a pooled connection


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3; everything else is left as is."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(url: str, schema: str | None = None) -> dict[str, Any]:
    """create_engine's keyword arguments for a (normalised) URL."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif url.startswith("postgresql"):
        # Bounded waits: while the database restarts, a webhook must get its 500 (GitHub then
        # redelivers) well within the sender's 10 s, not hang on a connect or a full pool.
        connect_args: dict[str, Any] = {"connect_timeout": PG_CONNECT_TIMEOUT}
        if schema:
            connect_args["options"] = f"-csearch_path={schema}"
        kwargs.update(connect_args=connect_args, pool_pre_ping=True, pool_timeout=PG_POOL_TIMEOUT)
    elif schema:
        kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    return kwargs


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for the URL; ``schema`` sets PostgreSQL's search_path (used by tests)."""
    url = normalize_url(url)
    kwargs = engine_options(url, schema)
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:  # a malformed URL or a missing driver
        scheme = url.split(":", 1)[0]
        raise StoreError(f"MERGEGATE_DATABASE_URL ({scheme}) cannot be used: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=30000",
    ):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (alembic ``upgrade head``).

    On PostgreSQL the migration transaction first takes the advisory lock
    :data:`MIGRATION_LOCK_ID` (released at commit), so processes starting together migrate
    one after the other; the later ones find the schema up to date.
    """
    from alembic import command
    from alembic.config import Config

    load_tables()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_ID})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_store(url: str, *, schema: str | None = None) -> Engine:
    engine = make_engine(url, schema=schema)
    try:
        migrate(engine)
    except StoreError:
        raise
    except Exception as exc:
        scheme = engine.url.get_backend_name()
        raise StoreError(f"the {scheme} database cannot be migrated: {exc}") from exc
    return engine
