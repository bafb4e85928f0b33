"""A full scan from the tarball, fork check suites, and a job that never succeeds."""

from __future__ import annotations

import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.github.conftest import Harness

pytestmark = pytest.mark.slow


async def test_new_findings_only_false_scans_the_whole_head_from_the_tarball(
    harness: Harness,
) -> None:
    h = harness
    base = {**sc.BASE, ".mergegate.yml": "version: 1\nnew_findings_only: false\n",
            "app/old.py": sc.many_findings(1)}
    pull = h.fake.open_pull(h.repo, 2, base, {**base, "app/ok.py": sc.CLEAN_PY})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    await h.settle()
    [run] = h.fake.check_runs(h.repo)
    assert len(h.fake.calls("GET", "/repos/{owner}/{repo}/tarball/{ref}")) == 1
    assert run["conclusion"] == "failure"
    assert [a["path"] for a in run["annotations"]] == ["app/old.py"]


async def test_fork_check_suite_rerequested_finds_the_pull_request(harness: Harness) -> None:
    h = harness
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    await h.settle()
    for action in ("requested", "rerequested"):
        data = h.payloads.load(f"check_suite/{action}.payload.json")
        h.payloads._repo(data, h.repo)
        data["check_suite"]["head_sha"] = pull.head_sha
        data["check_suite"]["pull_requests"] = []  # a fork's push
        # requested for no pull request: nothing to do; rerequested: look the head up
        assert (await h.deliver("check_suite", data)).status == (
            202 if action == "rerequested" else 200)
        await h.settle()
    runs = h.fake.check_runs(h.repo, pull.head_sha)
    assert len(runs) == 2  # requested: nothing new; rerequested: found by its head and rescanned
    assert h.fake.calls("GET", "/repos/{owner}/{repo}/pulls")


async def test_a_job_that_keeps_failing_closes_its_check_run_once(harness: Harness) -> None:
    h = harness
    h.fake.fail("GET", r"/pulls/\d+/files$", 500, times=1000)
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    await h.settle()
    [run] = h.fake.check_runs(h.repo)
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    assert run["output"]["title"] == "MergeGate could not finish"
    assert run["completions"] == 1
    assert h.service.store.queue.count("failed") == 1


async def test_pull_request_files_are_paginated(harness: Harness) -> None:
    h = harness
    many = {f"src/m{i:03}.py": f"VALUE_{i} = {i}\n" for i in range(150)}
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, **many})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    await h.settle()
    pages = h.fake.calls("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files")
    assert [p.query for p in pages] == [{"per_page": "100"}, {"per_page": "100", "page": "2"}]
    assert len(h.fake.calls("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}")) == 150
    assert h.fake.check_runs(h.repo)[0]["conclusion"] == "success"


async def test_padded_files_are_still_scanned_for_secrets_and_unscanned_content_blocks(
    fake: object, fixtures: object, app_private_key: str, tmp_path: object,
) -> None:
    """Padding a file past the size limit used to hide a key and pass the check."""
    from pathlib import Path

    from mergegate.store.service_store import Store

    from tests.e2e.github.conftest import running_bot

    tmp = Path(str(tmp_path))
    store = Store.open(f"sqlite:///{tmp / 'mergegate.db'}")
    async with running_bot(fake, fixtures, app_private_key, tmp, store,  # type: ignore[arg-type]
                           max_file_bytes=1000, max_fetch_bytes=20_000) as h:
        big = "#" * 2000 + "\n" + sc.DB_PY
        huge = "x = 1\n" * 5000
        pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/big.py": big,
                                                      "app/huge.py": huge,
                                                      "app/ok.py": sc.CLEAN_PY})
        await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
        await h.settle()
        [run] = h.fake.check_runs(h.repo)
        assert run["conclusion"] == "failure"
        summary = run["output"]["summary"]
        assert "### Not fully scanned: these block the merge (`on_unscanned: fail`)" in summary
        assert ("- `app/huge.py`: not scanned: over the 20000-byte limit for fetching"
                in summary)
        assert "- `app/big.py`: sast: over the 1000-byte limit, not analysed" in summary
        # The key in the padded file is still found (secrets are scanned streamed).
        keys = [a for a in run["annotations"] if a["path"] == "app/big.py"
                and "AWS" in a["message"] + a["title"]]
        assert keys and keys[0]["start_line"] == sc.KEY_LINE + 1
        assert not any(v in str(run) for v in sc.SECRET_VALUES)

        # With `on_unscanned: warn` on the base, the same blind spots are shown, not blocking.
        base = {**sc.BASE, ".mergegate.yml": "version: 1\non_unscanned: warn\n"}
        pull = h.fake.open_pull(h.repo, 3, base, {**base, "app/huge.py": huge})
        await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
        await h.settle()
        run = h.fake.check_runs(h.repo, pull.head_sha)[-1]
        assert run["conclusion"] == "success"
        assert "`on_unscanned: warn`: they do not block" in run["output"]["summary"]
        assert "- `app/huge.py`: not scanned: over the 20000-byte limit" in run["output"]["summary"]
