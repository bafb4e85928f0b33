"""`mergegate rules [--lang L] [--format text|json]`: our Semgrep rules, one line each."""

from __future__ import annotations

import argparse
import json
import sys

from mergegate.commands.errors import UsageError
from mergegate.config import ConfigError, Settings
from mergegate.scanners.sast import RuleInfo, RulesError, bundled_rule_infos, language_name


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rules = subparsers.add_parser(
        "rules",
        help="list MergeGate's Semgrep rules (id, severity, CWE, title)",
        description="List the Semgrep rules MergeGate runs: id, severity, CWE and title. "
        "'mergegate explain RULE' shows one in full.",
    )
    rules.add_argument("--lang", metavar="L", help="only rules for this language (python, "
                       "javascript, typescript, java, go)")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.set_defaults(func=run)


def catalogue() -> list[RuleInfo]:
    try:
        return bundled_rule_infos(Settings.from_env())
    except (ConfigError, RulesError) as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    rules = catalogue()
    if args.lang:
        lang = language_name(args.lang)
        known = sorted({x for r in rules for x in r.languages})
        if lang not in known:
            raise UsageError(f"rules: no rules for {args.lang!r} (languages: {', '.join(known)})")
        rules = [r for r in rules if lang in r.languages]
    if args.format == "json":
        rows = [{"id": r.id, "severity": r.severity.label, "cwe": list(r.cwe),
                 "languages": list(r.languages), "title": r.title} for r in rules]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    width = max((len(r.id) for r in rules), default=0)
    cwe_width = max((len(",".join(r.cwe) or "-") for r in rules), default=0)
    for r in rules:
        cwe = ",".join(r.cwe) or "-"
        sys.stdout.write(f"{r.id:<{width}}  {r.severity.label:<8}  {cwe:<{cwe_width}}  {r.title}\n")
    return 0
