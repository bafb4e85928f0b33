"""A merge request adding SQL injection and an AWS key: a failed `mergegate` status, one
summary note (edited on the next push, never duplicated), nothing secret in any request."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.gitlab.conftest import SECRET, Harness
from tests.fakes.gitlab import MR, TOKEN

pytestmark = pytest.mark.slow


async def open_vulnerable_mr(h: Harness, author: str = "root") -> MR:
    mr = h.fake.open_mr(h.project, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY}, author)
    resp = await h.deliver(h.payloads.merge_request("open", h.project, mr))
    assert resp.status == 202
    await h.settle()
    return mr


def summary_notes(h: Harness, mr: MR) -> list[dict[str, object]]:
    return [n for n in h.project.notes.get(mr.iid, [])
            if "<!-- mergegate:summary -->" in str(n["body"])]


async def test_findings_reported_as_failed_status_and_one_note(
    gitlab: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    h = gitlab
    mr = await open_vulnerable_mr(h)
    [status] = h.fake.mergegate_statuses(h.project, mr.head_sha)
    assert status["history"] == ["pending", "running", "failed"]
    assert str(status["description"]).endswith("blocking findings")
    [note] = summary_notes(h, mr)
    body = str(note["body"])
    assert status["target_url"] == f"{h.project.web_url}/-/merge_requests/2#note_{note['id']}"
    assert f"app/db.py:{sc.SQLI_LINE}" in body and f"app/db.py:{sc.KEY_LINE}" in body
    assert f"/-/blob/{mr.head_sha}/app/db.py#L{sc.SQLI_LINE}" in body
    assert "merge request" in body and "pull request" not in body
    # Each blocking finding has an inline discussion on its line of the diff.
    threads = h.project.discussions[mr.iid]
    assert sorted(t["notes"][0]["position"]["new_line"] for t in threads) == sorted(
        [sc.SQLI_LINE, sc.KEY_LINE])
    assert all(t["notes"][0]["position"]["new_path"] == "app/db.py" for t in threads)
    assert all("<!-- mergegate:finding:" in t["notes"][0]["body"] for t in threads)
    # Files were read at the head, never by running anything; nothing secret left the bot.
    raws = h.fake.calls("GET", "raw")
    assert {r.query.get("ref") for r in raws} >= {mr.head_sha, "master"}
    for rec in h.fake.requests:
        blob = rec.path + repr(rec.query) + rec.body.decode(errors="replace")
        for value in (*sc.SECRET_VALUES, SECRET, TOKEN):
            assert value not in blob
        assert SECRET not in repr(rec.headers)
    for value in (*sc.SECRET_VALUES, SECRET, TOKEN):
        assert value not in caplog.text


async def test_push_edits_the_note_and_title_only_update_does_nothing(gitlab: Harness) -> None:
    h = gitlab
    mr = await open_vulnerable_mr(h)
    [note] = summary_notes(h, mr)
    before = len(h.fake.requests)
    title_only = h.payloads.merge_request("update", h.project, mr, changes={
        "title": {"previous": "MS-Viewport", "current": "Draft: MS-Viewport"}})
    resp = await h.deliver(title_only)
    assert resp.status == 200 and (await resp.json())["status"] == "ignored"
    await h.settle()
    assert len(h.fake.requests) == before

    old = mr.head_sha
    fixed = h.fake.push(h.project, mr.iid, {**sc.BASE, "app/db.py": sc.CLEAN_PY})
    resp = await h.deliver(h.payloads.merge_request("update", h.project, mr, oldrev=old))
    assert resp.status == 202
    await h.settle()
    [status] = h.fake.mergegate_statuses(h.project, fixed)
    assert status["history"][-1] == "success"
    [same] = summary_notes(h, mr)
    assert same["id"] == note["id"] and same["edits"] == 1
    assert "No findings." in str(same["body"]) and fixed[:12] in str(same["body"])
    assert len(h.fake.calls("POST", "note")) == 1
    # The fixed findings' discussions are resolved, not deleted or duplicated.
    assert [t["history"] for t in h.project.discussions[mr.iid]] == [
        ["created", "resolved"], ["created", "resolved"]]


async def test_close_cancels_and_redelivery_is_a_no_op(gitlab: Harness) -> None:
    h = gitlab
    mr = h.fake.open_mr(h.project, 3, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    payload = h.payloads.merge_request("open", h.project, mr)
    first = await h.deliver(payload, uuid_="same-uuid")
    again = await h.deliver(payload, uuid_="same-uuid")
    assert first.status == 202 and again.status == 200
    assert (await again.json())["status"] == "duplicate"
    await h.settle()
    [status] = h.fake.mergegate_statuses(h.project, mr.head_sha)
    assert status["history"] == ["pending", "running", "success"]
    resp = await h.deliver(h.payloads.merge_request("close", h.project, mr))
    assert resp.status == 202
    await h.settle()
    assert h.service.store.queue.pending() == 0
