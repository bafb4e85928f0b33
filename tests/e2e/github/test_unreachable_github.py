"""GitHub away: jobs retry for the configured time, the check says so, and is never missing.

Review item 10: with GitHub unreachable a job failed after about 25 s with no check run at
all and was never retried, so a required check never appeared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mergegate.store.service_store import Store

from tests.e2e.github import scenario as sc
from tests.e2e.github.conftest import Harness, running_bot
from tests.fakes.github import FakeGitHub

pytestmark = pytest.mark.slow


async def open_pr(h: Harness) -> Any:
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    resp = await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    assert resp.status == 202
    await h.settle()
    return pull


async def test_a_scan_survives_github_being_away_for_many_attempts(
    fake: FakeGitHub, fixtures: Path, app_private_key: str, tmp_path: Path,
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'mergegate.db'}")
    async with running_bot(fake, fixtures, app_private_key, tmp_path, store,
                           forge_retry_seconds=3600.0) as h:
        # Creating the check answers 502 for 40 calls: several job attempts of 5 HTTP tries.
        h.fake.fail("POST", r"/check-runs$", 502, times=40)
        pull = await open_pr(h)
        [run] = h.fake.check_runs(h.repo, pull.head_sha)
        assert run["status"] == "completed" and run["conclusion"] == "success"
        job = h.service.store.queue.get(1)
        assert job is not None and job.kind == "scan" and job.status == "done"
        assert job.attempts > 3  # past the 3 attempts other failures get


async def test_retrying_is_shown_and_giving_up_completes_the_check(harness: Harness) -> None:
    h = harness
    h.fake.fail("GET", r"/pulls/\d+/files$", 502, times=10_000)
    pull = await open_pr(h)
    [run] = h.fake.check_runs(h.repo, pull.head_sha)
    queued = [b for b in run["history"] if b.get("status") == "queued"]
    assert queued, "the check never showed that it was retrying"
    assert queued[0]["output"]["title"] == "Queued: retrying after an error"
    assert ("MergeGate could not finish this scan (the forge could not be reached or failed: "
            "GitHubBroken); attempt 1 failed, the next one starts in about 0 s."
            ) in queued[0]["output"]["summary"]
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    assert run["output"]["title"] == "MergeGate could not finish"
    assert run["completions"] == 1
    assert h.service.store.queue.count("failed") == 1
