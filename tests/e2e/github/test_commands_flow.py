"""Slash commands end to end: dismissals by a maintainer, refusals, moves, rescans."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.github.conftest import Harness
from tests.e2e.github.test_pull_request_flow import open_vulnerable_pr

pytestmark = pytest.mark.slow


def _blocking_ids(run: dict[str, Any]) -> dict[int, str]:
    """line -> finding id of the failure annotations of a check run."""
    return {a["start_line"]: a["title"].split()[0] for a in run["annotations"]
            if a["annotation_level"] == "failure"}


async def comment(h: Harness, pull: Any, author: str, body: str, comment_id: int = 900,
                  user_type: str = "User") -> None:
    resp = await h.deliver("issue_comment",
                           h.payloads.comment(h.repo, pull, comment_id, author, body, user_type))
    assert resp.status in (200, 202)  # 200: nothing to do (a bot, no command)
    await h.settle()


def latest_run(h: Harness, sha: str) -> dict[str, Any]:
    return h.fake.check_runs(h.repo, sha)[-1]


async def test_maintainer_dismisses_one_and_the_check_updates(harness: Harness) -> None:
    h = harness
    h.repo.permissions["maint"] = ("write", "maintain")
    pull = await open_vulnerable_pr(h)
    first = latest_run(h, pull.head_sha)
    sqli = _blocking_ids(first)[sc.SQLI_LINE]
    blocking_before = len(_blocking_ids(first))
    started = time.perf_counter()
    await comment(h, pull, "maint", f"/mergegate dismiss {sqli} false-positive name is validated")
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0
    assert [r["content"] for r in h.repo.reactions] == ["+1"]
    assert h.repo.comments == []
    run = latest_run(h, pull.head_sha)
    assert run["id"] != first["id"] and run["completions"] == 1
    assert sc.SQLI_LINE not in _blocking_ids(run)
    assert len(_blocking_ids(run)) == blocking_before - 1
    dismissed = [a for a in run["annotations"] if a["start_line"] == sc.SQLI_LINE]
    assert "dismissed by maint (false-positive)" in dismissed[0]["message"]
    assert "maint" in run["output"]["summary"]
    [audit] = [a for a in h.service.store.records.audit_entries() if a.action == "dismiss"]
    assert audit.actor == "maint" and audit.link and audit.link.endswith("#issuecomment-900")
    # The scanners did not run again: no new file fetches after the dismissal.
    assert len(h.fake.calls("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files")) == 1

    # Dismissing the rest turns the check green.
    rest = " ".join(_blocking_ids(run).values())
    await comment(h, pull, "maint", f"/mergegate dismiss {rest} accepted-risk rotated already",
                  901)
    assert latest_run(h, pull.head_sha)["conclusion"] == "success"
    # And undismissing brings the SQL injection back.
    await comment(h, pull, "maint", f"/mergegate undismiss {sqli}", 902)
    assert sc.SQLI_LINE in _blocking_ids(latest_run(h, pull.head_sha))


async def test_read_only_user_and_author_are_refused_with_a_reply(harness: Harness) -> None:
    h = harness
    h.repo.permissions["reader"] = ("read", "read")
    h.repo.permissions["Codertocat"] = ("admin", "admin")  # the author, even as an admin
    pull = await open_vulnerable_pr(h, author="Codertocat")
    sqli = _blocking_ids(latest_run(h, pull.head_sha))[sc.SQLI_LINE]
    runs_before = len(h.fake.check_runs(h.repo))
    await comment(h, pull, "reader", f"/mergegate dismiss {sqli} false-positive trust me")
    await comment(h, pull, "Codertocat", f"/mergegate dismiss {sqli} wont-fix later", 901)
    replies = [c["body"] for c in h.repo.comments]
    assert len(replies) == 2 and h.repo.reactions == []
    assert ("@reader is not allowed to dismiss findings in this repository: dismiss.allowed "
            "is maintain, admin and @reader has read") in replies[0]
    assert replies[0].startswith("@reader ")
    assert (f"@Codertocat opened this pull request and cannot dismiss its blocking findings "
            f"(dismiss.self_dismiss is false): {sqli}") in replies[1]
    assert len(h.fake.check_runs(h.repo)) == runs_before  # nothing changed
    assert h.service.store.records.active_dismissals("github:" + h.repo.full_name) == []


async def test_unknown_ids_bad_syntax_bots_and_help(harness: Harness) -> None:
    h = harness
    h.repo.permissions["maint"] = ("write", "maintain")
    pull = await open_vulnerable_pr(h)
    ids = sorted(_blocking_ids(latest_run(h, pull.head_sha)).values())
    await comment(h, pull, "maint", "/mergegate dismiss mg-00000000 false-positive nope")
    reply = h.repo.comments[-1]["body"]
    assert "unknown finding id mg-00000000; the findings of this pull request are" in reply
    assert all(i in reply for i in ids)
    await comment(h, pull, "maint", "/mergegate dismiss", 901)
    assert "dismiss needs at least one finding id (mg-xxxxxxxx)" in h.repo.comments[-1]["body"]
    n = len(h.repo.comments)
    await comment(h, pull, "dependabot[bot]", "/mergegate rescan", 902, user_type="Bot")
    await comment(h, pull, "maint", "nothing for the bot here", 903)
    assert len(h.repo.comments) == n and h.repo.reactions == []
    await comment(h, pull, "maint", "/mergegate help", 904)
    assert "/mergegate dismiss <id>" in h.repo.comments[-1]["body"]
    await comment(h, pull, "maint", f"/mergegate explain {ids[0]}", 905)
    assert ids[0] in h.repo.comments[-1]["body"]


async def test_edited_comment_is_ignored(harness: Harness) -> None:
    h = harness
    pull = await open_vulnerable_pr(h)
    payload = h.payloads.comment(h.repo, pull, 950, "maint", "/mergegate rescan")
    payload["action"] = "edited"
    runs = len(h.fake.check_runs(h.repo))
    resp = await h.deliver("issue_comment", payload)
    assert resp.status == 200 and (await resp.json())["why"] == "only new comments act"
    await h.settle()
    assert len(h.fake.check_runs(h.repo)) == runs and h.repo.reactions == []


async def test_push_that_moves_the_code_keeps_the_dismissal(harness: Harness) -> None:
    h = harness
    h.repo.permissions["maint"] = ("write", "maintain")
    pull = await open_vulnerable_pr(h)
    sqli = _blocking_ids(latest_run(h, pull.head_sha))[sc.SQLI_LINE]
    await comment(h, pull, "maint", f"/mergegate dismiss {sqli} false-positive validated")
    h.fake.push(h.repo, 2, {**sc.BASE, "app/db.py": sc.DB_PY_MOVED})
    resp = await h.deliver("pull_request", h.payloads.pull_request("synchronize", h.repo, pull))
    assert resp.status == 202
    await h.settle()
    run = latest_run(h, pull.head_sha)
    moved = [a for a in run["annotations"] if a["start_line"] == sc.SQLI_LINE_MOVED]
    assert moved and moved[0]["title"].startswith(sqli)
    assert moved[0]["annotation_level"] != "failure"
    assert sc.SQLI_LINE_MOVED not in _blocking_ids(run)


async def test_rescan_command_and_rescan_button(harness: Harness) -> None:
    h = harness
    h.repo.permissions["dev"] = ("write", "write")
    pull = await open_vulnerable_pr(h)
    await comment(h, pull, "dev", "/mergegate rescan")
    assert [r["content"] for r in h.repo.reactions] == ["+1"]
    assert len(h.fake.check_runs(h.repo, pull.head_sha)) == 2
    resp = await h.deliver("check_run",
                           h.payloads.check_run("requested_action", h.repo, pull, "rescan"))
    assert resp.status == 202
    await h.settle()
    runs = h.fake.check_runs(h.repo, pull.head_sha)
    assert len(runs) == 3 and all(r["completions"] == 1 for r in runs)
    assert runs[-1]["conclusion"] == "failure"
    # Another App's button, or an unknown identifier, does nothing.
    await h.deliver("check_run", h.payloads.check_run("requested_action", h.repo, pull, "lgtm"))
    await h.deliver("check_run", h.payloads.check_run("rerequested", h.repo, pull, name="other"))
    await h.settle()
    assert len(h.fake.check_runs(h.repo, pull.head_sha)) == 3
    await h.deliver("check_run", h.payloads.check_run("rerequested", h.repo, pull))
    await h.settle()
    assert len(h.fake.check_runs(h.repo, pull.head_sha)) == 4


async def test_a_command_during_a_scan_waits_for_its_findings(harness: Harness) -> None:
    h = harness
    h.repo.permissions["maint"] = ("write", "maintain")
    pull = await open_vulnerable_pr(h)
    sqli = _blocking_ids(latest_run(h, pull.head_sha))[sc.SQLI_LINE]
    h.fake.push(h.repo, 2, {**sc.BASE, "app/db.py": sc.DB_PY_MOVED})
    await h.deliver("pull_request", h.payloads.pull_request("synchronize", h.repo, pull))
    # Sent before the new head is scanned: answered once its findings are known.
    await comment(h, pull, "maint", f"/mergegate dismiss {sqli} false-positive validated")
    assert h.repo.comments == [] and [r["content"] for r in h.repo.reactions] == ["+1"]
    assert sc.SQLI_LINE_MOVED not in _blocking_ids(latest_run(h, pull.head_sha))
    metrics = await (await h.client.get("/metrics")).text()
    assert 'mergegate_deliveries_total{event="issue_comment",outcome="accepted"} 1.0' in metrics
