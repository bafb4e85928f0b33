import pytest
from mergegate.core.findings import (
    Match,
    Severity,
    dependency_fingerprint,
    fingerprint,
    fingerprint_matches,
    normalize_content,
    short_id,
)


def test_severity_has_one_order_worst_last() -> None:
    assert sorted(Severity) == [
        Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL
    ]
    assert Severity.CRITICAL > Severity.HIGH > Severity.MEDIUM


@pytest.mark.parametrize("text,expected", [("HIGH", Severity.HIGH), (" low ", Severity.LOW)])
def test_severity_parse(text: str, expected: Severity) -> None:
    assert Severity.parse(text) is expected


def test_severity_parse_rejects_unknown_with_the_choices() -> None:
    with pytest.raises(ValueError, match=r"unknown severity 'severe' \(expected critical\|high"):
        Severity.parse("severe")


def test_semgrep_levels_map_to_our_severities() -> None:
    assert Severity.from_semgrep("ERROR") is Severity.HIGH
    assert Severity.from_semgrep("WARNING") is Severity.MEDIUM
    assert Severity.from_semgrep("INFO") is Severity.LOW


def test_fingerprint_ignores_whitespace_but_not_content() -> None:
    a = fingerprint("sast", "r", "a.py", "x  =\teval(y)\n")
    assert a == fingerprint("sast", "r", "a.py", "x = eval(y)")
    assert a != fingerprint("sast", "r", "a.py", "x = eval(z)")
    assert a != fingerprint("sast", "r", "b.py", "x = eval(y)")
    assert a != fingerprint("sast", "other", "a.py", "x = eval(y)")
    assert len(a) == 64 and int(a, 16) >= 0


def test_normalize_folds_runs_of_whitespace() -> None:
    assert normalize_content("  a \n\t b  ") == "a b"


def test_identical_matches_get_occurrence_indices_in_line_order() -> None:
    first = Match("sast", "r", "a.py", 10, "eval(x)")
    second = Match("sast", "r", "a.py", 30, "eval(x)")
    fps = fingerprint_matches([second, first])
    assert fps[1] == fingerprint("sast", "r", "a.py", "eval(x)")
    assert fps[0] == fingerprint("sast", "r", "a.py", "eval(x)", 1)
    # Moving both down keeps both identities.
    moved = fingerprint_matches([Match("sast", "r", "a.py", 50, "eval(x)"),
                                 Match("sast", "r", "a.py", 70, "eval(x)")])
    assert moved == [fps[1], fps[0]]


def test_short_id_is_mg_and_eight_hex_digits() -> None:
    fp = dependency_fingerprint("PyPI", "django", "PYSEC-2021-1", "requirements.txt")
    assert short_id(fp) == "mg-" + fp[:8]
    assert fp != dependency_fingerprint("PyPI", "django", "PYSEC-2021-1", "other/requirements.txt")
