import datetime as dt

import pytest
from mergegate.core.findings import ScannerError, Severity
from mergegate.core.risk import Risk
from mergegate.core.verdict import Dismissal, evaluate
from mergegate.policy_file import parse_policy

from .factories import make_finding, make_vuln

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def policy(text: str = "version: 1\n"):  # type: ignore[no-untyped-def]
    load = parse_policy(text)
    assert not load.errors, load.errors
    return load.policy


def test_default_blocks_new_high_and_above_only() -> None:
    v = evaluate(
        [make_finding(severity=Severity.HIGH, content="a"),
         make_finding(severity=Severity.CRITICAL, content="b"),
         make_finding(severity=Severity.MEDIUM, content="c")],
        policy(), now=NOW,
    )
    assert v.conclusion == "failure"
    assert [j.finding.severity for j in v.blocking] == [Severity.CRITICAL, Severity.HIGH]
    medium = next(j for j in v.findings if j.finding.severity is Severity.MEDIUM)
    assert medium.note == "below block_on (high)"
    assert v.title == "2 blocking findings"


def test_block_on_per_scanner_overrides_global() -> None:
    p = policy("block_on: critical\nsast: {block_on: medium}\n")
    v = evaluate([make_finding(severity=Severity.MEDIUM),
                  make_finding(scanner="secrets", rule="s", severity=Severity.HIGH)], p, now=NOW)
    assert [j.finding.scanner for j in v.blocking] == ["sast"]


def test_block_on_never_blocks_nothing() -> None:
    v = evaluate([make_finding(severity=Severity.CRITICAL)], policy("block_on: never\n"), now=NOW)
    assert v.conclusion == "success" and not v.blocking


def test_pre_existing_findings_do_not_block_unless_new_findings_only_is_off() -> None:
    old = make_finding(new=False)
    v = evaluate([old], policy(), now=NOW)
    assert v.conclusion == "success" and v.findings[0].note == "pre-existing"
    v = evaluate([old], policy("new_findings_only: false\n"), now=NOW)
    assert v.conclusion == "failure"


def test_paths_ignore_drops_and_counts() -> None:
    v = evaluate([make_finding(path="vendor/x.py"), make_finding(path="src/x.py")],
                 policy("paths: {ignore: [vendor/**]}\n"), now=NOW)
    assert [j.finding.path for j in v.findings] == ["src/x.py"]
    assert v.ignored_by_path == 1


def test_disabled_scanner_and_excluded_rule_are_dropped() -> None:
    v = evaluate([make_finding(), make_finding(scanner="secrets", rule="s")],
                 policy("secrets: {enabled: false}\nsast: {exclude_rules: [mergegate.python.sql-injection]}\n"),
                 now=NOW)
    assert v.findings == ()


def test_dismissal_applies_until_it_expires() -> None:
    f = make_finding()
    d = Dismissal(f.fingerprint, "false-positive", "alice", NOW - dt.timedelta(days=1),
                  expires=NOW + dt.timedelta(days=1), comment="parameterised upstream")
    v = evaluate([f], policy(), [d], now=NOW)
    assert v.conclusion == "success" and v.findings[0].dismissed == d
    later = evaluate([f], policy(), [d], now=NOW + dt.timedelta(days=2))
    assert later.conclusion == "failure" and later.findings[0].dismissed is None


def test_dismissal_reason_must_be_known() -> None:
    with pytest.raises(ValueError, match="unknown dismissal reason 'because'"):
        Dismissal("f", "because", "bob", NOW)


def test_dependency_ignore_matches_id_or_alias_and_expires() -> None:
    text = "dependencies: {ignore: [{id: cve-2021-1, reason: unreachable, expires: 2026-11-30}]}\n"
    vuln = make_vuln()
    v = evaluate([vuln], policy(text), now=NOW)
    assert v.conclusion == "success"
    assert v.findings[0].dismissed is not None and v.findings[0].dismissed.by == "policy"
    after = evaluate([vuln], policy(text), now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert after.conclusion == "failure"


@pytest.mark.parametrize("mode,conclusion", [("fail", "failure"), ("neutral", "neutral"),
                                             ("pass", "success")])
def test_on_scanner_error(mode: str, conclusion: str) -> None:
    v = evaluate([], policy(f"on_scanner_error: {mode}\n"), now=NOW,
                 errors=[ScannerError("sast", "semgrep timed out after 300 s")])
    assert v.conclusion == conclusion


def test_policy_errors_always_fail() -> None:
    v = evaluate([], policy(), now=NOW, policy_errors=[".mergegate.yml:1:1: bad"])
    assert v.conclusion == "failure" and v.title == "Policy file has errors"


def test_risk_blocks_only_when_the_policy_says_so() -> None:
    risk = Risk("high", 80, ("touches CI workflows",))
    assert evaluate([], policy(), now=NOW, risk=risk).conclusion == "success"
    v = evaluate([], policy("risk: {block_at: medium}\n"), now=NOW, risk=risk)
    assert v.conclusion == "failure" and v.title == "Release risk high"


def test_find_by_id_is_case_insensitive() -> None:
    f = make_finding()
    v = evaluate([f], policy(), now=NOW)
    assert v.find(f.id.upper()) is not None and v.find("mg-00000000") is None
