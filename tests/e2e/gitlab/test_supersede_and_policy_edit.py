"""A push during a scan supersedes it (its status is canceled, the new head is reported);
an MR that edits the policy gets the new file validated in the note; `/mergegate rescan`."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.gitlab.conftest import Harness

pytestmark = pytest.mark.slow


async def test_push_during_scan_supersedes_it(gitlab: Harness) -> None:
    h = gitlab
    mr = h.fake.open_mr(h.project, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY})
    first = mr.head_sha
    gate = asyncio.Event()
    h.fake.hold[r"app%2Fdb\.py/raw$"] = gate
    await h.deliver(h.payloads.merge_request("open", h.project, mr))
    for _ in range(200):
        if any(r.path.endswith("app%2Fdb.py/raw") for r in h.fake.calls("GET", "raw")):
            break
        await asyncio.sleep(0.02)
    second = h.fake.push(h.project, mr.iid, {**sc.BASE, "app/db.py": sc.CLEAN_PY})
    await h.deliver(h.payloads.merge_request("update", h.project, mr, oldrev=first))
    del h.fake.hold[r"app%2Fdb\.py/raw$"]
    gate.set()
    await h.settle()
    [old] = h.fake.mergegate_statuses(h.project, first)
    assert old["history"] == ["pending", "running", "canceled"]
    assert old["description"] == ("A newer commit was pushed to the merge request; it is being "
                                  "scanned instead.")
    [new] = h.fake.mergegate_statuses(h.project, second)
    assert new["history"][-1] == "success"
    [note] = [n for n in h.project.notes[2] if "mergegate:summary" in str(n["body"])]
    assert second[:12] in str(note["body"])


async def test_policy_edit_is_validated_in_the_note(gitlab: Harness) -> None:
    h = gitlab
    base = {**sc.BASE, ".mergegate.yml": "version: 1\n"}
    mr = h.fake.open_mr(h.project, 3, base, {**base, ".mergegate.yml": "version: 1\nblok_on: x\n"})
    await h.deliver(h.payloads.merge_request("open", h.project, mr))
    await h.settle()
    [note] = [n for n in h.project.notes[3] if "mergegate:summary" in str(n["body"])]
    body = str(note["body"])
    assert "### Policy file errors in this merge request" in body
    assert "- `.mergegate.yml:2:1`: " in body and "blok_on" in body
    assert "This merge request edits .mergegate.yml, and the new file has 1 error(s)" in body


async def test_a_merge_request_that_deletes_the_policy_gets_a_note(gitlab: Harness) -> None:
    """GitLab's copy of the fetch code had lost this branch; both forges share it now."""
    h = gitlab
    base = {**sc.BASE, ".mergegate.yml": "version: 1\nblock_on: low\n"}
    mr = h.fake.open_mr(h.project, 5, base, dict(sc.BASE))
    await h.deliver(h.payloads.merge_request("open", h.project, mr))
    await h.settle()
    [note] = [n for n in h.project.notes[5] if "mergegate:summary" in str(n["body"])]
    body = str(note["body"])
    assert ("This merge request deletes or empties .mergegate.yml; once merged the default "
            "policy would apply:") in body
    assert "block_on: low -> high" in body or "block_on" in body


async def test_rescan_command(gitlab: Harness) -> None:
    h = gitlab
    h.project.members["dev"] = 30
    mr = h.fake.open_mr(h.project, 4, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    await h.deliver(h.payloads.merge_request("open", h.project, mr))
    await h.settle()
    await h.deliver(h.payloads.note(h.project, mr, 7001, "dev", "/mergegate rescan"))
    await h.settle()
    assert [s["history"] for s in h.fake.mergegate_statuses(h.project, mr.head_sha)] == [
        ["pending", "running", "success"], ["pending", "running", "success"]]
    assert [(e["note_id"], e["name"]) for e in h.project.emoji] == [(7001, "thumbsup")]
