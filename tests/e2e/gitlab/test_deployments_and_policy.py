"""The promotion gate through GitLab's deployment approval API, the group policy project
with `enforce:`, policy pushes re-evaluating open MRs, full scans and the status check."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.gitlab.conftest import Harness

pytestmark = pytest.mark.slow

GROUP_POLICY = "version: 1\nblock_on: medium\nenforce: [block_on]\n"


@pytest.fixture
def gitlab_extra_settings() -> dict[str, Any]:
    return {"gitlab_policy_project": "acme/policies", "gitlab_status_check_id": "42"}


async def test_deployments_approved_when_clean_rejected_when_not(gitlab: Harness) -> None:
    h = gitlab
    h.fake.project("acme/policies", 9).commits["p"] = {}
    clean = h.fake.open_mr(h.project, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    bad = h.fake.open_mr(h.project, 3, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY})
    for mr in (clean, bad):
        await h.deliver(h.payloads.merge_request("open", h.project, mr))
    await h.settle()
    h.project.deployments[15] = {"status": "blocked"}
    h.project.deployments[16] = {"status": "blocked"}
    h.project.deployments[17] = {"status": "success"}
    for dep_id, sha in ((15, clean.head_sha), (16, bad.head_sha)):
        resp = await h.deliver(h.payloads.deployment(h.project, dep_id, sha, "production"))
        assert resp.status == 202
    resp = await h.deliver(h.payloads.deployment(h.project, 17, clean.head_sha, "production",
                                                 status="success"))
    assert (await resp.json())["status"] == "ignored"
    await h.settle()
    by_id = {a["deployment_id"]: a for a in h.project.approvals}
    assert sorted(by_id) == [15, 16]
    assert by_id[15]["status"] == "approved"
    assert by_id[15]["comment"].startswith("MergeGate approved deployment to production: "
                                           f"the MergeGate verdict for {clean.head_sha[:7]}")
    assert by_id[16]["status"] == "rejected"
    assert "blocking findings" in by_id[16]["comment"]
    # The external status check was answered for each head.
    assert {(r["sha"], r["status"], r["external_status_check_id"])
            for r in h.project.check_responses} == {
        (clean.head_sha, "passed", 42), (bad.head_sha, "failed", 42)}


async def test_group_policy_enforced_and_policy_push_reevaluates(gitlab: Harness) -> None:
    h = gitlab
    policies = h.fake.project("acme/policies", 9)
    policies.branches["master"] = h.fake.commit(policies, {"mergegate/policy.yml": GROUP_POLICY})
    weak = {**sc.BASE, ".mergegate.yml": "version: 1\nblock_on: critical\n"}
    mr = h.fake.open_mr(h.project, 4, weak, {**weak, "app/db.py": sc.DB_PY})
    await h.deliver(h.payloads.merge_request("open", h.project, mr))
    await h.settle()
    scan = h.service.store.records.scan_for("gitlab:" + h.project.path, mr.head_sha)
    assert scan is not None and scan.conclusion == "failure"  # medium from the group wins
    raw = [r.path for r in h.fake.calls("GET", "raw")]
    assert "/api/v4/projects/acme%2Fpolicies/repository/files/mergegate%2Fpolicy.yml/raw" in raw
    [note] = [n for n in h.project.notes[4] if "mergegate:summary" in str(n["body"])]
    assert "block_on: the organization policy enforces medium" in str(note["body"])

    # The default branch's policy changes: every open MR targeting it is scanned again.
    before = len(h.fake.mergegate_statuses(h.project, mr.head_sha))
    new_base = h.fake.commit(h.project, {**weak, ".mergegate.yml": "version: 1\n"})
    h.project.branches["master"] = new_base
    push = h.payloads.push(h.project, mr.base_sha, new_base, [".mergegate.yml"])
    assert (await h.deliver(push, uuid_="push-1")).status == 202
    assert (await (await h.deliver(push, uuid_="push-1")).json())["status"] == "duplicate"
    # The change is in the audit log once, with who pushed it (the real payload's user).
    [changed] = h.service.store.records.audit_entries(actions=["policy_change"])
    assert (changed.repo, changed.actor, changed.subject) == (
        f"gitlab:{h.project.path}", push["user_username"], new_base)
    assert changed.detail == ".mergegate.yml changed on master"
    assert changed.link == f"{h.project.web_url}/-/commit/{new_base}"
    other = h.payloads.push(h.project, mr.base_sha, new_base, ["README.md"])
    assert (await (await h.deliver(other)).json())["status"] == "ignored"
    await h.settle()
    assert len(h.fake.mergegate_statuses(h.project, mr.head_sha)) == before + 1
    assert [r.query for r in h.fake.calls("GET", "mrs")] == [
        {"state": "opened", "target_branch": "master", "per_page": "100"}]


async def test_full_scan_reads_the_archive(gitlab: Harness) -> None:
    h = gitlab
    base = {**sc.BASE, ".mergegate.yml": "version: 1\nnew_findings_only: false\n",
            "app/old.py": sc.DB_PY}
    mr = h.fake.open_mr(h.project, 6, base, {**base, "app/ok.py": sc.CLEAN_PY})
    await h.deliver(h.payloads.merge_request("open", h.project, mr))
    await h.settle()
    [archive] = h.fake.calls("GET", "archive")
    assert archive.query == {"sha": mr.head_sha}
    assert h.fake.mergegate_statuses(h.project, mr.head_sha)[-1]["status"] == "failed"
