"""SARIF 2.1.0 for GitHub code scanning: one run, one rule per rule id, stable fingerprints."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from mergegate.core.findings import Finding, Severity, is_file_place
from mergegate.core.tool import VERSION
from mergegate.core.verdict import JudgedFinding, Verdict

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/mergegate/mergegate"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub's security-severity: critical >= 9.0, high >= 7.0, medium >= 4.0, low otherwise.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def _uri(path: str) -> str:
    return quote(path, safe="/-_.~")


def _sentence(text: str) -> str:
    text = " ".join(text.split()) or "Finding."
    return text if text.endswith((".", "!", "?")) else text + "."


def _cwe_tags(cwes: tuple[str, ...]) -> list[str]:
    """Each CWE twice: as MergeGate writes it (CWE-89) and as GitHub code scanning reads it
    (external/cwe/cwe-89, the tag form CodeQL uses)."""
    tags: list[str] = []
    for cwe in cwes:
        number = cwe.strip().upper().removeprefix("CWE-").lstrip("0")
        if not number.isdigit():
            tags.append(cwe)
            continue
        tags += [f"CWE-{number}", f"external/cwe/cwe-{number}"]
    return list(dict.fromkeys(tags))


def _rule(f: Finding) -> dict[str, Any]:
    tags = ["security", f.scanner, *_cwe_tags(f.cwe)]
    rule: dict[str, Any] = {
        "id": f.rule,
        "name": "".join(part.capitalize() for part in f.rule.replace(".", "-").split("-") if part),
        "shortDescription": {"text": _sentence(f.title)},
        "fullDescription": {"text": _sentence(f.message)},
        "defaultConfiguration": {"level": _LEVEL[f.severity]},
        "help": {
            "text": _sentence(f.fix or f.message),
            "markdown": _sentence(f.fix or f.message),
        },
        "properties": {
            "tags": tags,
            "precision": "high",
            "security-severity": _SECURITY_SEVERITY[f.severity],
        },
    }
    if f.references:
        rule["helpUri"] = f.references[0]
    return rule


def _location(f: Finding, region: dict[str, Any]) -> dict[str, Any]:
    """The finding's file and region. An image, URL or package (external scanners' findings
    without a file) also gets a logical location naming it: GitHub code scanning needs a
    physical location on every result, so the name is its URI too, at line 1 (as Trivy does)."""
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(f.path), "uriBaseId": "%SRCROOT%"},
            "region": region,
        }
    }
    if not is_file_place(f.path):
        location["logicalLocations"] = [{"fullyQualifiedName": f.path, "kind": "resource"}]
    return location


def _result(j: JudgedFinding, rule_index: int) -> dict[str, Any]:
    f = j.finding
    region: dict[str, Any] = {"startLine": max(1, f.line), "endLine": max(f.line, f.end_line, 1)}
    if f.column > 1:
        region["startColumn"] = f.column
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.severity],
        "message": {"text": _sentence(f"{f.title}: {f.message}")},
        "locations": [_location(f, region)],
        "partialFingerprints": {"mergegate/v1": f.fingerprint},
        "properties": {
            "mergegateId": f.id,
            "new": f.new,
            "blocking": j.blocking,
            **({"tags": _cwe_tags(f.cwe)} if f.cwe else {}),
        },
    }
    if j.dismissed is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{j.dismissed.reason} by {j.dismissed.by}: {j.dismissed.comment}",
            }
        ]
    return result


def verdict_to_sarif(verdict: Verdict) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results = []
    for j in verdict.findings:
        if j.finding.rule not in index:
            index[j.finding.rule] = len(rules)
            rules.append(_rule(j.finding))
        results.append(_result(j, index[j.finding.rule]))
    notifications = [
        {
            "descriptor": {"id": f"scanner-error/{e.scanner}"},
            "level": "error",
            "message": {"text": _sentence(f"{e.scanner}: {e.message}")},
        }
        for e in verdict.errors
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "MergeGate",
                "semanticVersion": VERSION,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "automationDetails": {"id": "mergegate/"},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///"}},
        "results": results,
        "columnKind": "utf16CodeUnits",
        "invocations": [
            {
                "executionSuccessful": not verdict.errors,
                "toolExecutionNotifications": notifications,
            }
        ],
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(verdict: Verdict) -> str:
    return json.dumps(verdict_to_sarif(verdict), indent=2) + "\n"
