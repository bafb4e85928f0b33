"""The scheduler end to end through the fake GitHub: an expired dismissal turns the check red
again without a push; an organization policy push re-evaluates every repository of the org."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from mergegate.service.schedule import tick

from tests.e2e.github import scenario as sc
from tests.e2e.github.conftest import Harness
from tests.e2e.github.test_commands_flow import _blocking_ids, comment, latest_run
from tests.e2e.github.test_pull_request_flow import open_vulnerable_pr

pytestmark = pytest.mark.slow


async def test_an_expired_dismissal_turns_the_check_red_after_one_tick(harness: Harness) -> None:
    h = harness
    h.repo.permissions["maint"] = ("write", "maintain")
    pull: Any = await open_vulnerable_pr(h)
    sqli = _blocking_ids(latest_run(h, pull.head_sha))[sc.SQLI_LINE]
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date()
    await comment(h, pull, "maint",
                  f"/mergegate dismiss {sqli} accepted-risk until {tomorrow} fix scheduled")
    dismissed = latest_run(h, pull.head_sha)
    assert sc.SQLI_LINE not in _blocking_ids(dismissed)
    assert await tick(h.service) == 0  # not expired yet
    await h.settle()
    assert latest_run(h, pull.head_sha)["id"] == dismissed["id"]

    h.service.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    assert await tick(h.service) == 1
    await h.settle()
    run = latest_run(h, pull.head_sha)
    assert run["id"] != dismissed["id"] and run["completions"] == 1
    assert run["conclusion"] == "failure"
    assert _blocking_ids(run)[sc.SQLI_LINE] == sqli
    [expired] = h.service.store.records.audit_entries(actions=["expired"])
    assert expired.repo == f"github:{h.repo.full_name}" and expired.actor == "mergegate"
    assert expired.detail.startswith(f"accepted-risk by maint expired at {tomorrow} 23:59:59")
    assert expired.link and expired.link.endswith("#issuecomment-900")
    # No rescan: the files were fetched once, for the pull request's scan.
    assert len(h.fake.calls("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files")) == 1
    assert await tick(h.service) == 0


async def test_an_organization_policy_push_re_evaluates_every_repository(
    harness: Harness,
) -> None:
    h = harness
    org = h.fake.repo("Codertocat/.github")
    org.installation_id = h.repo.installation_id
    lenient = "version: 1\nblock_on: never\nenforce: [block_on]\n"
    org.branches["main"] = h.fake.commit(org, {"mergegate/policy.yml": lenient})
    other = h.fake.repo("Codertocat/Other")
    pulls = {}
    base: dict[str, str | bytes] = dict(sc.BASE)
    for repo, number in ((h.repo, 3), (other, 4)):
        pull = h.fake.open_pull(repo, number, base, {**base, "app/db.py": sc.DB_PY})
        await h.deliver("pull_request", h.payloads.pull_request("opened", repo, pull))
        pulls[repo.full_name] = (repo, pull)
    await h.settle()
    for repo, pull in pulls.values():
        assert [r["conclusion"] for r in h.fake.check_runs(repo, pull.head_sha)] == ["success"]

    strict = "version: 1\nblock_on: high\nenforce: [block_on]\n"
    org.branches["main"] = h.fake.commit(org, {"mergegate/policy.yml": strict}, "strict")
    push = {
        "ref": "refs/heads/main", "before": "0" * 40, "after": org.branches["main"],
        "commits": [{"id": "2" * 40, "added": [], "removed": [],
                     "modified": ["mergegate/policy.yml"]}],
        "repository": {"full_name": org.full_name, "name": org.name, "default_branch": "main",
                       "owner": {"login": org.owner}},
        "installation": {"id": org.installation_id},
    }
    resp = await h.deliver("push", push)
    assert resp.status == 202
    [changed] = h.service.store.records.audit_entries(actions=["policy_change"])
    assert changed.repo == f"github:{org.full_name}" and changed.actor == "unknown"
    assert changed.detail == "mergegate/policy.yml changed on the organization Codertocat"
    await h.settle()
    for repo, pull in pulls.values():
        runs = h.fake.check_runs(repo, pull.head_sha)
        assert [r["conclusion"] for r in runs] == ["success", "failure"], repo.full_name
        assert runs[-1]["output"]["title"].endswith("blocking findings")
