"""`nosemgrep` comments: where they apply, and which rules they name."""

from __future__ import annotations

from mergegate.scanners.sast import suppression_line

LINES = [
    "x = 1",
    "eval(a)  # nosemgrep",
    "# nosemgrep: mergegate.python.code-injection",
    "eval(b)",
    "eval(c)  # NOSEM: other-rule, code-injection",
    "y = 2  # nosemgrep",
    "eval(d)",
    "eval(e)  // nosemgrep: mergegate.python.sql-injection",
]
RULE = "mergegate.python.code-injection"


def test_on_the_line_or_alone_on_the_line_before_for_every_rule_or_this_one() -> None:
    assert suppression_line(LINES, 2, RULE) == 2
    assert suppression_line(LINES, 4, RULE) == 3
    assert suppression_line(LINES, 5, RULE) == 5  # a short id names the rule too
    assert suppression_line(LINES, 7, RULE) is None  # code on the line before: not for this one
    assert suppression_line(LINES, 8, RULE) is None  # names another rule
    assert suppression_line(LINES, 1, RULE) is None
