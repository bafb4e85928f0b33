"""The slash-command grammar: every command, every error message exactly."""

from __future__ import annotations

import datetime as dt

import pytest
from mergegate.core.commands import (
    CommandError,
    Dismiss,
    Explain,
    Help,
    Rescan,
    Undismiss,
    parse_comment,
    parse_line,
)


def test_dismiss_with_until_and_text() -> None:
    [cmd] = parse_comment(
        "thanks!\n/MergeGate DISMISS mg-0123abcd MG-DEADBEEF false-positive until 2027-01-31 "
        "The Query is constant"
    )
    assert cmd == Dismiss(
        ("mg-0123abcd", "mg-deadbeef"), "false-positive", dt.date(2027, 1, 31),
        "The Query is constant", 2,
    )


def test_one_command_per_line_and_code_blocks_ignored() -> None:
    body = "/mergegate rescan\n```\n/mergegate help\n```\n> /mergegate help\n/mergegate help"
    assert parse_comment(body) == [Rescan(1), Help(6)]


def test_other_commands() -> None:
    assert parse_line("/mergegate undismiss mg-0123abcd mg-0123abcd") == Undismiss(("mg-0123abcd",), 1)
    assert parse_line("/mergegate explain MG-0123ABCD") == Explain("mg-0123abcd", 1)
    assert parse_comment("no commands here /mergegate help") == []
    assert parse_comment(None) == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/mergegate", "missing command: expected one of dismiss, undismiss, rescan, explain, help"),
        ("/mergegate frobnicate", "unknown command 'frobnicate': expected one of dismiss, undismiss, rescan, explain, help"),
        ("/mergegate dismiss", "dismiss needs at least one finding id (mg-xxxxxxxx)"),
        ("/mergegate dismiss because", "dismiss needs at least one finding id (mg-xxxxxxxx) before 'because'"),
        ("/mergegate dismiss mg-0123abcd", "dismiss needs a reason: one of false-positive, wont-fix, test-code, accepted-risk"),
        ("/mergegate dismiss mg-0123abcd mg-12 false-positive", "'mg-12' is neither a finding id (mg-xxxxxxxx) nor a reason (false-positive, wont-fix, test-code, accepted-risk)"),
        ("/mergegate dismiss mg-0123abcd wont-fix until", "until needs a date as YYYY-MM-DD"),
        ("/mergegate dismiss mg-0123abcd wont-fix until 2027-13-01", "until needs a date as YYYY-MM-DD, got '2027-13-01'"),
        ("/mergegate dismiss mg-0123abcd wont-fix until tomorrow", "until needs a date as YYYY-MM-DD, got 'tomorrow'"),
        ("/mergegate undismiss", "undismiss needs at least one finding id (mg-xxxxxxxx)"),
        ("/mergegate undismiss mg-0123abcd please", "undismiss takes finding ids only, 'please' is not one (mg-xxxxxxxx)"),
        ("/mergegate rescan now", "rescan takes no arguments"),
        ("/mergegate help me", "help takes no arguments"),
        ("/mergegate explain", "explain takes exactly one finding id (mg-xxxxxxxx)"),
        ("/mergegate explain sql", "'sql' is not a finding id (mg-xxxxxxxx)"),
    ],
)
def test_errors_are_exact(line: str, message: str) -> None:
    assert parse_line(line, 3) == CommandError(3, line, message)
