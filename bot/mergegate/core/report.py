"""The JSON report of the design, and the JSON codec of findings the store uses."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from mergegate.core.findings import Finding, Package, Severity
from mergegate.core.tool import VERSION
from mergegate.core.verdict import Dismissal, JudgedFinding, Verdict


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """Every field of a finding as JSON-safe values (the inverse of `finding_from_dict`)."""
    return {
        "scanner": f.scanner,
        "rule": f.rule,
        "severity": f.severity.label,
        "title": f.title,
        "message": f.message,
        "path": f.path,
        "line": f.line,
        "end_line": f.end_line,
        "column": f.column,
        "fingerprint": f.fingerprint,
        "new": f.new,
        "fix": f.fix,
        "cwe": list(f.cwe),
        "references": list(f.references),
        "package": f.package.as_dict() if f.package else None,
        "aliases": list(f.aliases),
    }


def finding_from_dict(d: dict[str, Any]) -> Finding:
    pkg = d.get("package")
    return Finding(
        scanner=d["scanner"],
        rule=d["rule"],
        severity=Severity.parse(d["severity"]),
        title=d["title"],
        message=d["message"],
        path=d["path"],
        line=int(d["line"]),
        end_line=int(d["end_line"]),
        column=int(d.get("column", 1)),
        fingerprint=d["fingerprint"],
        new=bool(d.get("new", True)),
        fix=d.get("fix"),
        cwe=tuple(d.get("cwe", ())),
        references=tuple(d.get("references", ())),
        package=Package(pkg["ecosystem"], pkg["name"], pkg["version"]) if pkg else None,
        aliases=tuple(d.get("aliases", ())),
    )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def dismissal_to_dict(d: Dismissal) -> dict[str, Any]:
    return {
        "reason": d.reason,
        "by": d.by,
        "at": _iso(d.at),
        "expires": _iso(d.expires),
        "comment": d.comment,
        "link": d.link,
    }


def judged_to_dict(j: JudgedFinding) -> dict[str, Any]:
    f = j.finding
    out: dict[str, Any] = {
        "id": f.id,
        "fingerprint": f.fingerprint,
        "scanner": f.scanner,
        "rule": f.rule,
        "severity": f.severity.label,
        "title": f.title,
        "message": f.message,
        "path": f.path,
        "line": f.line,
        "end_line": f.end_line,
        "new": f.new,
        "blocking": j.blocking,
        "dismissed": dismissal_to_dict(j.dismissed) if j.dismissed else None,
        "fix": f.fix,
        "cwe": list(f.cwe),
        "references": list(f.references),
    }
    if f.package is not None:
        out["package"] = f.package.as_dict()
    if f.aliases:
        out["aliases"] = list(f.aliases)
    return out


def verdict_to_dict(verdict: Verdict) -> dict[str, Any]:
    report: dict[str, Any] = {
        "tool": {"name": "mergegate", "version": VERSION},
        "verdict": {
            "conclusion": verdict.conclusion,
            "blocking": len(verdict.blocking),
            "summary": verdict.summary,
        },
        "policy": {
            "source": verdict.policy_source,
            "errors": list(verdict.policy_errors),
        },
        "findings": [judged_to_dict(j) for j in verdict.findings],
        "errors": [
            {"scanner": e.scanner, "message": e.message, **({"path": e.path} if e.path else {})}
            for e in verdict.errors
        ],
        "notes": [{"message": n.message, "path": n.path, "unscanned": n.unscanned}
                  for n in verdict.notes],
    }
    if verdict.risk is not None:
        report["risk"] = {
            "level": verdict.risk.level,
            "score": verdict.risk.score,
            "reasons": list(verdict.risk.reasons),
            "new_hosts": list(verdict.risk.new_hosts),
            "blocking": verdict.risk_blocks,
        }
    return report


def render_json(verdict: Verdict) -> str:
    return json.dumps(verdict_to_dict(verdict), indent=2, sort_keys=False) + "\n"
