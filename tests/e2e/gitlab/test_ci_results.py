"""A merge request pipeline's security reports and SARIF artifacts judged in the merge
request's `mergegate` status and note, against the fake GitLab (Pipeline Hook).

The shared fixtures hold no Pipeline Hook: `pipeline_payload` builds one with the fields of the
example in GitLab's webhook documentation ("Pipeline events"). The reports are real samples
(../shared/fixtures/external), read in place: Trivy's GitLab container-scanning report and its
SARIF output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.gitlab.conftest import Harness
from tests.fakes.gitlab import MR, TOKEN, Project

pytestmark = pytest.mark.slow

POLICY = "version: 1\nexternal:\n  tools: {trivy: {block_on: medium}}\n"
REPORT = "gl-container-scanning-report.json"
HOOK = "Pipeline Hook"


def pipeline_payload(p: Project, mr: MR, pipeline: dict[str, Any],
                     status: str = "success") -> dict[str, Any]:
    """A Pipeline Hook of a merge request pipeline, in GitLab's documented shape."""
    return {
        "object_kind": "pipeline",
        "object_attributes": {
            "id": pipeline["id"], "iid": pipeline["iid"], "name": None,
            "ref": f"refs/merge-requests/{mr.iid}/head", "tag": False, "sha": pipeline["sha"],
            "before_sha": "0000000000000000000000000000000000000000",
            "source": "merge_request_event", "status": status, "detailed_status": "passed",
            "stages": ["build", "test"], "created_at": "2026-11-26 10:00:00 UTC",
            "finished_at": pipeline["finished_at"], "duration": 3600, "queued_duration": 2,
            "variables": [], "url": pipeline["web_url"],
        },
        "merge_request": {
            "id": 1000 + mr.iid, "iid": mr.iid, "title": "Add the user lookup",
            "source_branch": mr.source_branch, "source_project_id": p.id,
            "target_branch": mr.target_branch, "target_project_id": p.id, "state": "opened",
            "merge_status": "can_be_merged", "detailed_merge_status": "mergeable",
            "url": f"{p.web_url}/-/merge_requests/{mr.iid}",
        },
        "user": {"id": 1, "name": "Administrator", "username": "root",
                 "avatar_url": "https://www.gravatar.com/avatar/e64c7d89f26bd1972efa854d13d7dd61",
                 "email": "[REDACTED]"},
        "project": {"id": p.id, "name": p.path.rsplit("/", 1)[-1], "description": "",
                    "web_url": p.web_url, "avatar_url": None,
                    "git_ssh_url": f"git@gitlab.example.com:{p.path}.git",
                    "git_http_url": f"{p.web_url}.git", "namespace": p.path.split("/")[0],
                    "visibility_level": 20, "path_with_namespace": p.path,
                    "default_branch": p.default_branch, "ci_config_path": None},
        "commit": {"id": pipeline["sha"], "message": "Add the user lookup\n",
                   "title": "Add the user lookup", "timestamp": "2026-11-26T09:59:00+00:00",
                   "url": f"{p.web_url}/-/commit/{pipeline['sha']}",
                   "author": {"name": "Administrator", "email": "admin@example.com"}},
        "builds": [{"id": j["id"], "stage": j["stage"], "name": j["name"],
                    "status": j["status"], "created_at": "2026-11-26 10:00:00 UTC",
                    "started_at": "2026-11-26 10:01:00 UTC",
                    "finished_at": "2026-11-26 10:59:00 UTC", "duration": 3480.0,
                    "queued_duration": 1.0, "failure_reason": None, "when": "on_success",
                    "manual": False, "allow_failure": False,
                    "user": {"id": 1, "name": "Administrator", "username": "root"},
                    "runner": None, "artifacts_file": j["artifacts_file"] or
                    {"filename": None, "size": None}, "environment": None}
                   for j in p.jobs.values() if j["pipeline"]["id"] == pipeline["id"]],
    }


async def open_clean_mr(h: Harness, policy: str = POLICY) -> MR:
    base = {"README.md": "# Hello\n", ".mergegate.yml": policy}
    mr = h.fake.open_mr(h.project, 3, base, {**base, "app.py": "print('hello')\n"})
    resp = await h.deliver(h.payloads.merge_request("open", h.project, mr))
    assert resp.status == 202
    await h.settle()
    return mr


def summary(h: Harness, mr: MR) -> str:
    [note] = [n for n in h.project.notes.get(mr.iid, [])
              if "<!-- mergegate:summary -->" in str(n["body"])]
    return str(note["body"])


