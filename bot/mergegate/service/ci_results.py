"""The `ci_results` job: other tools' result files from a finished CI run, judged with the
change they ran for.

The forge takes the run's files that the policy's `external.artifacts` globs match (GitHub:
workflow artifacts; GitLab: the pipeline's job artifacts and `artifacts:reports`), under size
limits and safe unpacking; here they are read (SARIF 2.1.0 or GitLab security reports), stored
for the head commit, and the change's verdict is published again with them. The policy is the
base's, as for the scan. A file that cannot be read is a scanner error naming it; what could
not be downloaded or unpacked is a *not fully scanned* note naming the artifact. Results of an
older head, of a run that runs again, or of a run older than the stored one change nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import shutil
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from mergegate.forge.base import ChangeRef, CiRun, Forge, NotFound, ResultFiles
from mergegate.forge.fetching import safe_relpath
from mergegate.scanners.external import ExternalResult, guess_kind, read_report
from mergegate.scanners.external.model import LineSource
from mergegate.service.context import Service
from mergegate.service.enqueue import Enqueuer
from mergegate.service.payloads import ci_run_from_dict, repo_from_dict
from mergegate.service.policy_load import load_policy
from mergegate.service.verdicts import reevaluate
from mergegate.store.external_results import RunKey

log = logging.getLogger(__name__)

MAX_SOURCE_FILES = 200  # repository files read for fingerprints of results without the tool's
MAX_SOURCE_BYTES = 2 * 1024 * 1024
HEAD_BYTES = 64 * 1024


def head_lines(forge: Forge, change: ChangeRef, loop: asyncio.AbstractEventLoop) -> LineSource:
    """Lines of the change's head files, read through the forge from a reader's thread (the
    identity of a result without the tool's own fingerprint is its line's content, as locally)."""
    cache: dict[str, list[str] | None] = {}

    def read(path: str, start: int, end: int) -> str | None:
        if path not in cache:
            cache[path] = None
            if len(cache) <= MAX_SOURCE_FILES and safe_relpath(path) == path:
                call: Coroutine[Any, Any, bytes | None] = forge.read_file(
                    change.repo, path, change.head_sha)
                try:
                    data = asyncio.run_coroutine_threadsafe(call, loop).result(timeout=60)
                except Exception as exc:  # a missing line only weakens the identity
                    log.info("%s at %s not read for fingerprints: %s", path,
                             change.head_sha[:7], type(exc).__name__)
                    data = None
                if data is not None and len(data) <= MAX_SOURCE_BYTES:
                    cache[path] = data.decode("utf-8", "replace").splitlines()
        lines = cache[path]
        if lines is None or not 1 <= start <= len(lines):
            return None
        return "\n".join(lines[start - 1:max(start, min(end, len(lines)))])

    return read


def read_result_files(files: ResultFiles, lines: LineSource | None) -> ExternalResult:
    """Every file's findings (blocking: run it in a thread), with the forge's notes."""
    out = ExternalResult(notes=list(files.notes))
    for f in files.files:
        with f.path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
        out.extend(read_report(f.path, f.kind or guess_kind(f.label, head), shown_as=f.label,
                               lines=lines))
    return out


async def ingest_ci_results(service: Service, payload: dict[str, Any]) -> str:
    """Read the run's result files for one change and re-judge it; what was done."""
    repo = repo_from_dict(payload["repo"])
    run: CiRun = ci_run_from_dict(payload["run"])
    forge = service.forge(repo.forge)
    artifacts = forge.ci_artifacts
    if artifacts is None:
        log.error("CI results job for a %s repository dropped", repo.forge)
        return "unsupported"
    try:
        change = await forge.get_change(repo, int(payload["change"]))
    except NotFound:
        return "gone"
    head = await artifacts.tested_head(repo, run)
    if head != run.head_sha:  # a merged-results pipeline: the results are its MR head's
        run = dataclasses.replace(run, head_sha=head)
    if change.head_sha != run.head_sha:
        log.info("%s run %s is for %s, no longer the head of %s#%s: not read", run.name,
                 run.id, run.head_sha[:7], repo.full_name, change.number)
        return "stale"
    store = service.store.external
    key = RunKey(run.source, run.id, run.attempt, run.name)
    stored = await service.db(store.stored_run, repo.key, run.head_sha, run.source)
    if stored is not None and stored > (run.id, run.attempt):
        return "older"  # a newer run of the same source is judged already
    if stored != (run.id, run.attempt):
        outcome = await _read_run(service, forge, change, run, key)
        if outcome != "stored":
            return outcome
    # else: read already, for another change of the run or by a redelivery: judge this one
    if await reevaluate(service, forge, change) is None:
        # Not judged yet (its scan is queued, or never ran): the scan includes the results.
        await service.db(Enqueuer(service).scan, change, reason=f"results of {run.name}")
        return "stored"
    return "judged"


async def _read_run(service: Service, forge: Forge, change: ChangeRef, run: CiRun,
                    key: RunKey) -> str:
    artifacts = forge.ci_artifacts
    assert artifacts is not None
    finished = await artifacts.run_finished(change.repo, run)
    if finished is None:
        log.warning("%s run %s of %s is gone: its results are not read", run.name, run.id,
                    change.repo.full_name)
        return "gone"
    if not finished:
        log.info("%s run %s runs again: its results are read at its next completion",
                 run.name, run.id)
        return "running"
    policy = (await load_policy(forge, change.repo, change.base_sha)).policy
    if not policy.external.enabled:
        log.info("%s: external.enabled is false: results of %s not read",
                 change.repo.full_name, run.name)
        return "disabled"
    workdir = Path(tempfile.mkdtemp(prefix="mergegate-ci-", dir=service.workdir))
    try:
        files = await artifacts.fetch_results(change.repo, run, policy.external.artifacts,
                                              workdir)
        lines = head_lines(forge, change, asyncio.get_running_loop())
        result = await asyncio.to_thread(read_result_files, files, lines)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    store = service.store.external
    if not (files.files or files.notes) and not await service.db(
            store.has_source, change.repo.key, run.head_sha, key.source):
        return "nothing"  # no result files, and none from an earlier run to replace
    saved = await service.db(store.save, change.repo.key, run.head_sha, key, result)
    log.info("%s: %s: %d result file(s), %d finding(s), %d error(s), %d note(s)%s",
             change.repo.full_name, run.name, len(files.files), len(result.findings),
             len(result.errors), len(result.notes), "" if saved else " (a newer run is stored)")
    return "stored" if saved else "older"
