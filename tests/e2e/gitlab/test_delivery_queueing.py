"""A GitLab delivery whose jobs cannot be queued is not remembered: its retry is handled."""

from __future__ import annotations

import sqlite3

import pytest
from mergegate.store.tables import deliveries, jobs
from sqlalchemy import func, select

from tests.e2e.github import scenario as sc
from tests.e2e.gitlab.conftest import Harness

pytestmark = pytest.mark.slow


def _count(h: Harness, table: object) -> int:
    with h.service.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


async def test_a_delivery_whose_jobs_cannot_be_queued_is_handled_when_retried(
    gitlab: Harness,
) -> None:
    h = gitlab
    mr = h.fake.open_mr(h.project, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    payload = h.payloads.merge_request("open", h.project, mr)
    database = h.service.store.engine.url.database
    assert database
    db = sqlite3.connect(database, isolation_level=None)
    # The database refuses new jobs, as when it goes away between two statements.
    db.execute("CREATE TRIGGER refuse_jobs BEFORE INSERT ON jobs "
               "BEGIN SELECT RAISE(ABORT, 'database unavailable'); END")
    try:
        failed = await h.deliver(payload, uuid_="lost-1")
        assert failed.status == 500
        assert await failed.json() == {"error": "the delivery could not be queued"}
        assert (_count(h, deliveries), _count(h, jobs)) == (0, 0)
    finally:
        db.execute("DROP TRIGGER refuse_jobs")
        db.close()
    again = await h.deliver(payload, uuid_="lost-1")  # GitLab retries the same event
    assert again.status == 202 and await again.json() == {"status": "queued"}
    await h.settle()
    [status] = h.fake.mergegate_statuses(h.project, mr.head_sha)
    assert status["status"] == "success"
    third = await h.deliver(payload, uuid_="lost-1")
    assert third.status == 200 and await third.json() == {"status": "duplicate"}
