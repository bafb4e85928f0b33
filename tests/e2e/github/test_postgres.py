"""The same flow on PostgreSQL (MERGEGATE_TEST_POSTGRES_URL; a fresh schema per test)."""

from __future__ import annotations

import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.github.conftest import Harness

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


async def test_scan_dismiss_and_duplicate_on_postgres(pg_harness: Harness) -> None:
    h = pg_harness
    assert h.service.store.engine.dialect.name == "postgresql"
    h.repo.permissions["maint"] = ("write", "maintain")
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY})
    payload = h.payloads.pull_request("opened", h.repo, pull)
    assert (await h.deliver("pull_request", payload, delivery="pg-1")).status == 202
    assert (await h.deliver("pull_request", payload, delivery="pg-1")).status == 200
    await h.settle()
    [run] = h.fake.check_runs(h.repo, pull.head_sha)
    assert run["conclusion"] == "failure"
    ids = [a["title"].split()[0] for a in run["annotations"] if a["annotation_level"] == "failure"]
    body = f"/mergegate dismiss {' '.join(ids)} accepted-risk tracked in JIRA-1"
    await h.deliver("issue_comment", h.payloads.comment(h.repo, pull, 77, "maint", body))
    await h.settle()
    assert h.fake.check_runs(h.repo, pull.head_sha)[-1]["conclusion"] == "success"
    assert [r["content"] for r in h.repo.reactions] == ["+1"]
