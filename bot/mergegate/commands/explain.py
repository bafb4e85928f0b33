"""`mergegate explain RULE|ID [--report FILE]`: what a rule looks for and how to fix what it
finds, or one finding of a JSON report (`mergegate scan --format json --output FILE`)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from typing import Any

from mergegate.commands.errors import UsageError
from mergegate.commands.rules import catalogue
from mergegate.scanners.sast import RuleInfo

FINDING_ID = re.compile(r"mg-[0-9a-f]{8}", re.IGNORECASE)
WIDTH = 100


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    explain = subparsers.add_parser(
        "explain",
        help="explain a rule, or a finding of a JSON report",
        description="Explain one of MergeGate's Semgrep rules (what it finds, CWE, OWASP, fix, "
        "references), or a finding id (mg-xxxxxxxx) of a report written by "
        "'mergegate scan --format json --output FILE', given with --report FILE.",
    )
    explain.add_argument("name", metavar="RULE|ID", help="a rule id (see 'mergegate rules') "
                         "or a finding id")
    explain.add_argument("--report", metavar="FILE",
                         help="the JSON report a finding id comes from")
    explain.set_defaults(func=run)


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]


def _cwe_link(cwe: str) -> str:
    number = cwe.removeprefix("CWE-")
    return f"{cwe} (https://cwe.mitre.org/data/definitions/{number}.html)" if number.isdigit() else cwe


def explain_rule(rule: RuleInfo) -> str:
    lines = [f"{rule.id}", f"severity: {rule.severity.label} · languages: {', '.join(rule.languages)}",
             ""]
    lines += _wrap(rule.message)
    lines.append("")
    if rule.cwe:
        lines.append("CWE:   " + "; ".join(_cwe_link(c) for c in rule.cwe))
    if rule.owasp:
        lines.append("OWASP: " + "; ".join(rule.owasp))
    if rule.fix:
        lines += _wrap(f"fix:   {rule.fix}")
    if rule.references:
        lines.append("references:")
        lines += [f"  {ref}" for ref in rule.references]
    return "\n".join(lines) + "\n"


def find_rule(name: str, rules: list[RuleInfo]) -> RuleInfo:
    by_id = {r.id: r for r in rules}
    if name in by_id:
        return by_id[name]
    ends = [r for r in rules if r.id.endswith("." + name)]
    if len(ends) == 1:
        return ends[0]
    if ends:
        raise UsageError(f"explain: {name!r} names several rules: {', '.join(r.id for r in ends)}")
    raise UsageError(f"explain: no rule {name!r}; 'mergegate rules' lists them (a finding id "
                     "looks like mg-1a2b3c4d)")


def explain_finding(finding: dict[str, Any], rule: RuleInfo | None) -> str:
    place = f"{finding.get('path')}:{finding.get('line')}"
    status = "blocking" if finding.get("blocking") else "not blocking"
    if finding.get("dismissed"):
        status = f"dismissed ({finding['dismissed'].get('reason')})"
    lines = [f"{finding['id']}  {finding.get('severity')}  {place}  ({status})",
             f"{finding.get('title')}", f"rule: {finding.get('rule')} ({finding.get('scanner')})", ""]
    lines += _wrap(str(finding.get("message") or ""))
    lines.append("")
    if finding.get("cwe"):
        lines.append("CWE:   " + "; ".join(_cwe_link(str(c)) for c in finding["cwe"]))
    if rule is not None and rule.owasp:
        lines.append("OWASP: " + "; ".join(rule.owasp))
    if finding.get("fix"):
        lines += _wrap(f"fix:   {finding['fix']}")
    if finding.get("references"):
        lines.append("references:")
        lines += [f"  {ref}" for ref in finding["references"]]
    return "\n".join(lines) + "\n"


def _load_report(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            report = json.load(fh)
    except FileNotFoundError:
        raise UsageError(f"explain: {path}: no such report") from None
    except IsADirectoryError:
        raise UsageError(f"explain: {path}: is a folder, not a report") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise UsageError(f"explain: {path}: not a JSON report of 'mergegate scan --format json'") from None
    if not isinstance(report, dict) or not isinstance(report.get("findings"), list):
        raise UsageError(f"explain: {path}: not a JSON report of 'mergegate scan --format json'")
    return report


def run(args: argparse.Namespace) -> int:
    name = args.name.strip()
    if FINDING_ID.fullmatch(name):
        finding_id = name.lower()
        if not args.report:
            raise UsageError(
                f"explain: a finding id needs the report it is in: run 'mergegate scan --format "
                f"json --output report.json', then 'mergegate explain {finding_id} --report "
                "report.json'")
        report = _load_report(args.report)
        found = [f for f in report["findings"] if isinstance(f, dict) and f.get("id") == finding_id]
        if not found:
            raise UsageError(f"explain: {finding_id} is not in {args.report}")
        rules = {r.id: r for r in catalogue()}
        sys.stdout.write(explain_finding(found[0], rules.get(str(found[0].get("rule")))))
        return 0
    sys.stdout.write(explain_rule(find_rule(name, catalogue())))
    return 0
