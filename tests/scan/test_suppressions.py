"""`nosemgrep` comments, and one finding per weakness and place."""

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


def test_findings_sharing_a_weakness_on_the_same_lines_collapse_into_the_most_severe() -> None:
    from mergegate.core.findings import Finding, Severity
    from mergegate.scanners.sast import collapse_overlaps

    def f(rule: str, sev: Severity, cwe: tuple[str, ...], line: int = 3) -> Finding:
        return Finding(scanner="sast", rule=rule, severity=sev, title=rule, message="m",
                       path="a.py", line=line, end_line=line, fingerprint=rule * 4, cwe=cwe)

    weak_hash = f("weak-hash", Severity.MEDIUM, ("CWE-327", "CWE-328"))
    password_hash = f("weak-password-hash", Severity.HIGH, ("CWE-916", "CWE-328"))
    other = f("debug", Severity.LOW, ("CWE-215",))
    elsewhere = f("weak-hash", Severity.MEDIUM, ("CWE-327",), line=9)
    assert collapse_overlaps([weak_hash, password_hash, other, elsewhere]) == [
        other, password_hash, elsewhere]
