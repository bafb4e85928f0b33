"""`migrate()` on PostgreSQL waits for the migration advisory lock the workers also take, so
`serve` and workers starting together never migrate the same schema at once."""

from __future__ import annotations

import threading

import psycopg
import pytest
from mergegate.queue.tasks import conninfo
from mergegate.store.db import MIGRATION_LOCK_ID, make_engine, migrate
from sqlalchemy import inspect

pytestmark = pytest.mark.postgres


def test_migrate_waits_while_another_process_holds_the_migration_lock(pg_url: str) -> None:
    engine = make_engine(pg_url)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            migrate(engine)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    try:
        with psycopg.connect(conninfo(pg_url), autocommit=True) as other:
            other.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_ID,))
            migration = threading.Thread(target=run)
            migration.start()
            migration.join(1.0)
            assert migration.is_alive(), "migrate() did not wait for the migration lock"
            assert "jobs" not in inspect(engine).get_table_names()
            other.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_ID,))
            migration.join(60.0)
            assert not migration.is_alive()
        assert errors == []
        assert {"jobs", "deliveries", "scans"} <= set(inspect(engine).get_table_names())
        # The lock is a transaction lock: released at commit, so a later start takes it again.
        with psycopg.connect(conninfo(pg_url), autocommit=True) as probe:
            row = probe.execute("SELECT pg_try_advisory_lock(%s)", (MIGRATION_LOCK_ID,)).fetchone()
            assert row == (True,)
    finally:
        engine.dispose()
