"""Newer heads supersede older scans; closing a PR cancels its scan; no check keeps spinning."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.github.conftest import Harness

pytestmark = pytest.mark.slow


async def _wait_for(predicate: object, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_ten_pushes_run_at_most_two_scans(harness: Harness) -> None:
    h = harness
    release = asyncio.Event()
    h.fake.hold[r"/git/blobs/"] = release
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/v0.py": sc.CLEAN_PY})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    await _wait_for(lambda: h.fake.calls("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}"))
    for i in range(1, 10):
        h.fake.push(h.repo, 2, {**sc.BASE, f"app/v{i}.py": sc.CLEAN_PY + f"# {i}\n"})
        resp = await h.deliver("pull_request", h.payloads.pull_request("synchronize", h.repo, pull))
        assert resp.status == 202
    release.set()
    await h.settle()
    scans = h.fake.calls("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files")
    assert len(scans) <= 2
    runs = h.fake.check_runs(h.repo)
    assert len(runs) == 2 and all(r["status"] == "completed" for r in runs)
    assert runs[0]["conclusion"] == "cancelled"
    assert runs[0]["output"]["title"] == "Superseded by a newer commit"
    assert runs[1]["head_sha"] == pull.head_sha and runs[1]["conclusion"] == "success"
    assert all(r["completions"] == 1 for r in runs)


async def test_closing_the_pr_cancels_its_running_scan(harness: Harness) -> None:
    h = harness
    release = asyncio.Event()
    h.fake.hold[r"/git/blobs/"] = release
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    await _wait_for(lambda: h.fake.check_runs(h.repo))
    pull.state = "closed"
    await h.deliver("pull_request", h.payloads.pull_request("closed", h.repo, pull))
    release.set()
    await h.settle()
    [run] = h.fake.check_runs(h.repo)
    assert run["conclusion"] == "cancelled" and run["completions"] == 1
    assert run["output"]["summary"] == "The pull request was closed."


async def test_a_check_run_left_spinning_on_the_head_is_reused(harness: Harness) -> None:
    h = harness
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    # A process died after creating this check run and before recording it anywhere.
    orphan = {"id": 42, "head_sha": pull.head_sha, "name": "mergegate", "status": "in_progress",
              "conclusion": None, "output": {}, "annotations": [], "history": [],
              "completions": 0}
    other_app = {**orphan, "id": 43, "app_id": 999, "history": [], "annotations": []}
    h.repo.check_runs.update({42: orphan, 43: other_app})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    await h.settle()
    assert h.fake.calls("POST", "/repos/{owner}/{repo}/check-runs") == []
    assert orphan["status"] == "completed" and orphan["completions"] == 1
    assert other_app["status"] == "in_progress"  # another App's run is not ours to touch
