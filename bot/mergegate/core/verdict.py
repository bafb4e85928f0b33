"""Judging findings against a policy: `evaluate` is pure and is the only place that decides."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from mergegate.core.coverage import Coverage
from mergegate.core.findings import Finding, ScannerError, ScanNote, Severity, sort_findings
from mergegate.core.globs import matches_any
from mergegate.core.policy import DISMISS_REASONS, Policy, threshold_label
from mergegate.core.risk import RISK_LEVELS, Risk

Conclusion = Literal["success", "failure", "neutral"]


@dataclass(frozen=True, slots=True)
class Dismissal:
    """A person's decision that a fingerprint does not block, with why, until when, and where."""

    fingerprint: str
    reason: str
    by: str
    at: dt.datetime
    expires: dt.datetime | None = None
    comment: str = ""
    link: str | None = None
    role: str | None = None  # the dismisser's forge role when they dismissed
    groups: tuple[str, ...] = ()  # the `@group` entries of dismiss.allowed they belonged to

    def __post_init__(self) -> None:
        if self.reason not in DISMISS_REASONS and not self.reason.startswith("policy:"):
            raise ValueError(f"unknown dismissal reason {self.reason!r}")

    def active(self, now: dt.datetime) -> bool:
        return self.expires is None or now < self.expires


@dataclass(frozen=True, slots=True)
class JudgedFinding:
    finding: Finding
    blocking: bool
    dismissed: Dismissal | None = None
    note: str | None = None  # why it does not block, when that is not obvious

    @property
    def id(self) -> str:
        return self.finding.id


@dataclass(frozen=True, slots=True)
class Verdict:
    conclusion: Conclusion
    findings: tuple[JudgedFinding, ...]
    errors: tuple[ScannerError, ...] = ()
    notes: tuple[ScanNote, ...] = ()
    policy_errors: tuple[str, ...] = ()
    policy_source: str | None = None
    ignored_by_path: int = 0
    risk: Risk | None = None
    risk_blocks: bool = False
    block_on: str = "high"
    unscanned_blocks: bool = False
    # Judged like the others but left out of the report's list by its threshold (`--severity`);
    # they still count in the title, the summary and the conclusion.
    hidden: tuple[JudgedFinding, ...] = ()
    hidden_below: str | None = None
    coverage: Coverage | None = None  # what the scan looked at (a fresh scan only)

    @property
    def unscanned(self) -> tuple[ScanNote, ...]:
        """Notes about content that could not be (fully) scanned."""
        return tuple(n for n in self.notes if n.unscanned)

    @property
    def blocking(self) -> tuple[JudgedFinding, ...]:
        return tuple(j for j in self.findings + self.hidden if j.blocking)

    @property
    def dismissed(self) -> tuple[JudgedFinding, ...]:
        return tuple(j for j in self.findings + self.hidden if j.dismissed is not None)

    @property
    def title(self) -> str:
        n = len(self.blocking)
        if self.policy_errors:
            return "Policy file has errors"
        if n:
            return f"{n} blocking finding" + ("" if n == 1 else "s")
        if self.risk_blocks and self.risk is not None:
            return f"Release risk {self.risk.level}"
        if self.unscanned_blocks:
            k = len(self.unscanned)
            return f"{k} file{'' if k == 1 else 's'} could not be fully scanned"
        if self.errors and self.conclusion != "success":
            return "Scanner error" + ("" if len(self.errors) == 1 else "s")
        return "No blocking findings"

    @property
    def summary(self) -> str:
        parts = [self.title]
        total = len(self.findings) + len(self.hidden)
        if total:
            parts.append(f"{total} finding{'' if total == 1 else 's'} in all")
        if self.dismissed:
            parts.append(f"{len(self.dismissed)} dismissed")
        if self.errors:
            parts.append(f"{len(self.errors)} scanner error{'' if len(self.errors) == 1 else 's'}")
        if self.unscanned and not self.unscanned_blocks:
            parts.append(f"{len(self.unscanned)} not fully scanned (on_unscanned: warn)")
        return "; ".join(parts)

    def counts_by_severity(self) -> dict[Severity, int]:
        c = Counter(j.finding.severity for j in self.findings)
        return {s: c.get(s, 0) for s in sorted(Severity, reverse=True)}

    def find(self, finding_id: str) -> JudgedFinding | None:
        for j in self.findings + self.hidden:
            if j.id == finding_id.lower():
                return j
        return None