async def test_pipeline_reports_turn_the_status_red(gitlab: Harness, fixtures: Path) -> None:
    h = gitlab
    mr = await open_clean_mr(h)
    assert h.fake.mergegate_statuses(h.project, mr.head_sha)[-1]["status"] == "success"
    samples = fixtures / "external"
    report = (samples / "gitlab" / "alpine-310.gitlab.golden").read_bytes()
    sarif = (samples / "checkov" / "results.sarif").read_bytes()
    pipeline = h.fake.pipeline(h.project, mr.head_sha)
    # GitLab's container-scanning template: the report in artifacts:reports and, so the API
    # serves it, in artifacts:paths; a SARIF file in another job's archive.
    h.fake.job(h.project, pipeline, "container_scanning", archive={REPORT: report},
               reports={REPORT: ("container_scanning", len(report))})
    h.fake.job(h.project, pipeline, "checkov", archive={"reports/checkov.sarif": sarif,
                                                        "build/app.bin": b"\x7fELF"})
    h.fake.job(h.project, pipeline, "sast", reports={"gl-sast-report.json": ("sast", 1234)})
    h.fake.job(h.project, pipeline, "unit-tests")
    resp = await h.deliver(pipeline_payload(h.project, mr, pipeline), event=HOOK)
    assert resp.status == 202, await resp.text()
    await h.settle()

    status = h.fake.mergegate_statuses(h.project, mr.head_sha)[-1]
    assert status["status"] == "failed"
    body = summary(h, mr)
    assert body.count("trivy · CVE-") == 4  # the report's four Medium results, blocking
    assert "unknown · CKV" in body  # Checkov's SARIF names no tool: `external:unknown`
    # The SAST report is only in artifacts:reports: GitLab's API does not serve it.
    assert ("`artifacts of job sast`: not read: its sast report gl-sast-report.json cannot be "
            "downloaded through GitLab's API: add gl-sast-report.json to the job's "
            "artifacts:paths as well") in body, body
    # The token went to GitLab only, never to the object storage the archives came from.
    assert len(h.fake.storage_downloads) == 2
    assert all(TOKEN not in json.dumps(d) for d in h.fake.storage_downloads)
    assert [r.route for r in h.fake.calls("GET") if r.route == "job_artifact"] == [
        "job_artifact", "job_artifact"]


async def test_a_pipeline_still_running_or_for_no_merge_request_is_ignored(
    gitlab: Harness, fixtures: Path
) -> None:
    h = gitlab
    mr = await open_clean_mr(h)
    pipeline = h.fake.pipeline(h.project, mr.head_sha, status="running")
    before = len(h.fake.requests)
    running = pipeline_payload(h.project, mr, pipeline, status="running")
    resp = await h.deliver(running, event=HOOK)
    assert resp.status == 200, await resp.text()
    branch = pipeline_payload(h.project, mr, pipeline)
    branch["merge_request"] = None
    resp = await h.deliver(branch, event=HOOK)
    assert resp.status == 200, await resp.text()
    await h.settle()
    assert len(h.fake.requests) == before


async def test_a_dismissal_holds_across_pipelines(gitlab: Harness, fixtures: Path) -> None:
    h = gitlab
    h.project.members["maintainer"] = 40
    mr = await open_clean_mr(h)
    report = (fixtures / "external" / "gitlab" / "alpine-310.gitlab.golden").read_bytes()

    async def pipeline_finished(finished_at: str) -> str:
        pipeline = h.fake.pipeline(h.project, mr.head_sha, finished_at=finished_at)
        h.fake.job(h.project, pipeline, "container_scanning", archive={REPORT: report},
                   reports={REPORT: ("container_scanning", len(report))})
        resp = await h.deliver(pipeline_payload(h.project, mr, pipeline), event=HOOK)
        assert resp.status == 202, await resp.text()
        await h.settle()
        return str(h.fake.mergegate_statuses(h.project, mr.head_sha)[-1]["status"])

    assert await pipeline_finished("2026-11-26 11:00:00 UTC") == "failed"
    scan = h.service.store.records.scan_for(f"gitlab:{h.project.path}", mr.head_sha)
    assert scan is not None
    ids = [f.id for f in h.service.store.external.results_for(scan.repo, scan.sha).findings]
    assert len(ids) == 4
    note = h.payloads.note(h.project, mr, 9101, "maintainer",
                           f"/mergegate dismiss {' '.join(ids)} accepted-risk base image "
                           "rebuilt on Friday")
    assert (await h.deliver(note)).status == 202
    await h.settle()
    assert h.fake.mergegate_statuses(h.project, mr.head_sha)[-1]["status"] == "success"
    # The next pipeline of the head (a retried job finishes it later) replaces the results:
    # the same findings, still dismissed.
    assert await pipeline_finished("2026-11-26 12:00:00 UTC") == "success"
    assert summary(h, mr).count("| dismissed (accepted-risk by maintainer) |") == 4


async def test_a_merged_results_pipeline_is_judged_with_the_mr_head(gitlab: Harness,
                                                                    fixtures: Path) -> None:
    h = gitlab
    mr = await open_clean_mr(h)
    report = (fixtures / "external" / "gitlab" / "alpine-310.gitlab.golden").read_bytes()
    merged = h.fake.merge_ref(h.project, mr)
    pipeline = h.fake.pipeline(h.project, merged)
    pipeline["ref"] = f"refs/merge-requests/{mr.iid}/merge"
    h.fake.job(h.project, pipeline, "container_scanning", archive={REPORT: report},
               reports={REPORT: ("container_scanning", len(report))})
    payload = pipeline_payload(h.project, mr, pipeline)
    payload["object_attributes"]["ref"] = pipeline["ref"]
    resp = await h.deliver(payload, event=HOOK)
    assert resp.status == 202, await resp.text()
    await h.settle()
    assert h.fake.mergegate_statuses(h.project, mr.head_sha)[-1]["status"] == "failed"
    assert summary(h, mr).count("trivy · CVE-") == 4
