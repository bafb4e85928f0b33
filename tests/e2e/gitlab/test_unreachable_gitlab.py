"""GitLab away: jobs retry for the configured time, the `mergegate` status says so, and a job
that finally gives up fails the status with a clear message; it is never missing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.gitlab.conftest import Harness
from tests.fakes.gitlab import MR

pytestmark = pytest.mark.slow


async def open_clean_mr(h: Harness) -> MR:
    mr = h.fake.open_mr(h.project, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    resp = await h.deliver(h.payloads.merge_request("open", h.project, mr))
    assert resp.status == 202
    await h.settle()
    return mr


@pytest.mark.parametrize("gitlab_extra_settings", [{"forge_retry_seconds": 3600.0}])
async def test_a_scan_survives_gitlab_being_away_for_many_attempts(
    gitlab: Harness, gitlab_extra_settings: dict[str, Any]
) -> None:
    h = gitlab
    # The merge request's diffs answer 502 for 20 calls: python-gitlab tries each job attempt
    # 6 times, so the fourth attempt gets through.
    h.fake.fail("GET", r".*/merge_requests/\d+/diffs$", 502, times=20)
    mr = await open_clean_mr(h)
    [status] = h.fake.mergegate_statuses(h.project, mr.head_sha)
    assert status["status"] == "success"
    job = h.service.store.queue.get(1)
    assert job is not None and job.kind == "scan" and job.status == "done"
    assert job.attempts > 3  # past the 3 attempts other failures get
    assert h.service.store.queue.count("failed") == 0


@pytest.mark.parametrize("gitlab_extra_settings", [{"forge_retry_seconds": 0.1}])
async def test_retrying_is_shown_and_giving_up_fails_the_status(
    gitlab: Harness, gitlab_extra_settings: dict[str, Any]
) -> None:
    h = gitlab  # waits of 0.05 s (the harness's), given up after 0.1 s of waiting
    h.fake.fail("GET", r".*/merge_requests/\d+/diffs$", 502, times=10_000)
    mr = await open_clean_mr(h)
    [status] = h.fake.mergegate_statuses(h.project, mr.head_sha)
    assert status["history"] == ["pending", "running", "failed"]
    assert status["description"] == ("MergeGate could not finish this scan after several "
                                     "attempts. Comment `/mergegate rescan` to try again.")
    [note] = h.project.notes[mr.iid]  # one summary note: it said "retrying", then the end
    assert note["edits"] >= 1
    assert str(note["body"]).startswith("<!-- mergegate:summary -->\n### MergeGate could not "
                                        "finish\n\nMergeGate could not finish this scan after")
    assert status["target_url"].endswith(f"#note_{note['id']}")
    retrying = [r for r in h.fake.calls("POST", "note") + h.fake.calls("PUT", "note_edit")
                if b"retrying after an error" in r.body]
    assert retrying, "the merge request never said the scan was retrying"
    assert (b"MergeGate could not finish this scan (the forge could not be reached or failed: "
            b"GitLabApiError); attempt 1 failed") in retrying[0].body
    assert h.service.store.queue.count("failed") == 1
