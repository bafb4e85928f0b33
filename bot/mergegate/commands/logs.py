"""`mergegate logs FILE... [--format text|json] [--max-bytes N]`: leaked credentials and
clustered failures.

Exit 1 when a credential is found; 2 when a file cannot be read, the logs go past the size
limit or the credential detectors stopped early (and no credential is found): what was not
scanned is not called clean; else 0.
"""

from __future__ import annotations

import argparse
import sys

from mergegate.commands.errors import UsageError
from mergegate.config import ConfigError, Settings


def _positive(raw: str) -> int:
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of bytes: {raw!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    logs = subparsers.add_parser(
        "logs",
        help="scan CI logs for leaked credentials and cluster repeated failures",
        description="Scan build and test logs (plain, gzip or zip) for leaked credentials, "
        "shown redacted, and summarise failures: identical and near-identical error lines and "
        "stack traces become one entry with a count and the first occurrence. At most "
        "--max-bytes decompressed bytes are read over all files; past that the report says "
        "it is truncated. Exit 1 when a credential is found, 2 when a file cannot be read, the "
        "logs were truncated or the credential detectors stopped early, else 0.",
    )
    logs.add_argument("files", nargs="+", metavar="FILE", help="log files to scan")
    logs.add_argument("--format", choices=("text", "json"), default="text")
    logs.add_argument(
        "--max-bytes", type=_positive, default=None, metavar="N",
        help="decompressed bytes to read at most, over all files (default: "
        f"MERGEGATE_LOG_MAX_BYTES, else {Settings.log_max_bytes:,})",
    )
    logs.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mergegate.logscan.render import render_json, render_text, truncation_note
    from mergegate.logscan.scan import scan_logs

    max_bytes = getattr(args, "max_bytes", None)
    if max_bytes is None:
        try:
            max_bytes = Settings.from_env().log_max_bytes
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
    report = scan_logs(args.files, max_bytes)
    if not report.lines and {e.path for e in report.errors} >= set(args.files):
        for e in report.errors:  # nothing was read: the errors are the whole answer
            print(f"mergegate logs: {e.path}: {e.message}", file=sys.stderr)
        return 2
    output = render_json(report) if args.format == "json" else render_text(report)
    sys.stdout.write(output)
    for e in report.errors:
        print(f"mergegate logs: {e.path}: {e.message}", file=sys.stderr)
    if report.truncated is not None:
        print(f"mergegate logs: {truncation_note(report.truncated)}", file=sys.stderr)
    if report.credentials:
        return 1
    if report.detection_stopped and not report.credentials:
        print(f"mergegate logs: {report.detection_stopped}; the rest was not searched",
              file=sys.stderr)
    incomplete = report.truncated is not None or report.detection_stopped is not None
    return 2 if report.errors or incomplete else 0
