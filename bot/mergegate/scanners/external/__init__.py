"""Results of other scanners (SARIF 2.1.0, GitLab security reports) as MergeGate findings.

Readers are pure (`read_sarif`, `read_gitlab_report`: bytes in, findings out); `read_report`
adds the file reading, `without_duplicates` drops what our own scanners already found, and
`tool_dismissals` turns the tool's own accepted suppressions into dismissals the verdict shows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

from mergegate.core.findings import Finding, ScannerError
from mergegate.core.verdict import Dismissal
from mergegate.scanners.external.gitlab_report import read_gitlab_report
from mergegate.scanners.external.model import ExternalResult, LineSource, file_lines
from mergegate.scanners.external.sarif import read_sarif

__all__ = [
    "ExternalResult", "ReportKind", "file_lines", "guess_kind", "read_gitlab_report", "read_report",
    "read_sarif", "tool_dismissals", "without_duplicates",
]

ReportKind = Literal["sarif", "gitlab"]
MAX_REPORT_BYTES = 200 * 1024 * 1024  # a 50 MB SARIF log takes about 215 MB to read
SUPPRESSED_REASON = "policy:suppressed-by-tool"


def read_report(
    path: Path,
    kind: ReportKind,
    *,
    shown_as: str | None = None,
    lines: LineSource | None = None,
    root: str | None = None,
    max_bytes: int = MAX_REPORT_BYTES,
) -> ExternalResult:
    """Read one report file; an unreadable or oversized file is an error naming it."""
    name = shown_as or str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            message = f"{name}: {size} bytes is more than the {max_bytes}-byte limit"
            return ExternalResult(errors=[ScannerError("external", message)])
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return ExternalResult(errors=[ScannerError("external", f"{name}: {reason}")])
    if kind == "sarif":
        return read_sarif(data, name, lines=lines, root=root)
    return read_gitlab_report(data, name, lines=lines)


def guess_kind(name: str, head: bytes) -> ReportKind:
    """What a result file found in CI is, from its name and its first bytes: SARIF unless it
    looks like a GitLab security report (``gl-*-report.json``, or a top-level
    ``vulnerabilities`` list and no SARIF ``runs``)."""
    base = re.split(r"[\s/]", name)[-1].lower()  # "artifact x: dir/gl-sast-report.json"
    if base.endswith((".sarif", ".sarif.json")):
        return "sarif"
    if base.startswith("gl-") and base.endswith("-report.json"):
        return "gitlab"
    if b'"vulnerabilities"' in head and b'"runs"' not in head:
        return "gitlab"
    return "sarif"


def _advisories(f: Finding) -> set[str]:
    return {a.upper() for a in (f.rule, *f.aliases) if a.upper().startswith(("CVE-", "GHSA-"))}


def without_duplicates(
    external: Iterable[Finding], ours: Iterable[Finding]
) -> tuple[list[Finding], int]:
    """External findings less those one of ours already reports (our finding wins), and how
    many were dropped. A duplicate has the same path and line (line 0 matches any line for an
    advisory) and shares a CWE or an advisory id; repeated fingerprints are dropped too."""
    by_path: dict[str, list[Finding]] = {}
    for f in ours:
        by_path.setdefault(f.path, []).append(f)
    kept: list[Finding] = []
    seen: set[str] = set()
    dropped = 0
    for e in external:
        if e.fingerprint in seen or _duplicate(e, by_path.get(e.path, ())):
            dropped += 1
            continue
        seen.add(e.fingerprint)
        kept.append(e)
    return kept, dropped


def _duplicate(e: Finding, ours: Iterable[Finding]) -> bool:
    e_cwe = set(e.cwe)
    e_adv = _advisories(e)
    for o in ours:
        if e_adv & _advisories(o) and (e.line == o.line or 0 in (e.line, o.line)):
            return True
        if e_cwe & set(o.cwe) and e.line == o.line:
            return True
    return False


def tool_dismissals(suppressed: Mapping[str, str], findings: Iterable[Finding]) -> list[Dismissal]:
    """The tool's accepted suppressions as dismissals, shown as ``dismissed (policy:
    suppressed-by-tool by <tool>)`` with the tool's justification."""
    tools = {f.fingerprint: f.scanner.removeprefix("external:") for f in findings}
    at = dt.datetime.min.replace(tzinfo=dt.UTC)
    return [Dismissal(fingerprint=fp, reason=SUPPRESSED_REASON, by=tools[fp], at=at, comment=why)
            for fp, why in suppressed.items() if fp in tools]
