"""Other scanners' reports (SARIF, GitLab security reports) judged with our own findings.

External findings go through the same `evaluate` as ours: the policy's thresholds (with the
`external.tools.<tool>.block_on` overrides), path ignores and dismissals. They count as new
unless the tool itself says otherwise (SARIF ``baselineState: unchanged|updated``): we cannot
tell which of them the change introduced, so `new_findings_only` does not spare them. An
external finding one of our scanners also reports (same place, same CWE or advisory) is
dropped: ours wins.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from mergegate.core.findings import ScanNote
from mergegate.core.policy import Policy
from mergegate.core.verdict import Dismissal, Verdict, evaluate
from mergegate.scan.gate import GateResult
from mergegate.scanners.external import (
    ExternalResult,
    ReportKind,
    file_lines,
    read_report,
    tool_dismissals,
    without_duplicates,
)


def add_external_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sarif", nargs="+", action="extend", default=[], metavar="FILE",
                        help="also judge the results of these SARIF 2.1.0 files (any tool)")
    parser.add_argument("--gitlab-report", nargs="+", action="extend", default=[],
                        metavar="FILE", help="also judge these GitLab security reports "
                        "(sast, dependency/container scanning, dast, secret detection)")


def reports_from_args(args: argparse.Namespace) -> list[tuple[Path, ReportKind]]:
    sarif: list[tuple[Path, ReportKind]] = [(Path(p), "sarif") for p in args.sarif]
    return sarif + [(Path(p), "gitlab") for p in args.gitlab_report]


def read_reports(reports: Sequence[tuple[Path, ReportKind]], root: Path) -> ExternalResult:
    """Every report's findings; paths inside them are taken relative to the checkout `root`."""
    out = ExternalResult()
    lines = file_lines(root)
    for path, kind in reports:
        out.extend(read_report(path, kind, shown_as=str(path), lines=lines,
                               root=str(root.resolve())))
    return out


def judge_with_reports(
    gate: GateResult,
    policy: Policy,
    reports: Sequence[tuple[Path, ReportKind]],
    *,
    root: Path,
    dismissals: Sequence[Dismissal] = (),
) -> Verdict:
    """The gate's verdict again, with the reports' findings judged alongside ours."""
    if not reports:
        return gate.verdict
    notes = list(gate.notes)
    external = ExternalResult()
    if policy.external.enabled:
        external = read_reports(reports, root)
        external.findings, dropped = without_duplicates(external.findings, gate.findings)
        if dropped:
            notes.append(ScanNote(f"{dropped} external finding(s) left out: one of our "
                                  "scanners reports the same problem at the same place"))
    else:
        notes.append(ScanNote(f"{len(reports)} external report(s) not read: the policy sets "
                              "external.enabled: false"))
    return evaluate(
        [*gate.findings, *external.findings],
        policy,
        dismissals=[*dismissals, *tool_dismissals(external.suppressed, external.findings)],
        errors=[*gate.errors, *external.errors],
        notes=[*notes, *external.notes],
        policy_errors=gate.verdict.policy_errors,
        policy_source=gate.verdict.policy_source,
        risk=gate.risk,
    )
