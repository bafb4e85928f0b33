"""GitLab's SAST report (schema 15.x) rendered from a verdict: its shape, severities, places,
identifiers, stable ids; dismissed findings left out."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

from mergegate.core.findings import Finding, ScannerError, Severity, fingerprint
from mergegate.core.gitlab_sast import SCHEMA_VERSION, render_gitlab_sast, verdict_to_gitlab_sast
from mergegate.core.policy import DEFAULT_POLICY
from mergegate.core.verdict import Dismissal, evaluate

STARTED = dt.datetime(2026, 12, 2, 7, 0, 1, tzinfo=dt.UTC)
FINISHED = dt.datetime(2026, 12, 2, 9, 0, 3, tzinfo=dt.timezone(dt.timedelta(hours=2)))
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def finding(rule: str, severity: Severity, path: str, line: int, **extra: object) -> Finding:
    return Finding(scanner=str(extra.pop("scanner", "sast")), rule=rule, severity=severity,
                   title=f"title of {rule}", message=f"message of {rule}", path=path, line=line,
                   end_line=int(str(extra.pop("end_line", line))),
                   fingerprint=fingerprint("sast", rule, path, rule), **extra)  # type: ignore[arg-type]


def report(*findings: Finding, errors: tuple[ScannerError, ...] = (),
           dismissed: tuple[str, ...] = ()) -> dict[str, object]:
    dismissals = [Dismissal(fp, "false-positive", "alice", STARTED) for fp in dismissed]
    verdict = evaluate(findings, DEFAULT_POLICY, dismissals, errors=errors)
    return verdict_to_gitlab_sast(verdict, started=STARTED, finished=FINISHED)


def test_report_shape() -> None:
    sql = finding("mergegate.python.sql-injection", Severity.HIGH, "app/db.py", 12, end_line=14,
                  cwe=("CWE-89",), fix="Use parameters.", references=("https://owasp.org/x",))
    out = report(sql)
    assert out["version"] == SCHEMA_VERSION and SCHEMA_VERSION.startswith("15.")
    scan = out["scan"]
    assert isinstance(scan, dict)
    assert scan["type"] == "sast" and scan["status"] == "success"
    assert scan["start_time"] == "2026-12-02T07:00:01" and scan["end_time"] == "2026-12-02T07:00:03"
    assert TIME.match(scan["start_time"]) and TIME.match(scan["end_time"])
    for tool in (scan["analyzer"], scan["scanner"]):
        assert tool["id"] == "mergegate" and tool["name"] and tool["version"]
        assert tool["vendor"]["name"]
    (v,) = out["vulnerabilities"]  # type: ignore[misc]
    assert v == {
        "id": str(uuid.UUID(sql.fingerprint[:32])),
        "name": "title of mergegate.python.sql-injection",
        "description": "message of mergegate.python.sql-injection",
        "severity": "High",
        "location": {"file": "app/db.py", "start_line": 12, "end_line": 14},
        "identifiers": [
            {"type": "mergegate_rule", "name": "mergegate.python.sql-injection",
             "value": "mergegate.python.sql-injection"},
            {"type": "cwe", "name": "CWE-89", "value": "89",
             "url": "https://cwe.mitre.org/data/definitions/89.html"},
        ],
        "solution": "Use parameters.",
        "links": [{"url": "https://owasp.org/x"}],
    }


def test_every_severity_has_gitlab_s_name_and_ids_are_stable() -> None:
    findings = [finding(f"r.{s.label}", s, "a.py", i + 1) for i, s in enumerate(Severity)]
    first: list[dict[str, str]] = report(*findings)["vulnerabilities"]  # type: ignore[assignment]
    again: list[dict[str, str]] = report(*reversed(findings))["vulnerabilities"]  # type: ignore[assignment]
    assert sorted(v["severity"] for v in first) == ["Critical", "High", "Info", "Low", "Medium"]
    assert {v["id"] for v in first} == {v["id"] for v in again}
    assert len({v["id"] for v in first}) == len(findings)


def test_a_place_without_a_line_gets_line_1() -> None:
    image = finding("CVE-2024-1", Severity.MEDIUM, "alpine:3.10", 0, end_line=0)
    (v,) = report(image)["vulnerabilities"]  # type: ignore[misc]
    assert v["location"] == {"file": "alpine:3.10", "start_line": 1, "end_line": 1}


def test_dismissed_findings_are_left_out_and_scanner_errors_fail_the_scan() -> None:
    a = finding("r.a", Severity.HIGH, "a.py", 1)
    b = finding("r.b", Severity.HIGH, "b.py", 1)
    out = report(a, b, errors=(ScannerError("dependencies", "OSV unreachable"),),
                 dismissed=(a.fingerprint,))
    assert [v["location"]["file"] for v in out["vulnerabilities"]] == ["b.py"]  # type: ignore[union-attr,index]
    scan = out["scan"]
    assert scan["status"] == "failure"  # type: ignore[index]
    assert scan["messages"] == [{"level": "warn", "value": "dependencies: OSV unreachable"}]  # type: ignore[index]


def test_rendered_json_ends_with_a_newline() -> None:
    verdict = evaluate([], DEFAULT_POLICY)
    text = render_gitlab_sast(verdict, started=STARTED, finished=STARTED)
    assert text.endswith("}\n") and json.loads(text)["vulnerabilities"] == []
