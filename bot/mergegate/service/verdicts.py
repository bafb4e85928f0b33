"""Running the gate for a change's head, and re-judging stored findings without a rescan.

A scan job: report "in progress" at once (or reuse the report a crashed attempt started),
read the policy at the base, fetch the change, run the scanners in a thread, store the
findings, publish the verdict. Every verdict of a head also judges the other tools' results
read from its CI (`ci_results`), stored apart so a rescan keeps them. Between stages it
checks whether a newer head superseded it; then its report is closed as superseded instead.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mergegate.core.authorization import applicable_dismissals
from mergegate.core.findings import Finding, ScannerError, ScanNote
from mergegate.core.policy import Policy
from mergegate.core.risk import Risk
from mergegate.core.verdict import Dismissal, Verdict, evaluate
from mergegate.core.verdict_counts import blocking_counts
from mergegate.core.words import Words
from mergegate.forge.base import ChangeRef, Forge, PolicyAnnotation, Report, ReportHandle
from mergegate.scan.external import combine
from mergegate.service.context import Service
from mergegate.service.policy_load import (
    LoadedPolicy,
    from_texts,
    load_authority,
    load_policy,
    review_policy_edit,
    with_authority,
)
from mergegate.store.queue import Job
from mergegate.store.records import ScanRecord

log = logging.getLogger(__name__)


class Superseded(Exception):
    """A newer job for the same change exists; ``kind`` says what it is."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def superseded_message(kind: str, words: Words) -> str:
    if kind == "cancel":
        return f"The {words.change} was closed."
    return f"A newer commit was pushed to the {words.change}; it is being scanned instead."


@dataclass
class GateOutcome:
    verdict: Verdict
    scan_id: int
    handle: ReportHandle


def context_to_dict(verdict: Verdict, loaded: LoadedPolicy, extra: dict[str, Any]) -> dict[str, Any]:
    """What re-judging needs besides findings and policy (JSON-safe, no secret values)."""
    risk = dataclasses.asdict(verdict.risk) if verdict.risk else None
    return {
        "errors": [dataclasses.asdict(e) for e in verdict.errors],
        "notes": [dataclasses.asdict(n) for n in verdict.notes],
        "policy_errors": list(verdict.policy_errors),
        "risk": risk,
        "org_source": loaded.org_source,
        **extra,
    }


def _risk(d: dict[str, Any] | None) -> Risk | None:
    if not d:
        return None
    return Risk(d["level"], int(d["score"]), tuple(d.get("reasons", ())),
                tuple(d.get("new_hosts", ())))


def stored_policy(scan: ScanRecord) -> LoadedPolicy:
    """The policy a stored scan was judged by, its `dismiss` section from the default branch
    (recorded with the scan; the built-in defaults when a scan recorded none)."""
    loaded = from_texts(scan.policy_text, scan.policy_source, scan.org_policy_text,
                        scan.context.get("org_source"))
    recorded = scan.context.get("authority") or {}
    authority = from_texts(recorded.get("text"), recorded.get("source"), scan.org_policy_text,
                           scan.context.get("org_source"))
    loaded.policy = with_authority(loaded.policy, authority.policy)
    return loaded


def trusted_config_paths(policy: Policy) -> list[str]:
    """Files that configure judgement besides the policy: read from the base, never the head."""
    paths = list(policy.sast.rules)
    if policy.secrets.baseline:
        paths.append(policy.secrets.baseline)
    return paths


def edited_config_notes(policy: Policy, changed: list[str], words: Words) -> list[str]:
    """A note for each rule file (`sast.rules`) the change edits: previewed, never applied. The
    secrets scanner notes an edited baseline itself."""
    changed_set = set(changed)
    return [
        f"This {words.change} edits {path}, which configures how changes are judged; "
        f"the base branch's version judges this {words.change}, and the edit applies once merged."
        for path in policy.sast.rules if path in changed_set
    ]


async def judge(
    service: Service, repo_key: str, sha: str, findings: Sequence[Finding], policy: Policy, *,
    dismissals: Sequence[Dismissal], errors: Sequence[ScannerError],
    notes: Sequence[ScanNote], policy_errors: Sequence[str], policy_source: str | None,
    risk: Risk | None,
) -> Verdict:
    """The verdict of a head: our findings with the other tools' results stored for it."""
    external = await service.db(service.store.external.results_for, repo_key, sha)
    both = combine(findings, external, policy, what="result(s) read from CI")
    return evaluate(
        both.findings, policy, dismissals=[*dismissals, *both.tool_dismissals],
        now=service.clock(), errors=[*errors, *both.errors], notes=[*notes, *both.notes],
        policy_errors=policy_errors, policy_source=policy_source, risk=risk,
    )


