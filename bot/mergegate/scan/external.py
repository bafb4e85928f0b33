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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mergegate.core.findings import Finding, ScannerError, ScanNote
from mergegate.core.policy import Policy
from mergegate.core.verdict import Dismissal, Verdict, evaluate
from mergegate.scan.gate import GateResult

if TYPE_CHECKING:
    from mergegate.scanners.external import ExternalResult, ReportKind


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
    from mergegate.scanners.external import ExternalResult, file_lines, read_report

    out = ExternalResult()
    lines = file_lines(root)
    for path, kind in reports:
        out.extend(read_report(path, kind, shown_as=str(path), lines=lines,
                               root=str(root.resolve())))
    return out


@dataclass(frozen=True, slots=True)
class Combined:
    """Our findings with other tools' results: what `evaluate` takes beyond the policy."""

    findings: list[Finding]
    tool_dismissals: list[Dismissal]
    errors: list[ScannerError]
    notes: list[ScanNote]


def combine(
    ours: Sequence[Finding],
    external: ExternalResult,
    policy: Policy,
    *,
    what: str = "external report(s)",
    count: int | None = None,
) -> Combined:
    """Our findings plus the external ones that no scanner of ours reports already (ours win),
    the tools' own suppressions as dismissals, and the reports' errors and notes. With
    `external.enabled: false` nothing external counts, and a note says so."""
    from mergegate.scanners.external import tool_dismissals, without_duplicates

    if not policy.external.enabled:
        n = count if count is not None else len(external.findings) + len(external.errors)
        off = ScanNote(f"{n} {what} not read: the policy sets external.enabled: false")
        return Combined(list(ours), [], [], [off] if n else [])
    kept, dropped = without_duplicates(external.findings, ours)
    notes: list[ScanNote] = []
    if dropped:
        notes.append(ScanNote(f"{dropped} external finding(s) left out: one of our "
                              "scanners reports the same problem at the same place"))
    notes += external.notes
    return Combined([*ours, *kept], tool_dismissals(external.suppressed, kept),
                    list(external.errors), notes)


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
    # The readers (SARIF, GitLab reports) are imported only when there are reports to read.
    from mergegate.scanners.external import ExternalResult

    external = read_reports(reports, root) if policy.external.enabled else ExternalResult()
    both = combine(gate.findings, external, policy, count=len(reports))
    return evaluate(
        both.findings,
        policy,
        dismissals=[*dismissals, *both.tool_dismissals],
        errors=[*gate.errors, *both.errors],
        notes=[*gate.notes, *both.notes],
        policy_errors=gate.verdict.policy_errors,
        policy_source=gate.verdict.policy_source,
        risk=gate.risk,
    )
