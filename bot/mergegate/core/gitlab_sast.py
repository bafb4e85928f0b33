"""GitLab's SAST report (security report schema 15.x) of one verdict, for `artifacts:reports:sast`:
findings show in the merge request's security widget and the vulnerability report.

Pure: the scan's start and end times are given. Like every renderer it writes what a finding
says about itself (title, message, place, rule, CWE), never a secret's value. Dismissed findings
are left out: they were decided in MergeGate.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from mergegate.core.findings import Finding, Severity
from mergegate.core.tool import NAME, VERSION
from mergegate.core.verdict import JudgedFinding, Verdict

SCHEMA_VERSION = "15.0.4"
SCHEMA_URL = ("https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
              f"v{SCHEMA_VERSION}/dist/sast-report-format.json")
SEVERITIES = {
    Severity.CRITICAL: "Critical", Severity.HIGH: "High", Severity.MEDIUM: "Medium",
    Severity.LOW: "Low", Severity.INFO: "Info",
}
NAME_LIMIT = 255
DESCRIPTION_LIMIT = 1_048_576
_TOOL = {"id": NAME, "name": "MergeGate", "version": VERSION, "vendor": {"name": "MergeGate"}}


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _identifiers(f: Finding) -> list[dict[str, str]]:
    out = [{"type": f"{NAME}_rule", "name": f.rule, "value": f.rule}]
    for cwe in f.cwe:
        number = cwe.upper().removeprefix("CWE-")
        if number.isdigit():
            out.append({"type": "cwe", "name": f"CWE-{number}", "value": number,
                        "url": f"https://cwe.mitre.org/data/definitions/{number}.html"})
    return out


def _vulnerability(j: JudgedFinding) -> dict[str, Any]:
    f = j.finding
    start = max(f.line, 1)
    vulnerability: dict[str, Any] = {
        # A UUID made from the fingerprint: the same finding keeps its id across pipelines.
        "id": str(uuid.UUID(hex=f.fingerprint[:32].ljust(32, "0"))),
        "name": f.title[:NAME_LIMIT],
        "description": f.message[:DESCRIPTION_LIMIT],
        "severity": SEVERITIES[f.severity],
        "location": {"file": f.path, "start_line": start, "end_line": max(f.end_line, start)},
        "identifiers": _identifiers(f),
    }
    if f.fix:
        vulnerability["solution"] = f.fix
    if f.references:
        vulnerability["links"] = [{"url": ref} for ref in f.references if ref.startswith("http")]
    return vulnerability


def verdict_to_gitlab_sast(
    verdict: Verdict, *, started: dt.datetime, finished: dt.datetime
) -> dict[str, Any]:
    scan: dict[str, Any] = {
        "analyzer": _TOOL,
        "scanner": _TOOL,
        "type": "sast",
        "start_time": _time(started),
        "end_time": _time(finished),
        "status": "failure" if verdict.errors else "success",
    }
    if verdict.errors:
        scan["messages"] = [{"level": "warn", "value": f"{e.scanner}: {e.message}"}
                            for e in verdict.errors]
    return {
        "schema": SCHEMA_URL,
        "version": SCHEMA_VERSION,
        "scan": scan,
        "vulnerabilities": [_vulnerability(j) for j in verdict.findings if j.dismissed is None],
    }


def render_gitlab_sast(verdict: Verdict, *, started: dt.datetime, finished: dt.datetime) -> str:
    report = verdict_to_gitlab_sast(verdict, started=started, finished=finished)
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