async def stored_report(service: Service, scan: ScanRecord, author: str | None = None) -> Report:
    """The verdict of a stored scan under today's dismissals (no rescan).

    ``author`` is the change's author (dismissals they made themselves do not count when
    `self_dismiss` is false); by default the author of the change the scan was made for.
    """
    ctx = scan.context
    loaded = stored_policy(scan)
    records = service.store.records
    dismissals = applicable_dismissals(
        await service.db(records.active_dismissals, scan.repo, service.clock()),
        loaded.policy.dismiss, author if author is not None else ctx.get("author", ""),
    )
    verdict = await judge(
        service, scan.repo, scan.sha,
        await service.db(records.findings_of, scan.id),
        loaded.policy,
        dismissals=dismissals,
        errors=[ScannerError(**e) for e in ctx.get("errors", [])],
        notes=[ScanNote(**n) for n in ctx.get("notes", [])],
        policy_errors=ctx.get("policy_errors", []),
        policy_source=scan.policy_source,
        risk=_risk(ctx.get("risk")),
    )
    annotations = [PolicyAnnotation(**a) for a in ctx.get("policy_annotations", [])]
    return Report(verdict, annotations, ctx.get("extra_notes", []))


async def reevaluate(service: Service, forge: Forge, change: ChangeRef) -> Verdict | None:
    """Re-judge the stored findings of the change's head and publish a fresh check."""
    records = service.store.records
    scan = await service.db(records.scan_for, change.repo.key, change.head_sha)
    if scan is None or scan.status != "completed":
        return None
    report = await stored_report(service, scan, change.author)
    handle = await forge.report_verdict(change, None, report)
    await service.db(records.set_conclusion, scan.id, report.verdict.conclusion,
                     blocking_counts(report.verdict))
    await service.db(records.set_report_id, scan.id, handle.id)
    await service.db(records.audit, change.repo.key, "verdict", "mergegate", change.head_sha,
                     f"{report.verdict.conclusion}: {report.verdict.summary} (re-evaluated)",
                     handle.url)
    return report.verdict


async def scan_change(
    service: Service, forge: Forge, change: ChangeRef, job: Job | None = None,
    policy_ref: str | None = None,
) -> GateOutcome | None:
    """The whole gate for one head; None when a newer job superseded it.

    The policy comes from the change's base commit, or from ``policy_ref`` (the base branch)
    when a policy change on that branch asked for the re-evaluation.
    """
    queue, records = service.store.queue, service.store.records
    if job is not None and job.report_id:
        handle = ReportHandle(job.report_id)  # resumed after a crash: finish that check run
    else:
        handle = await forge.report_in_progress(change)
        if job is not None:
            await service.db(queue.set_report, job.id, handle.id)
    scan_id = await service.db(records.start_scan, change.repo.key, change.head_sha,
                               change.number, handle.id)

    async def check_superseded() -> None:
        if job is not None:
            kind = await service.db(queue.is_superseded, job)
            if kind is not None:
                raise Superseded(kind)

    workdir = Path(tempfile.mkdtemp(prefix="mergegate-", dir=service.workdir))
    try:
        await check_superseded()
        loaded = await load_policy(forge, change.repo, policy_ref or change.base_sha)
        authority = await load_authority(forge, change.repo, change.base_ref, loaded)
        policy = with_authority(loaded.policy, authority.policy)
        trusted = {path: await forge.read_file(change.repo, path, policy_ref or change.base_sha)
                   for path in trusted_config_paths(policy)}
        fetched = await forge.fetch_change(
            change, workdir / "head", full=not policy.new_findings_only
        )
        fetched.workspace.trusted_reader = trusted.get
        await check_superseded()
        dismissals = applicable_dismissals(
            await service.db(records.active_dismissals, change.repo.key, service.clock()),
            policy.dismiss, change.author,
        )
        result = await service.gate_runner.run(
            fetched.workspace, policy, service.settings,
            dismissals=dismissals,
            now=service.clock(), policy_errors=loaded.errors, policy_source=loaded.source,
            scanners=service.scanners,
        )
        await check_superseded()
        annotations: list[PolicyAnnotation] = []
        notes = list(loaded.notes) + list(fetched.notes)
        notes += edited_config_notes(policy, fetched.changed_paths, forge.words)
        if fetched.policy_edit is not None and fetched.policy_edit_path:
            annotations, edit_notes = review_policy_edit(
                loaded, fetched.policy_edit, fetched.policy_edit_path, forge.words
            )
            notes += edit_notes
        verdict = await judge(
            service, change.repo.key, change.head_sha, result.findings, policy,
            dismissals=dismissals, errors=result.verdict.errors, notes=result.verdict.notes,
            policy_errors=result.verdict.policy_errors,
            policy_source=result.verdict.policy_source, risk=result.risk,
        )
        await service.db(
            records.complete_scan, scan_id, conclusion=verdict.conclusion, found=result.findings,
            policy_text=loaded.repo_text, policy_source=loaded.source,
            org_policy_text=loaded.org_text,
            context=context_to_dict(result.verdict, loaded, {
                "policy_annotations": [dataclasses.asdict(a) for a in annotations],
                "extra_notes": notes,
                "author": change.author,
                "authority": {"text": authority.repo_text, "source": authority.source},
            }),
            report_id=handle.id, blocking=blocking_counts(verdict),
        )
        handle = await forge.report_verdict(change, handle, Report(verdict, annotations, notes))
        await service.db(records.audit, change.repo.key, "verdict", "mergegate",
                         change.head_sha, f"{verdict.conclusion}: {verdict.summary}", handle.url)
        return GateOutcome(verdict, scan_id, handle)
    except Superseded as exc:
        await service.db(records.set_scan_status, scan_id, "superseded")
        await forge.report_closed(change, handle, "superseded",
                                  superseded_message(exc.kind, forge.words))
        return None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
