"""The dashboard's queries on SQLite and PostgreSQL: open changes (a cancel after the latest
scan closes a change, a newer scan reopens it), only the repositories asked for."""

from __future__ import annotations

import datetime as dt
import json

from mergegate.dashboard.queries import AuditFilter, DashboardQueries, DismissalFilter
from mergegate.store.service_store import Store
from mergegate.store.tables import jobs

from tests.dashboard.conftest import NOW, dismissal


def scan(store: Store, repo: str, number: int, sha: str, conclusion: str,
         blocking: dict[str, int]) -> None:
    scan_id = store.records.start_scan(repo, sha, number, None)
    store.records.complete_scan(scan_id, conclusion=conclusion, found=[], policy_text=None,
                                policy_source=None, org_policy_text=None, context={},
                                report_id=None, blocking=blocking)


def test_open_changes_and_their_states(any_store: Store) -> None:
    store, q = any_store, DashboardQueries(any_store.engine)
    scan(store, "github:a/one", 1, "1" * 40, "failure", {"sast|high": 2})
    scan(store, "github:a/one", 2, "2" * 40, "success", {})
    scan(store, "github:a/two", 1, "3" * 40, "failure", {"secrets|critical": 1})
    store.queue.enqueue("cancel", "github:a/one#2", {}, coalesce=False)  # #2 closed
    rows = q.open_changes(["github:a/one", "github:a/two"])
    assert sorted((r.repo, r.number, r.state, r.blocking_total) for r in rows) == [
        ("github:a/one", 1, "blocked", 2), ("github:a/two", 1, "blocked", 1)]
    assert [r.number for r in q.open_changes(["github:a/two"])] == [1]
    assert q.open_changes([]) == []
    # a new push after the close (reopened) makes it open again, at its newest head
    scan(store, "github:a/one", 2, "4" * 40, "failure", {"sast|low": 1})
    assert {(r.number, r.sha) for r in q.open_changes(["github:a/one"])} == {
        (1, "1" * 40), (2, "4" * 40)}
    with store.engine.connect() as conn:
        assert json.loads(conn.execute(jobs.select()).first().payload) == {}


def test_audit_and_dismissals_stay_within_the_repositories_asked_for(any_store: Store) -> None:
    store, q = any_store, DashboardQueries(any_store.engine)
    store.records.audit("github:a/one", "dismiss", "maint", "f" * 64, "ok")
    store.records.audit("github:a/secret", "dismiss", "maint", "e" * 64, "hidden")
    store.records.add_dismissal("github:a/one", dismissal("a" * 64, expires=NOW + dt.timedelta(days=2)))
    store.records.add_dismissal("github:a/secret", dismissal("b" * 64))
    assert [e.repo for e in q.audit(["github:a/one"], AuditFilter())] == ["github:a/one"]
    assert q.audit(["github:a/one"], AuditFilter(actor="MAINT"))[0].actor == "maint"
    assert q.audit(["github:a/one"], AuditFilter(repo="a/secret")) == []
    sections = q.dismissal_sections(["github:a/one"], NOW, DismissalFilter())
    assert [d.fingerprint for d in sections.expiring] == ["a" * 64]
    assert sections.active == [] and sections.expired == []


def test_dismissal_sections_count_what_they_leave_out(any_store: Store) -> None:
    store, q = any_store, DashboardQueries(any_store.engine)
    for fp in ("a", "b", "c"):
        store.records.add_dismissal("github:a/one", dismissal(fp * 64))
    store.records.add_dismissal("github:a/one", dismissal("d" * 64, expires=NOW - dt.timedelta(days=1)))
    sections = q.dismissal_sections(["github:a/one"], NOW, DismissalFilter(), limit=2)
    assert len(sections.active) == 2 and len(sections.expired) == 1
    assert sections.totals == {"active": 3, "expiring": 0, "expired": 1}
