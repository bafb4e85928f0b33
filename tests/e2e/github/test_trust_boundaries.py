"""A contributor with write access trying to get past the gate, through the fake GitHub.

Each test is one bypass an outside review reproduced against the bot: who may dismiss comes
from the default branch, a dismissal made elsewhere counts only if its author would be allowed
here, and the files that configure judgement are read from the base, never from the change.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.github.conftest import Harness
from tests.e2e.github.test_commands_flow import _blocking_ids, comment, latest_run
from tests.fakes.github import Pull

pytestmark = pytest.mark.slow

PERMISSIVE_POLICY = """version: 1
dismiss:
  allowed: [write]
  self_dismiss: true
  require_reason: false
"""


async def open_pr(h: Harness, number: int, base: dict[str, str | bytes],
                  head: dict[str, str | bytes], author: str, base_ref: str = "main") -> Pull:
    pull = h.fake.open_pull(h.repo, number, base, head, author)
    pull.base_ref = base_ref
    resp = await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    assert resp.status == 202
    await h.settle()
    return pull


async def rescan(h: Harness, pull: Pull, author: str, comment_id: int) -> dict[str, Any]:
    await comment(h, pull, author, "/mergegate rescan", comment_id)
    await h.settle()
    return latest_run(h, pull.head_sha)


async def test_a_branch_policy_cannot_grant_dismissal_on_the_default_branch(
    harness: Harness,
) -> None:
    """Review item 1: a branch `W` whose policy lets writers dismiss is no way in."""
    h = harness
    h.repo.permissions["writer"] = ("write", "write")
    h.repo.branches["main"] = h.fake.commit(h.repo, sc.BASE, "main")
    w_base = {**sc.BASE, ".mergegate.yml": PERMISSIVE_POLICY}
    h.repo.branches["W"] = h.fake.commit(h.repo, w_base, "W")
    head = {**sc.BASE, "app/db.py": sc.DB_PY}
    into_main = await open_pr(h, 2, sc.BASE, head, "writer")
    into_w = await open_pr(h, 3, w_base, {**w_base, "app/db.py": sc.DB_PY}, "writer", "W")
    ids = sorted(_blocking_ids(latest_run(h, into_w.head_sha)).values())
    assert ids == sorted(_blocking_ids(latest_run(h, into_main.head_sha)).values())

    await comment(h, into_w, "writer", f"/mergegate dismiss {' '.join(ids)} false-positive", 901)
    assert h.repo.reactions == []
    reply = h.repo.comments[-1]["body"]
    assert ("@writer is not allowed to dismiss findings in this repository: dismiss.allowed is "
            "maintain, admin and @writer has write") in reply
    assert h.service.store.records.active_dismissals("github:" + h.repo.full_name) == []

    run = await rescan(h, into_main, "writer", 902)
    assert run["conclusion"] == "failure"
    assert "dismissed" not in run["output"]["title"]


async def test_a_dismissal_made_under_a_weaker_policy_does_not_carry_over(
    harness: Harness,
) -> None:
    """A dismissal stored by a writer (allowed where it was made) is not applied on `main`."""
    h = harness
    h.repo.permissions["writer"] = ("write", "write")
    h.repo.default_branch = "W"  # W's permissive policy is in force while they dismiss ...
    w_base = {**sc.BASE, ".mergegate.yml": PERMISSIVE_POLICY}
    h.repo.branches["W"] = h.fake.commit(h.repo, w_base, "W")
    into_w = await open_pr(h, 3, w_base, {**w_base, "app/db.py": sc.DB_PY}, "someone", "W")
    ids = sorted(_blocking_ids(latest_run(h, into_w.head_sha)).values())
    await comment(h, into_w, "writer", f"/mergegate dismiss {' '.join(ids)} accepted-risk", 901)
    assert [r["content"] for r in h.repo.reactions] == ["+1"]
    assert latest_run(h, into_w.head_sha)["conclusion"] == "success"

    h.repo.default_branch = "main"  # ... then `main`, with the default policy, is the default
    h.repo.branches["main"] = h.fake.commit(h.repo, sc.BASE, "main")
    into_main = await open_pr(h, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY}, "someone")
    run = latest_run(h, into_main.head_sha)
    assert run["conclusion"] == "failure"
    assert sorted(_blocking_ids(run).values()) == ids


async def test_self_dismissal_through_a_copy_does_not_apply_to_ones_own_pull_request(
    harness: Harness,
) -> None:
    """Review item 2: an admin refused on their own PR dismisses the same ids on a copy."""
    h = harness
    h.repo.permissions["boss"] = ("admin", "admin")
    h.repo.branches["main"] = h.fake.commit(h.repo, sc.BASE, "main")
    head = {**sc.BASE, "app/db.py": sc.DB_PY}
    own = await open_pr(h, 2, sc.BASE, head, "boss")
    ids = sorted(_blocking_ids(latest_run(h, own.head_sha)).values())
    await comment(h, own, "boss", f"/mergegate dismiss {' '.join(ids)} wont-fix later", 901)
    assert "opened this pull request and cannot dismiss its blocking findings" in (
        h.repo.comments[-1]["body"])

    copy = await open_pr(h, 4, sc.BASE, {**head, "README.md": "# A copy\n"}, "someone-else")
    await comment(h, copy, "boss", f"/mergegate dismiss {' '.join(ids)} wont-fix later", 902)
    assert [r["content"] for r in h.repo.reactions] == ["+1"]
    assert latest_run(h, copy.head_sha)["conclusion"] == "success"

    run = await rescan(h, own, "boss", 903)
    assert run["conclusion"] == "failure"
    assert sorted(_blocking_ids(run).values()) == ids


CUSTOM_RULES = """rules:
  - id: acme.no-launch
    languages: [python]
    severity: ERROR
    message: launch_missiles() must never be called
    pattern: launch_missiles(...)
