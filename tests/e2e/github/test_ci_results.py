"""Other tools' results from a pull request's CI (workflow_run completed: its artifacts) are
judged in the pull request's `mergegate` check, against the fake GitHub (the two artifact
endpoints validated against tests/fakes/github_artifacts_openapi.json).

The container scan is Trivy's real SARIF output (../shared/fixtures/external/trivy), read in
place and zipped at test time. Its findings are MEDIUM (security-severity 5.3); a critical one
is the same result with the score a critical CVE has (9.8), set on one rule at test time.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.github.conftest import Harness
from tests.e2e.github.test_commands_flow import comment
from tests.e2e.github.test_workflow_logs import clean_zip, workflow_run_payload
from tests.fakes.github import Pull

pytestmark = pytest.mark.slow

CRITICAL_RULE = "CVE-2019-1549"
POLICY = "version: 1\nexternal:\n  tools: {trivy: {block_on: critical}}\n"
ARTIFACTS = "/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts"
DOWNLOAD = "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}"


def trivy_sarif(fixtures: Path, critical: bool = True) -> bytes:
    doc = json.loads((fixtures / "external" / "trivy" / "alpine-310.sarif.golden").read_text())
    if critical:
        for rule in doc["runs"][0]["tool"]["driver"]["rules"]:
            if rule["id"] == CRITICAL_RULE:
                rule["properties"]["security-severity"] = "9.8"
    return json.dumps(doc).encode()


def zipped(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


async def open_clean_pr(h: Harness, policy: str = POLICY, number: int = 7) -> Pull:
    base = {"README.md": "# Hello\n", ".mergegate.yml": policy}
    pull = h.fake.open_pull(h.repo, number, base, {**base, "app.py": "print('hello')\n"})
    resp = await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    assert resp.status == 202, await resp.text()
    await h.settle()
    return pull


async def ci_completed(h: Harness, run_id: int, pull: Pull | None,
                       artifacts: dict[str, dict[str, bytes]], **kw: Any) -> None:
    for name, files in artifacts.items():
        h.fake.add_artifact(h.repo, run_id, name, zipped(files))
    h.repo.run_logs[run_id] = clean_zip()
    payload = workflow_run_payload(h, run_id, [pull] if pull else [], conclusion="success", **kw)
    resp = await h.deliver("workflow_run", payload)
    assert resp.status in (200, 202), await resp.text()
    await h.settle()


def check(h: Harness, pull: Pull) -> dict[str, Any]:
    return h.fake.check_runs(h.repo, pull.head_sha)[-1]


def blocking_ids(run: dict[str, Any]) -> list[str]:
    summary = run["output"]["summary"]
    return re.findall(r"^\| `(mg-[0-9a-f]{8})` \|[^\n]*\*\*blocking\*\* \|$", summary, re.M)


async def test_a_critical_trivy_result_turns_the_check_red_until_dismissed(
    harness: Harness, fixtures: Path
) -> None:
    h = harness
    h.repo.permissions["maint"] = ("write", "maintain")
    pull = await open_clean_pr(h)
    assert check(h, pull)["conclusion"] == "success"

    sarif = trivy_sarif(fixtures)
    await ci_completed(h, 5001, pull, {"trivy-results": {"trivy.sarif": sarif},
                                       "coverage": {"coverage.xml": b"<coverage/>"}})
    run = check(h, pull)
    assert run["conclusion"] == "failure", run["output"]
    summary = run["output"]["summary"]
    ids = blocking_ids(run)
    # CVE-2019-1549 in two packages of the image: critical, blocking at trivy's `critical`;
    # CVE-2019-1551 stays medium and does not block.
    assert len(ids) == 2, summary
    assert summary.count("trivy · CVE-2019-1549") == 2 and "trivy · CVE-2019-1551" in summary
    assert "`image:ghcr.io/aquasecurity/trivy-test-images:alpine-310`" in summary
    assert run["output"]["title"] == "2 blocking findings"
    # Only the run's artifacts were listed and downloaded (both: `**/*.sarif` may match in
    # either); the storage host never saw the token.
    assert len(h.fake.calls("GET", ARTIFACTS)) == 1
    assert len(h.fake.calls("GET", DOWNLOAD)) == 2
    assert all("Authorization" not in d for d in h.fake.artifact_downloads)
    # The scanners did not run again: the stored findings were re-judged with the results.
    assert len(h.fake.calls("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files")) == 1

    await comment(h, pull, "maint",
                  f"/mergegate dismiss {' '.join(ids)} accepted-risk base image rebuilt Friday")
    assert [r["content"] for r in h.repo.reactions] == ["+1"]
    run = check(h, pull)
    assert run["conclusion"] == "success", run["output"]
    assert "dismissed" in run["output"]["summary"]

    # The next run of the workflow on the same head replaces the results: the same findings,
    # the same ids, still dismissed.
    await ci_completed(h, 5002, pull, {"trivy-results": {"trivy.sarif": sarif}})
    run = check(h, pull)
    assert run["conclusion"] == "success", run["output"]
    assert blocking_ids(run) == []
    for finding_id in ids:
        assert f"`{finding_id}`" in run["output"]["summary"]

    # A rescan keeps them too.
    resp = await h.deliver("check_run", h.payloads.check_run("rerequested", h.repo, pull))
    assert resp.status == 202
    await h.settle()
    run = check(h, pull)
    assert run["conclusion"] == "success"
    assert run["output"]["summary"].count("trivy ·") == 4


async def test_a_malformed_artifact_is_a_note_naming_it(harness: Harness,
                                                        fixtures: Path) -> None:
    h = harness
    pull = await open_clean_pr(h)
    await ci_completed(h, 5101, pull, {"scan-results": {
        "broken.sarif": b'{"version": "2.1.0", "runs": [',
        "trivy.sarif": trivy_sarif(fixtures, critical=False),
    }})
    run = check(h, pull)
    summary = run["output"]["summary"]
    assert "- **external**: artifact scan-results: broken.sarif: not valid JSON" in summary, summary
    assert run["conclusion"] == "failure"  # on_scanner_error: fail
    assert summary.count("trivy · CVE-2019-") == 4  # the good file in it still counts


async def test_a_zip_bomb_is_capped_with_a_note(harness: Harness,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    h = harness
    artifacts = h.forge.ci_artifacts
    monkeypatch.setattr(artifacts, "max_file_bytes", 2**20)
    pull = await open_clean_pr(h, "version: 1\non_unscanned: warn\n")
    buf = io.BytesIO()
    with (zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z,
          z.open("bomb.sarif", "w", force_zip64=True) as fh):
        for _ in range(64):  # 64 MiB of spaces in a zip of about 64 KB
            fh.write(b" " * (1 << 20))
    assert len(buf.getvalue()) < 500_000
    h.fake.add_artifact(h.repo, 5201, "sarif", buf.getvalue())
    h.repo.run_logs[5201] = clean_zip()
    resp = await h.deliver("workflow_run",
                           workflow_run_payload(h, 5201, [pull], conclusion="success"))
    assert resp.status == 202
    await h.settle()
    run = check(h, pull)
    summary = run["output"]["summary"]
    assert ("- `artifact sarif`: not read: bomb.sarif is over the 1,048,576-byte limit "
            "(decompressed)") in summary, summary
    assert run["conclusion"] == "success"  # on_unscanned: warn; by default it blocks


async def test_an_oversized_artifact_the_policy_names_blocks(
    harness: Harness, fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    monkeypatch.setattr(h.forge.ci_artifacts, "max_artifact_bytes", 1000)
    pull = await open_clean_pr(h, "version: 1\nexternal: {artifacts: ['trivy-results/**']}\n")
    await ci_completed(h, 5301, pull, {"trivy-results": {"trivy.sarif": trivy_sarif(fixtures)}})
    run = check(h, pull)
    assert run["conclusion"] == "failure"
    assert "- `artifact trivy-results`: not read: the artifact is " in run["output"]["summary"]
    assert h.fake.calls("GET", DOWNLOAD) == []


async def test_a_run_without_pull_request_is_ignored(harness: Harness, fixtures: Path) -> None:
    h = harness
    await ci_completed(h, 5401, None, {"trivy-results": {"trivy.sarif": trivy_sarif(fixtures)}})
    assert h.fake.requests == []
    assert h.service.store.queue.count(kind="ci_results") == 0


async def test_artifacts_the_app_may_not_list_are_a_note(harness: Harness,
                                                         fixtures: Path) -> None:
    h = harness
    pull = await open_clean_pr(h)
    h.fake.fail("GET", r"/actions/runs/5501/artifacts$", 403)
    await ci_completed(h, 5501, pull, {"trivy-results": {"trivy.sarif": trivy_sarif(fixtures)}})
    run = check(h, pull)
    assert run["conclusion"] == "failure"
    assert ("- `run CI #5501`: not read: GitHub answered HTTP 403 to the list of its artifacts: "
            "the App needs the `actions: read` permission") in run["output"]["summary"]


async def test_an_artifact_that_is_no_zip_blocks_by_default(harness: Harness) -> None:
    h = harness
    pull = await open_clean_pr(h, "version: 1\n")
    h.fake.add_artifact(h.repo, 5601, "sarif-results", b"<html>storage error</html>")
    h.repo.run_logs[5601] = clean_zip()
    resp = await h.deliver("workflow_run",
                           workflow_run_payload(h, 5601, [pull], conclusion="success"))
    assert resp.status == 202
    await h.settle()
    run = check(h, pull)
    assert run["conclusion"] == "failure"  # on_unscanned: fail, the default
    assert ("- `artifact sarif-results`: not read: not a readable zip archive (File is not a "
            "zip file)") in run["output"]["summary"], run["output"]["summary"]