def with_report_threshold(verdict: Verdict, threshold: Severity) -> Verdict:
    """The same verdict, its report listing only findings at `threshold` or above."""
    every = verdict.findings + verdict.hidden
    return replace(
        verdict,
        findings=tuple(j for j in every if j.finding.severity >= threshold),
        hidden=tuple(j for j in every if j.finding.severity < threshold),
        hidden_below=threshold.label,
    )


def _policy_ignore_dismissal(f: Finding, policy: Policy, today: dt.date) -> Dismissal | None:
    if f.scanner != "dependencies":
        return None
    names = {f.rule.upper(), *(a.upper() for a in f.aliases)}
    for rule in policy.dependencies.ignore:
        if rule.id.upper() in names and rule.active(today):
            expires = (
                dt.datetime.combine(rule.expires, dt.time.max, tzinfo=dt.UTC)
                if rule.expires
                else None
            )
            return Dismissal(
                fingerprint=f.fingerprint,
                reason="policy:dependencies.ignore",
                by="policy",
                at=dt.datetime.min.replace(tzinfo=dt.UTC),
                expires=expires,
                comment=rule.reason,
            )
    return None


def evaluate(
    findings: Iterable[Finding],
    policy: Policy,
    dismissals: Iterable[Dismissal] = (),
    now: dt.datetime | None = None,
    *,
    errors: Sequence[ScannerError] = (),
    notes: Sequence[ScanNote] = (),
    policy_errors: Sequence[str] = (),
    policy_source: str | None = None,
    risk: Risk | None = None,
) -> Verdict:
    """Decide which findings block and the check's conclusion.

    A finding blocks when its scanner is enabled, its path is not ignored, its severity reaches
    the scanner's threshold, it is new (or `new_findings_only` is off), and no active dismissal
    or dependency ignore covers it. Scanner errors fail, neutralise or pass by
    `on_scanner_error`; content that could not be scanned fails unless `on_unscanned: warn`;
    policy errors always fail.
    """
    now = now or dt.datetime.now(dt.UTC)
    active: dict[str, Dismissal] = {}
    for d in dismissals:
        if d.active(now):
            active[d.fingerprint] = d
    judged: list[JudgedFinding] = []
    ignored = 0
    for f in sort_findings(findings):
        if not policy.scanner_enabled(f.scanner):
            continue
        if f.scanner == "sast" and f.rule in policy.sast.exclude_rules:
            continue
        if policy.paths_ignore and matches_any(f.path, policy.paths_ignore):
            ignored += 1
            continue
        threshold = policy.threshold_for(f.scanner)
        severe = threshold is not None and f.severity >= threshold
        dismissal = active.get(f.fingerprint) or _policy_ignore_dismissal(f, policy, now.date())
        note: str | None = None
        if not severe:
            note = f"below block_on ({threshold_label(threshold)})"
        elif policy.new_findings_only and not f.new:
            note = "pre-existing"
        blocking = severe and (f.new or not policy.new_findings_only) and dismissal is None
        judged.append(JudgedFinding(f, blocking, dismissal, note))
    risk_blocks = (
        risk is not None
        and policy.risk.block_at is not None
        and RISK_LEVELS.index(risk.level) >= RISK_LEVELS.index(policy.risk.block_at)
    )
    conclusion: Conclusion = "success"
    unscanned_blocks = policy.on_unscanned == "fail" and any(n.unscanned for n in notes)
    blocked = policy_errors or any(j.blocking for j in judged) or risk_blocks or unscanned_blocks
    if blocked or (errors and policy.on_scanner_error == "fail"):
        conclusion = "failure"
    elif errors and policy.on_scanner_error == "neutral":
        conclusion = "neutral"
    return Verdict(
        conclusion=conclusion,
        findings=tuple(judged),
        errors=tuple(errors),
        notes=tuple(notes),
        policy_errors=tuple(policy_errors),
        policy_source=policy_source,
        ignored_by_path=ignored,
        risk=risk,
        risk_blocks=risk_blocks,
        block_on=threshold_label(policy.block_on),
        unscanned_blocks=unscanned_blocks,
    )