"""
RULES_POLICY = "version: 1\nsast:\n  rules: [.semgrep/custom.yml]\n"
LAUNCH_PY = "def go(launch_missiles):\n    launch_missiles(now=True)\n"


async def test_repository_rule_files_come_from_the_base(harness: Harness) -> None:
    """Review item 3: custom rules work on the bot, and a PR cannot empty them to pass."""
    h = harness
    base = {**sc.BASE, ".mergegate.yml": RULES_POLICY, ".semgrep/custom.yml": CUSTOM_RULES}
    untouched = await open_pr(h, 2, base, {**base, "app/go.py": LAUNCH_PY}, "someone")
    run = latest_run(h, untouched.head_sha)
    assert run["conclusion"] == "failure", run["output"]
    assert any("launch_missiles() must never be called" in a["message"]
               for a in run["annotations"])
    assert "no such rule file" not in run["output"]["summary"]

    emptied = await open_pr(h, 3, base, {**base, ".semgrep/custom.yml": "rules: []\n",
                                         "app/go.py": LAUNCH_PY}, "someone")
    run = latest_run(h, emptied.head_sha)
    assert run["conclusion"] == "failure"
    assert any("launch_missiles() must never be called" in a["message"]
               for a in run["annotations"])
    assert ("This pull request edits .semgrep/custom.yml, which configures how changes are "
            "judged; the base branch's version judges this pull request") in (
        run["output"]["summary"] + (run["output"].get("text") or ""))


async def test_a_rule_file_missing_on_the_base_is_a_scanner_error(harness: Harness) -> None:
    """A policy naming a rule file only the change adds: the gate fails, saying why."""
    h = harness
    base = {**sc.BASE, ".mergegate.yml": RULES_POLICY}
    pull = await open_pr(h, 2, base, {**base, ".semgrep/custom.yml": CUSTOM_RULES,
                                      "app/go.py": "x = 1\n"}, "someone")
    run = latest_run(h, pull.head_sha)
    assert run["conclusion"] == "failure"
    text = run["output"]["summary"] + (run["output"].get("text") or "")
    assert ("sast.rules: .semgrep/custom.yml: no such rule file on the protected base branch "
            "(rule files are read from the base, never from the change)") in text


async def test_a_failed_permission_look_up_gets_a_reply_and_changes_nothing(
    harness: Harness,
) -> None:
    """Review item 7: an API 500 on the permission look-up used to drop the command silently."""
    h = harness
    h.repo.permissions["maint"] = ("write", "maintain")
    pull = await open_pr(h, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY}, "someone")
    ids = sorted(_blocking_ids(latest_run(h, pull.head_sha)).values())
    h.fake.fail("GET", r"/collaborators/maint/permission", 500, times=50)
    await comment(h, pull, "maint", f"/mergegate dismiss {ids[0]} false-positive checked", 901)
    await comment(h, pull, "maint", "/mergegate rescan", 902)
    replies = [c["body"] for c in h.repo.comments]
    assert len(replies) == 2 and h.repo.reactions == []
    assert (f"`/mergegate dismiss {ids[0]} false-positive checked`: MergeGate could not check "
            "@maint's permission on this repository (the forge's API did not answer); nothing "
            "was changed, please try again in a few minutes") in replies[0]
    assert ("`/mergegate rescan`: MergeGate could not check @maint's permission") in replies[1]
    assert h.service.store.records.active_dismissals("github:" + h.repo.full_name) == []


async def test_a_command_in_an_indented_code_block_does_not_act(harness: Harness) -> None:
    h = harness
    h.repo.permissions["maint"] = ("write", "maintain")
    pull = await open_pr(h, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY}, "someone")
    ids = " ".join(sorted(_blocking_ids(latest_run(h, pull.head_sha)).values()))
    body = (f"To dismiss, a maintainer would write:\n\n    /mergegate dismiss {ids} wont-fix x\n\n"
            f"```\n/mergegate dismiss {ids} wont-fix x\n~~~\n/mergegate dismiss {ids} wont-fix x\n")
    await comment(h, pull, "maint", body, 901)
    assert h.repo.comments == [] and h.repo.reactions == []
    assert h.service.store.records.active_dismissals("github:" + h.repo.full_name) == []
    assert latest_run(h, pull.head_sha)["conclusion"] == "failure"


BACKSLASH_PY = f'''import os
from flask import request

KEY = "{sc.AWS_KEY}"


def run():
    os.system("ping " + request.args["host"])
'''


@pytest.mark.parametrize("full", [False, True], ids=["changed-files", "full-scan"])
async def test_a_backslash_in_a_file_name_is_scanned_not_skipped(harness: Harness,
                                                                   full: bool) -> None:
    """Review item 5: `cfg\\prod.py` was skipped as an unsafe path, or broke every full scan."""
    h = harness
    base = dict(sc.BASE)
    if full:
        base[".mergegate.yml"] = "version: 1\nnew_findings_only: false\n"
    name = "cfg\\prod.py"
    pull = await open_pr(h, 2, base, {**base, name: BACKSLASH_PY,
                                      "odd\nname.py": "print(1)\n"}, "someone")
    run = latest_run(h, pull.head_sha)
    assert run["conclusion"] == "failure", run["output"]
    assert "Not fully scanned" not in run["output"]["summary"]
    on_file = [a for a in run["annotations"] if a["path"] == name]
    assert {a["start_line"] for a in on_file if a["annotation_level"] == "failure"} >= {4, 8}
    assert not any(v in str(run) for v in sc.SECRET_VALUES)


SUPPRESSED_PY = '''import os
from flask import request


def run():
    os.system("ping " + request.args["host"])  # nosemgrep
'''


async def test_a_nosemgrep_comment_the_change_adds_does_not_hide_its_finding(
    harness: Harness,
) -> None:
    h = harness
    pull = await open_pr(h, 2, sc.BASE, {**sc.BASE, "app/run.py": SUPPRESSED_PY}, "someone")
    run = latest_run(h, pull.head_sha)
    assert run["conclusion"] == "failure"
    [blocking] = [a for a in run["annotations"] if a["annotation_level"] == "failure"]
    assert blocking["start_line"] == 6
    assert "does not count; someone allowed to dismiss can dismiss it" in blocking["message"]

    # The same suppression already on the protected branch, in a line the change leaves alone.
    base = {**sc.BASE, "app/run.py": SUPPRESSED_PY}
    pull = await open_pr(h, 3, base, {**base, "README.md": "# changed\n",
                                      "app/run.py": SUPPRESSED_PY + "\nX = 1\n"}, "someone")
    assert latest_run(h, pull.head_sha)["conclusion"] == "success"


async def test_an_allowlist_pragma_the_change_writes_does_not_hide_its_secret(
    harness: Harness,
) -> None:
    h = harness
    leaky = f'KEY = "{sc.AWS_KEY}"  # pragma: allowlist secret\n'
    pull = await open_pr(h, 2, sc.BASE, {**sc.BASE, "app/keys.py": leaky}, "someone")
    run = latest_run(h, pull.head_sha)
    assert run["conclusion"] == "failure"
    [key] = [a for a in run["annotations"] if a["annotation_level"] == "failure"]
    assert key["path"] == "app/keys.py" and key["start_line"] == 1
    assert "a change cannot allowlist its own secret" in key["message"]
    assert sc.AWS_KEY not in str(run)
    # Already allowlisted on the protected branch, in a line the change leaves alone: honoured.
    base = {**sc.BASE, "app/keys.py": leaky}
    pull = await open_pr(h, 3, base, {**base, "app/keys.py": leaky + "X = 1\n"}, "someone")
    assert latest_run(h, pull.head_sha)["conclusion"] == "success"
