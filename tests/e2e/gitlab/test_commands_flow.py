"""Slash commands in MR notes: a Developer refused and a Maintainer accepted under
`dismiss.allowed: [maintain]`, a group entry, and the notes that must never act."""

from __future__ import annotations

import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.gitlab.conftest import Harness
from tests.fakes.gitlab import MR

pytestmark = pytest.mark.slow

POLICY = "version: 1\ndismiss: {allowed: [maintain, \"@acme/security\"]}\n"


async def open_mr(h: Harness) -> tuple[MR, list[str]]:
    base = {**sc.BASE, ".mergegate.yml": POLICY}
    mr = h.fake.open_mr(h.project, 5, base, {**base, "app/db.py": sc.DB_PY}, author="dev")
    assert (await h.deliver(h.payloads.merge_request("open", h.project, mr))).status == 202
    await h.settle()
    scan = h.service.store.records.scan_for("gitlab:" + h.project.path, mr.head_sha)
    assert scan is not None
    return mr, [f.id for f in h.service.store.records.findings_of(scan.id)]


def replies(h: Harness, mr: MR) -> list[str]:
    return [str(n["body"]) for n in h.project.notes[mr.iid]
            if "<!-- mergegate:reply -->" in str(n["body"])]


async def test_developer_refused_maintainer_accepted(gitlab: Harness) -> None:
    h = gitlab
    h.project.members.update({"dev": 30, "maintainer": 40})
    mr, ids = await open_mr(h)
    assert len(ids) == 2
    command = f"/mergegate dismiss {' '.join(ids)} false-positive constants only, test data"

    await h.deliver(h.payloads.note(h.project, mr, 9001, "dev", command))
    await h.settle()
    [reply] = replies(h, mr)
    assert reply.startswith("<!-- mergegate:reply -->\n@dev ")
    assert ("@dev is not allowed to dismiss findings in this repository: dismiss.allowed is "
            "maintain, @acme/security and @dev has write") in reply
    assert h.project.emoji == []
    assert h.fake.mergegate_statuses(h.project, mr.head_sha)[-1]["status"] == "failed"

    await h.deliver(h.payloads.note(h.project, mr, 9002, "maintainer", command))
    await h.settle()
    assert [(e["note_id"], e["name"]) for e in h.project.emoji] == [(9002, "thumbsup")]
    assert len(replies(h, mr)) == 1
    latest = h.fake.mergegate_statuses(h.project, mr.head_sha)[-1]
    assert latest["status"] == "success"
    [note] = [n for n in h.project.notes[mr.iid] if "mergegate:summary" in str(n["body"])]
    assert "dismissed (false-positive by maintainer)" in str(note["body"])
    assert [t["history"] for t in h.project.discussions[mr.iid]] == [
        ["created", "resolved"], ["created", "resolved"]]
    actions = [a.action for a in h.service.store.records.audit_entries()]
    assert actions.count("refused") == 1 and actions.count("dismiss") == 2


async def test_group_member_may_dismiss(gitlab: Harness) -> None:
    h = gitlab
    h.project.members.update({"dev": 30, "sec": 20})
    h.fake.groups["acme/security"] = {"sec": 30}
    mr, ids = await open_mr(h)
    await h.deliver(h.payloads.note(h.project, mr, 9003, "sec",
                                    f"/mergegate dismiss {ids[0]} accepted-risk reviewed"))
    await h.settle()
    assert [e["name"] for e in h.project.emoji] == ["thumbsup"]
    assert h.fake.calls("GET", "group_members")[0].path.endswith("/groups/acme%2Fsecurity/members/all")


async def test_notes_that_never_act(gitlab: Harness) -> None:
    h = gitlab
    h.project.members.update({"maintainer": 40})
    mr, ids = await open_mr(h)
    command = f"/mergegate dismiss {ids[0]} false-positive reason"
    before = len(h.fake.requests)
    ignored = [
        h.payloads.commit_note(h.project, 9010, "maintainer", command),
        h.payloads.note(h.project, mr, 9011, "maintainer", command, system=True),
        h.payloads.note(h.project, mr, 9012, "maintainer", command, action="update"),
        h.payloads.note(h.project, mr, 9013, "project_1_bot_3f2a9c", command),
        h.payloads.note(h.project, mr, 9014, "maintainer",
                        "<!-- mergegate:reply -->\n@x " + command),
        h.payloads.note(h.project, mr, 9015, "maintainer", "looks good to me"),
    ]
    for payload in ignored:
        resp = await h.deliver(payload)
        assert resp.status == 200 and (await resp.json())["status"] == "ignored"
    h.forge.bot_username = "mergegate-bot"
    resp = await h.deliver(h.payloads.note(h.project, mr, 9016, "mergegate-bot", command))
    assert (await resp.json())["why"] == "a note written by a bot"
    await h.settle()
    assert len(h.fake.requests) == before
    assert h.service.store.records.active_dismissals("gitlab:" + h.project.path) == []


async def test_commit_note_reason(gitlab: Harness) -> None:
    h = gitlab
    resp = await h.deliver(h.payloads.commit_note(h.project, 1, "root", "/mergegate rescan"))
    assert await resp.json() == {"status": "ignored",
                                 "why": "a note on a Commit, not on a merge request"}
