"""`mergegate logs FILE... [--format text|json]`: leaked credentials and clustered failures.

Exit 1 when a credential is found; 2 when a file cannot be read (and none is found); else 0.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    logs = subparsers.add_parser(
        "logs",
        help="scan CI logs for leaked credentials and cluster repeated failures",
        description="Scan build and test logs (plain or gzip) for leaked credentials, shown "
        "redacted, and summarise failures: identical and near-identical error lines and "
        "stack traces become one entry with a count and the first occurrence. Exit 1 when a "
        "credential is found, 2 when a file cannot be read, else 0.",
    )
    logs.add_argument("files", nargs="+", metavar="FILE", help="log files to scan")
    logs.add_argument("--format", choices=("text", "json"), default="text")
    logs.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mergegate.logscan.render import render_json, render_text
    from mergegate.logscan.scan import scan_logs

    report = scan_logs(args.files)
    output = render_json(report) if args.format == "json" else render_text(report)
    sys.stdout.write(output)
    for e in report.errors:
        print(f"mergegate logs: {e.path}: {e.message}", file=sys.stderr)
    if report.credentials:
        return 1
    return 2 if report.errors else 0
