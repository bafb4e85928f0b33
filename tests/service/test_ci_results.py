"""The `ci_results` job over the in-memory forge: other tools' results from CI are stored per
head and source, judged with the change, replaced by newer runs only, and kept by every later
judgement (a dismissal, its expiry). The forge's side (downloads, zips) is tested through the
fake GitHub and GitLab (tests/e2e); here a run's files are handed over as they are."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from mergegate.core.findings import ScanNote
from mergegate.forge.base import ChangeRef, CiRun, RepoRef, ResultFile, ResultFiles
from mergegate.service.ci_results import ingest_ci_results
from mergegate.service.context import Service
from mergegate.service.payloads import ci_run_to_dict, repo_to_dict
from mergegate.service.schedule import tick
from mergegate.service.verdicts import scan_change

from tests.fakes.memory_forge import MemoryForge
from tests.service.conftest import BASE, REPO
from tests.service.test_schedule import NOW, Clock, dismiss, run_queued


def sarif(rule: str, score: str, uri: str = "app.py", line: int = 1) -> bytes:
    return json.dumps({"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "Semgrep OSS", "rules": [
            {"id": rule, "properties": {"security-severity": score}}]}},
        "results": [{"ruleId": rule, "level": "error", "message": {"text": "eval of input"},
                     "locations": [{"physicalLocation": {
                         "artifactLocation": {"uri": uri},
                         "region": {"startLine": line}}}]}]}]}).encode()


class RunFiles:
    """What the forge would take from each run: file name -> bytes, and notes."""

    def __init__(self) -> None:
        self.runs: dict[int, dict[str, bytes]] = {}
        self.notes: dict[int, list[ScanNote]] = {}
        self.finished: dict[int, bool | None] = {}
        self.fetched: list[int] = []

    async def run_finished(self, repo: RepoRef, run: CiRun) -> bool | None:
        return self.finished.get(run.id, True)

    async def tested_head(self, repo: RepoRef, run: CiRun) -> str:
        return run.head_sha

    async def fetch_results(self, repo: RepoRef, run: CiRun, patterns: Sequence[str],
                            dest: Path) -> ResultFiles:
        self.fetched.append(run.id)
        out = ResultFiles(notes=list(self.notes.get(run.id, [])))
        for i, (name, data) in enumerate(self.runs.get(run.id, {}).items()):
            (dest / str(i)).write_bytes(data)
            out.files.append(ResultFile(f"artifact results: {name}", dest / str(i)))
        return out


@pytest.fixture
def ci(forge: MemoryForge) -> RunFiles:
    files = RunFiles()
    forge.ci_artifacts = files
    return files


def run(change: ChangeRef, run_id: int, attempt: int = 1, workflow: int = 9) -> CiRun:
    return CiRun(run_id, change.head_sha, f"workflow:{workflow}", f"CI #{run_id}", "", attempt)


async def ingest(service: Service, change: ChangeRef, ci_run: CiRun) -> str:
    return await ingest_ci_results(service, {"repo": repo_to_dict(change.repo),
                                             "run": ci_run_to_dict(ci_run),
                                             "change": change.number})


async def scanned(service: Service, forge: MemoryForge, policy: str = "version: 1\n"
                  ) -> ChangeRef:
    base = {**BASE, ".mergegate.yml": policy}
    forge.branch(REPO, "main", base)
    change = forge.open(REPO, 2, base, {**base, "app.py": "eval(input())\n"}, "someone")
    outcome = await scan_change(service, forge, change)
    assert outcome is not None and outcome.verdict.conclusion == "success"
    return change


async def test_results_are_judged_kept_and_replaced_only_by_newer_runs(
    service: Service, forge: MemoryForge, ci: RunFiles
) -> None:
    change = await scanned(service, forge)
    ci.runs[10] = {"semgrep.sarif": sarif("python.eval", "9.1")}
    assert await ingest(service, change, run(change, 10)) == "judged"
    [blocking] = forge.latest(change).report.verdict.blocking
    assert (blocking.finding.scanner, blocking.finding.path, blocking.finding.line) == (
        "external:semgrep-oss", "app.py", 1)
    # A redelivery (or the run's other pull request) does not download it again.
    assert await ingest(service, change, run(change, 10)) == "judged"
    assert ci.fetched == [10]
    # A rescan of the head keeps the stored results.
    outcome = await scan_change(service, forge, change)
    assert outcome is not None and [j.id for j in outcome.verdict.blocking] == [blocking.id]

    # The workflow's next run finds nothing: the result is replaced, the check turns green.
    ci.runs[12] = {}
    ci.notes[12] = [ScanNote("not read: the artifact has expired", "artifact old",
                             unscanned=False)]
    assert await ingest(service, change, run(change, 12)) == "judged"
    assert forge.latest(change).state == "success"
    # The older run's event, arriving late, changes nothing.
    assert await ingest(service, change, run(change, 11)) == "older"
    assert forge.latest(change).state == "success"
    # Another workflow's results sit beside the first one's.
    ci.runs[13] = {"semgrep.sarif": sarif("python.eval", "9.1")}
    assert await ingest(service, change, run(change, 13, workflow=77)) == "judged"
    assert forge.latest(change).state == "failure"


async def test_results_of_an_older_head_or_an_unfinished_run_are_not_read(
    service: Service, forge: MemoryForge, ci: RunFiles
) -> None:
    change = await scanned(service, forge)
    ci.runs[20] = {"semgrep.sarif": sarif("python.eval", "9.1")}
    old = dataclasses.replace(change, head_sha="0" * 40)
    assert await ingest(service, old, run(old, 20)) == "stale"
    ci.finished[21] = False
    assert await ingest(service, change, run(change, 21)) == "running"
    ci.finished[22] = None
    assert await ingest(service, change, run(change, 22)) == "gone"
    assert ci.fetched == []


async def test_disabled_in_the_policy_nothing_is_read(
    service: Service, forge: MemoryForge, ci: RunFiles
) -> None:
    change = await scanned(service, forge, "version: 1\nexternal: {enabled: false}\n")
    ci.runs[30] = {"semgrep.sarif": sarif("python.eval", "9.1")}
    assert await ingest(service, change, run(change, 30)) == "disabled"
    assert ci.fetched == [] and forge.latest(change).state == "success"


async def test_results_before_the_scan_are_judged_by_the_scan(
    service: Service, forge: MemoryForge, ci: RunFiles
) -> None:
    forge.branch(REPO, "main", BASE)
    change = forge.open(REPO, 4, BASE, {**BASE, "app.py": "eval(input())\n"}, "someone")
    ci.runs[40] = {"semgrep.sarif": sarif("python.eval", "9.1")}
    assert await ingest(service, change, run(change, 40)) == "stored"
    assert await run_queued(service) == ["scan"]
    assert forge.latest(change).state == "failure"


async def test_an_expired_dismissal_of_an_external_finding_turns_the_check_red(
    service: Service, forge: MemoryForge, ci: RunFiles
) -> None:
    clock = Clock(NOW)
    service.clock = clock
    forge.roles["maint"] = "maintain"
    change = await scanned(service, forge)
    ci.runs[50] = {"semgrep.sarif": sarif("python.eval", "9.1")}
    assert await ingest(service, change, run(change, 50)) == "judged"
    [blocking] = forge.latest(change).report.verdict.blocking
    await dismiss(service, change, f"/mergegate dismiss {blocking.id} accepted-risk until "
                                   "2026-12-03 sandboxed")
    assert forge.latest(change).state == "success"
    clock.now = dt.datetime(2026, 12, 4, 0, 1, tzinfo=dt.UTC)
    assert await tick(service) == 1
    assert await run_queued(service) == ["expire_dismissals"]
    assert forge.latest(change).state == "failure"
