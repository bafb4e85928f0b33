"""The slash-command grammar: every command, every error message exactly."""

from __future__ import annotations

import datetime as dt

import pytest
from mergegate.core.slash_commands import (
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


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("    /mergegate dismiss mg-0123abcd false-positive x", id="indented-4"),
        pytest.param("\t/mergegate rescan", id="indented-tab"),
        pytest.param("text\n\n    /mergegate rescan\n", id="indented-after-paragraph"),
        pytest.param("```\n/mergegate rescan\n~~~\n/mergegate rescan\n", id="backticks-closed-by-tildes"),
        pytest.param("~~~~\n/mergegate rescan\n~~~\n/mergegate rescan", id="shorter-closing-fence"),
        pytest.param("```\n/mergegate rescan\n``` not a close\n/mergegate rescan", id="info-after-close"),
        pytest.param("  ```python\n/mergegate rescan", id="unclosed-fence-runs-to-the-end"),
        pytest.param("<!--\n/mergegate rescan\n-->", id="html-comment"),
        pytest.param("<!-- /mergegate rescan -->", id="one-line-html-comment"),
        pytest.param("<pre>\n/mergegate rescan\n</pre>", id="pre-block"),
        pytest.param("> /mergegate rescan", id="quoted"),
    ],
)
def test_commands_inside_code_or_hidden_markup_do_not_act(body: str) -> None:
    assert parse_comment(body) == []


def test_commands_after_a_closed_fence_act() -> None:
    body = "```\n/mergegate rescan\n```\n   /mergegate help\n~~~~~\n~~~\n~~~~~\n/mergegate rescan"
    assert parse_comment(body) == [Help(4), Rescan(8)]


def test_a_backtick_line_with_backticks_in_its_info_is_not_a_fence() -> None:
    assert parse_comment("``` a ` b\n/mergegate rescan") == [Rescan(2)]


def test_dismissal_explanations_are_capped_at_1000_characters() -> None:
    ok = "x" * 1000
    [cmd] = parse_comment(f"/mergegate dismiss mg-0123abcd wont-fix {ok}")
    assert isinstance(cmd, Dismiss) and cmd.text == ok
    [err] = parse_comment(f"/mergegate dismiss mg-0123abcd wont-fix {'y' * 70_000}")
    assert isinstance(err, CommandError)
    assert err.message == ("the explanation is 70,000 characters long; keep it to 1,000 or "
                           "fewer (nothing was dismissed)")
    assert len(err.source) < 100
