"""The store on SQLite and PostgreSQL: migrations, queue semantics, records."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from mergegate.core.findings import Finding, Severity
from mergegate.core.verdict import Dismissal
from mergegate.store.db import load_tables, make_engine, normalize_url
from mergegate.store.schema import metadata
from mergegate.store.service_store import Store

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def _finding(fp: str = "a" * 64) -> Finding:
    return Finding("sast", "sqli", Severity.HIGH, "SQL injection", "query built from input",
                   "app/db.py", 12, 12, fp)


def test_migrations_match_every_table_on_metadata(any_store: Store) -> None:
    load_tables()
    with any_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrating_twice_is_a_no_op(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'x.db'}"
    Store.open(url).close()
    store = Store.open(url)
    assert store.queue.record_delivery("github", "d1", "ping")
    store.close()


def test_url_normalization() -> None:
    assert normalize_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    assert make_engine("sqlite://").dialect.name == "sqlite"


def test_deliveries_are_recorded_once(any_store: Store) -> None:
    assert any_store.queue.record_delivery("github", "abc", "push") is True
    assert any_store.queue.record_delivery("github", "abc", "push") is False
    assert any_store.queue.record_delivery("gitlab", "abc", "push") is True


def test_scan_jobs_coalesce_and_supersede(any_store: Store) -> None:
    q = any_store.queue
    first = q.enqueue("scan", "k", {"sha": "1"}, coalesce=True)
    job = q.claim()
    assert job is not None and job.id == first and job.attempts == 1
    assert q.claim() is None  # nothing else queued
    second = q.enqueue("scan", "k", {"sha": "2"}, coalesce=True)
    third = q.enqueue("scan", "k", {"sha": "3"}, coalesce=True)
    assert second == third  # the queued scan was refreshed, not duplicated
    assert q.is_superseded(job) == "scan"
    assert q.claim() is None  # the key is busy while the first runs
    q.finish(job.id, "superseded")
    nxt = q.claim()
    assert nxt is not None and nxt.payload == {"sha": "3"}
    assert q.is_superseded(nxt) is None


def test_recover_requeues_running_jobs_with_their_report(any_store: Store) -> None:
    q = any_store.queue
    q.enqueue("scan", "k", {"sha": "1"}, coalesce=True)
    job = q.claim()
    assert job is not None
    q.set_report(job.id, "77")
    [recovered] = q.recover()
    assert recovered.id == job.id
    again = q.claim()
    assert again is not None and again.report_id == "77" and again.attempts == 2


def test_other_keys_run_in_parallel_and_retry_later(any_store: Store) -> None:
    q = any_store.queue
    q.enqueue("scan", "a", {}, coalesce=True)
    q.enqueue("command", "b", {}, coalesce=False)
    a, b = q.claim(), q.claim()
    assert a is not None and b is not None and {a.key, b.key} == {"a", "b"}
    q.retry_later(b.id, 3600, "boom")
    assert q.claim() is None
    assert q.next_due() is not None


def test_scans_findings_dismissals_audit(any_store: Store) -> None:
    r = any_store.records
    scan_id = r.start_scan("github:o/r", "s" * 40, 2, "55")
    r.complete_scan(
        scan_id, conclusion="failure", found=[_finding()], policy_text="version: 1\n",
        policy_source=".mergegate.yml", org_policy_text=None, context={"errors": []},
        report_id="55",
    )
    rec = r.scan_for("github:o/r", "s" * 40)
    assert rec is not None and rec.conclusion == "failure" and rec.report_id == "55"
    assert r.findings_of(rec.id) == [_finding()]
    assert r.start_scan("github:o/r", "s" * 40, 2, "56") == scan_id  # one row per (repo, sha)

    d = Dismissal("a" * 64, "false-positive", "maint", NOW, NOW + dt.timedelta(days=1), "ok")
    r.add_dismissal("github:o/r", d)
    assert r.active_dismissals("github:o/r", NOW) == [d]
    assert r.active_dismissals("github:o/r", NOW + dt.timedelta(days=2)) == []
    assert r.active_dismissals("github:o/other", NOW) == []
    assert r.revoke_dismissals("github:o/r", ["a" * 64, "b" * 64], "maint", NOW) == ["a" * 64]
    assert r.active_dismissals("github:o/r", NOW) == []

    r.audit("github:o/r", "dismiss", "maint", "a" * 64, "false-positive: ok", "https://x/1")
    [entry] = r.audit_entries("github:o/r")
    assert (entry.action, entry.actor, entry.link) == ("dismiss", "maint", "https://x/1")
