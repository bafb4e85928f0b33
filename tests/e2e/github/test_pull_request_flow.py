"""A PR adding SQL injection and an AWS key: failing check with annotations at the right
lines, nothing secret in any request, row or log; then the commands around it."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import MetaData, select

from tests.e2e.github import scenario as sc
from tests.e2e.github.conftest import Harness

pytestmark = pytest.mark.slow


def _all_rows(h: Harness) -> str:
    md = MetaData()
    md.reflect(h.service.store.engine)
    out = []
    with h.service.store.engine.connect() as conn:
        for table in md.sorted_tables:
            out += [repr(tuple(r)) for r in conn.execute(select(table))]
    return "\n".join(out)


async def open_vulnerable_pr(h: Harness, author: str = "Codertocat") -> object:
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY}, author)
    resp = await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    assert resp.status == 202
    await h.settle()
    return pull


async def test_vulnerable_pr_fails_with_annotations_and_no_secret_anywhere(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    h = harness
    pull = await open_vulnerable_pr(h)
    [run] = h.fake.check_runs(h.repo, pull.head_sha)
    assert run["name"] == "mergegate" and run["status"] == "completed"
    assert run["conclusion"] == "failure" and run["completions"] == 1
    assert run["output"]["title"].endswith("blocking findings")
    by_line = {(a["path"], a["start_line"]): a for a in run["annotations"]}
    assert by_line[("app/db.py", sc.SQLI_LINE)]["annotation_level"] == "failure"
    assert by_line[("app/db.py", sc.KEY_LINE)]["annotation_level"] == "failure"
    assert "mg-" in by_line[("app/db.py", sc.SQLI_LINE)]["title"]
    assert run["actions"][0]["identifier"] == "rescan"
    assert "/mergegate dismiss" in run["output"]["summary"]
    # The first request was the in-progress check run, before any file was fetched.
    posts = h.fake.calls("POST", "/repos/{owner}/{repo}/check-runs")
    assert posts[0].json()["status"] == "in_progress"
    # No secret in any request, stored row or log line.
    for rec in h.fake.requests:
        blob = rec.path + repr(rec.query) + rec.body.decode(errors="replace")
        for value in sc.SECRET_VALUES:
            assert value not in blob
    rows = _all_rows(h)
    assert "secrets.aws-access-key" in rows  # the findings table was searched too
    for value in sc.SECRET_VALUES:
        assert value not in rows
        assert value not in caplog.text
    audit = h.service.store.records.audit_entries()
    assert [a.action for a in audit] == ["verdict"]
