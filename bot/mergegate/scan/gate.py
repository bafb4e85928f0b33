"""One gate run: scanners over a workspace, release risk, then the verdict.

The CLI and the forge workers both call `run_gate`; re-evaluating stored findings after a
dismissal calls `evaluate` without scanning again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mergegate.config import Settings
from mergegate.core.coverage import Coverage
from mergegate.core.findings import Finding, ScannerError, ScanNote
from mergegate.core.policy import Policy
from mergegate.core.risk import Risk
from mergegate.core.verdict import Dismissal, Verdict, evaluate
from mergegate.scan.change_facts import assess_workspace_risk
from mergegate.scan.engine import default_scanners, run_scanners, without_ignored_paths
from mergegate.scanners.base import Scanner
from mergegate.workspace import Workspace


@dataclass
class GateResult:
    verdict: Verdict
    findings: list[Finding]
    errors: list[ScannerError] = field(default_factory=list)
    notes: list[ScanNote] = field(default_factory=list)
    risk: Risk | None = None
    durations: dict[str, float] = field(default_factory=dict)


def run_gate(
    workspace: Workspace,
    policy: Policy,
    settings: Settings,
    *,
    dismissals: Iterable[Dismissal] = (),
    now: dt.datetime | None = None,
    policy_errors: Sequence[str] = (),
    policy_source: str | None = None,
    scanners: Sequence[Scanner] | None = None,
) -> GateResult:
    """Scan the workspace and judge the findings (blocking, synchronous: run it in a thread)."""
    chosen = list(scanners) if scanners is not None else default_scanners(settings)
    outcome = run_scanners(workspace, policy, chosen)
    res = outcome.result
    risk = assess_workspace_risk(without_ignored_paths(workspace, policy), res.findings)
    verdict = evaluate(
        res.findings,
        policy,
        dismissals=dismissals,
        now=now,
        errors=res.errors,
        notes=res.notes,
        policy_errors=policy_errors,
        policy_source=policy_source,
        risk=risk,
    )
    verdict = dataclasses.replace(verdict, coverage=coverage_of(workspace, policy, chosen))
    return GateResult(verdict, res.findings, res.errors, res.notes, risk, outcome.durations)


def coverage_of(workspace: Workspace, policy: Policy, scanners: Sequence[Scanner]) -> Coverage:
    """How many files the scanners were given, and the lockfiles and manifests the
    dependency scanner read among them (none when it did not run)."""
    seen = without_ignored_paths(workspace, policy)
    locks: list[str] = []
    manifests: list[str] = []
    if any(s.name == "dependencies" for s in scanners):
        # Imported here: the lockfile parsers (packaging, ...) load in the scanner's own thread,
        # beside Semgrep, rather than before the first scanner starts.
        from mergegate.scanners.dependencies.inventory import dependency_files

        locks, manifests = dependency_files(seen)
    return Coverage(files=len(seen.files), lockfiles=len(locks), manifests=len(manifests))
