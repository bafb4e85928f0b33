"""`mergegate audit [--repo R] [--since DATE] [--until DATE] [--action A] [--format F]`:
the service's audit log, read from its database (MERGEGATE_DATABASE_URL).

Exit 0 with the entries (none is not an error); 2 with one line on stderr for a bad date or a
database that cannot be read. Nothing is written: the database is neither created nor migrated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable

from mergegate.config import ConfigError, Settings
from mergegate.core.audit import AUDIT_ACTIONS

DATE_FORMS = "YYYY-MM-DD for a whole UTC day, or an ISO 8601 time such as 2026-12-01T14:30Z"


def _when(bound: str) -> Callable[[str], dt.datetime]:
    """Parse --since (a date's first instant) or --until (a date's last), UTC unless given."""

    def parse(raw: str) -> dt.datetime:
        text = raw.strip()
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            pass
        else:
            at = dt.time.min if bound == "since" else dt.time.max
            return dt.datetime.combine(day, at, tzinfo=dt.UTC)
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"not a date or time: {raw!r} (use {DATE_FORMS})") from None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)

    return parse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = subparsers.add_parser(
        "audit",
        help="print the audit log: dismissals, refusals, verdicts, deployment decisions",
        description="Print the service's audit log, oldest first, from the database named by "
        "MERGEGATE_DATABASE_URL: every dismissal, undismissal, expired dismissal, refused "
        "command, verdict and deployment decision, with who, when and why. CSV and JSON hold "
        "every field as recorded; text abbreviates hashes and leaves out links. Exit 2 with "
        "one line on stderr when a date or the database cannot be read.",
    )
    audit.add_argument("--repo", metavar="R",
                       help="only this repository: owner/name (any forge) or forge:owner/name")
    audit.add_argument("--since", type=_when("since"), metavar="DATE",
                       help=f"only entries at or after DATE: {DATE_FORMS}")
    audit.add_argument("--until", type=_when("until"), metavar="DATE",
                       help="only entries at or before DATE (a date includes that whole day)")
    audit.add_argument("--action", action="append", choices=AUDIT_ACTIONS, metavar="A",
                       help=f"only this action (repeatable): {', '.join(AUDIT_ACTIONS)}")
    audit.add_argument("--format", choices=("text", "csv", "json"), default="text")
    audit.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mergegate.core.audit import render_csv, render_json, render_text
    from mergegate.observability.logs import redact
    from mergegate.store.db import StoreError
    from mergegate.store.service_store import Store

    if args.since and args.until and args.since > args.until:
        return _fail("--since is after --until")
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        return _fail(str(exc))
    try:
        store = Store.connect(settings.database_url)
    except StoreError as exc:
        return _fail(redact(str(exc)))
    try:
        entries = store.records.audit_entries(args.repo, since=args.since, until=args.until,
                                              actions=args.action)
    except Exception as exc:  # the server went away meanwhile, a table of another version
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return _fail("the audit log cannot be read: "
                     + redact(reason[0] if reason else type(exc).__name__))
    finally:
        store.close()
    render = {"csv": render_csv, "json": render_json}.get(args.format, render_text)
    sys.stdout.write(render(entries))
    return 0


def _fail(message: str) -> int:
    print(f"mergegate audit: {message}", file=sys.stderr)
    return 2
