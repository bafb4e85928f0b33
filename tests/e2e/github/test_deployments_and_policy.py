"""Deployment gates, and the policy: edits validated, org enforcement, default-branch pushes."""

from __future__ import annotations

import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.github.conftest import Harness
from tests.e2e.github.test_pull_request_flow import open_vulnerable_pr

pytestmark = pytest.mark.slow

POLICY = """version: 1
deploy:
  environments:
    production: {require_checks: ["tests"], require_clean: true}
"""


async def _deploy(h: Harness, sha: str, env: str, run_id: int, pull: object | None) -> dict:
    resp = await h.deliver("deployment_protection_rule",
                           h.payloads.deployment(h.repo, sha, env, run_id, pull))  # type: ignore[arg-type]
    assert resp.status == 202
    await h.settle()
    [decision] = [d for d in h.repo.deployment_decisions if d["run_id"] == run_id]
    return decision


async def test_deployments_approved_and_rejected(harness: Harness) -> None:
    h = harness
    base = {**sc.BASE, ".mergegate.yml": POLICY}
    clean = h.fake.open_pull(h.repo, 3, base, {**base, "app/ok.py": sc.CLEAN_PY})
    # No verdict yet: the deployment scans the pull request's head first, then approves.
    staging = await _deploy(h, clean.head_sha, "staging", 501, clean)
    assert staging["state"] == "approved" and staging["environment_name"] == "staging"
    assert f"verdict for {clean.head_sha[:7]} is success" in staging["comment"]
    # production needs the "tests" check, which has not run.
    prod = await _deploy(h, clean.head_sha, "production", 502, clean)
    assert prod["state"] == "rejected"
    assert f"required check 'tests' has not run on {clean.head_sha[:7]}" in prod["comment"]
    h.repo.other_checks[clean.head_sha] = [{
        "id": 1, "name": "tests", "head_sha": clean.head_sha, "status": "completed",
        "conclusion": "success"}]
    assert (await _deploy(h, clean.head_sha, "production", 503, clean))["state"] == "approved"

    vulnerable = await open_vulnerable_pr(h)
    rejected = await _deploy(h, vulnerable.head_sha, "staging", 504, vulnerable)
    assert rejected["state"] == "rejected"
    assert f"the MergeGate verdict for {vulnerable.head_sha[:7]} is failure" in rejected["comment"]
    unknown = await _deploy(h, "f" * 40, "staging", 505, None)
    assert unknown["state"] == "rejected" and "has no verdict" in unknown["comment"]
    actions = [a.action for a in h.service.store.records.audit_entries()]
    assert actions.count("deployment") == 5


async def test_policy_edit_is_validated_and_described(harness: Harness) -> None:
    h = harness
    bad = h.fake.open_pull(h.repo, 4, sc.BASE, {**sc.BASE, ".mergegate.yml": "block_on: hihg\n"})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, bad))
    await h.settle()
    [run] = h.fake.check_runs(h.repo, bad.head_sha)
    errors = [a for a in run["annotations"] if a["path"] == ".mergegate.yml"]
    assert errors and errors[0]["start_line"] == 1 and errors[0]["annotation_level"] == "failure"
    assert "block_on" in errors[0]["message"]

    good = h.fake.open_pull(h.repo, 5, sc.BASE,
                            {**sc.BASE, ".mergegate.yml": "version: 1\nblock_on: critical\n"})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, good))
    await h.settle()
    [run] = h.fake.check_runs(h.repo, good.head_sha)
    assert "block_on: high → critical" in run["output"]["text"]


async def test_org_policy_is_enforced(harness: Harness) -> None:
    h = harness
    org = h.fake.repo("Codertocat/.github")
    org.installation_id = h.repo.installation_id
    h.fake.commit(org, {"mergegate/policy.yml": "version: 1\nblock_on: high\nenforce: [block_on]\n"})
    base = {**sc.BASE, ".mergegate.yml": "version: 1\nblock_on: never\n"}
    pull = h.fake.open_pull(h.repo, 6, base, {**base, "app/db.py": sc.DB_PY})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    await h.settle()
    [run] = h.fake.check_runs(h.repo, pull.head_sha)
    assert run["conclusion"] == "failure"
    assert "the organization policy enforces high" in run["output"]["text"]


async def test_policy_push_to_default_branch_rescans_open_prs(harness: Harness) -> None:
    h = harness
    base = {**sc.BASE, ".mergegate.yml": "version: 1\nblock_on: never\n"}
    pull = h.fake.open_pull(h.repo, 7, base, {**base, "app/db.py": sc.DB_PY})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    await h.settle()
    assert h.fake.check_runs(h.repo, pull.head_sha)[-1]["conclusion"] == "success"
    # main gets a stricter policy: the open PR is re-evaluated under it.
    h.repo.branches["main"] = h.fake.commit(
        h.repo, {**sc.BASE, ".mergegate.yml": "version: 1\nblock_on: high\n"}, "main2")
    push = {
        "ref": "refs/heads/main", "before": pull.base_sha, "after": h.repo.branches["main"],
        "commits": [{"id": "1" * 40, "added": [], "removed": [], "modified": [".mergegate.yml"]}],
        "repository": {"full_name": h.repo.full_name, "name": h.repo.name,
                       "default_branch": "main", "owner": {"login": h.repo.owner}},
        "installation": {"id": h.repo.installation_id},
        "pusher": {"name": "octo-admin", "email": "admin@example.com"},
        "sender": {"login": "octo-admin"},
        "compare": f"https://github.com/{h.repo.full_name}/compare/{pull.base_sha[:12]}...main2",
    }
    await h.deliver("push", push, delivery="push-1")
    assert (await (await h.deliver("push", push, delivery="push-1")).json())["status"] == "duplicate"
    await h.settle()
    [changed] = h.service.store.records.audit_entries(actions=["policy_change"])
    assert (changed.repo, changed.actor, changed.subject) == (
        f"github:{h.repo.full_name}", "octo-admin", h.repo.branches["main"])
    assert changed.detail == ".mergegate.yml changed on main"
    assert changed.link == push["compare"]
    runs = h.fake.check_runs(h.repo, pull.head_sha)
    assert len(runs) == 2 and runs[-1]["conclusion"] == "failure"
    push["commits"][0]["modified"] = ["README.md"]  # type: ignore[index]
    await h.deliver("push", push)
    await h.settle()
    assert len(h.fake.check_runs(h.repo, pull.head_sha)) == 2


async def test_deleting_the_policy_says_what_would_change(harness: Harness) -> None:
    h = harness
    base = {**sc.BASE, ".mergegate.yml": "version: 1\nblock_on: medium\n"}
    head = {k: v for k, v in base.items() if k != ".mergegate.yml"}
    pull = h.fake.open_pull(h.repo, 8, base, {**head, "app/ok.py": sc.CLEAN_PY})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    await h.settle()
    [run] = h.fake.check_runs(h.repo, pull.head_sha)
    text = run["output"]["text"]
    assert "deletes or empties .mergegate.yml; once merged the default policy would apply" in text
    assert "block_on: medium → high" in text
