"""A malformed report is an error or note naming the file, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mergegate.scanners.external import read_gitlab_report, read_report, read_sarif


def test_codeql_invalid_sarif_is_an_error_naming_the_file(samples: Path) -> None:
    res = read_report(samples / "codeql/invalid-sarif.sarif", "sarif", shown_as="invalid.sarif")
    assert res.findings == []
    (error,) = res.errors
    assert error.scanner == "external" and error.message.startswith("invalid.sarif: ")


def test_invalid_uri_is_a_note_naming_the_file(samples: Path) -> None:
    res = read_report(samples / "codeql/with-invalid-uri.sarif", "sarif", shown_as="bad-uri.sarif")
    assert res.findings == [] and res.errors == []
    (note,) = res.notes
    assert note.path == "bad-uri.sarif" and note.unscanned and "not a valid URI" in note.message


def test_truncated_file_is_an_error_naming_it(samples: Path, tmp_path: Path) -> None:
    data = (samples / "trivy/alpine-310.sarif.golden").read_bytes()
    cut = tmp_path / "cut.sarif"
    cut.write_bytes(data[: len(data) // 2])
    (error,) = read_report(cut, "sarif", shown_as="cut.sarif").errors
    assert error.message.startswith("cut.sarif: not valid JSON")


@pytest.mark.parametrize(("data", "why"), [
    (b"\xff\xfe\x00garbage", "not valid JSON"),
    (b"[1, 2]", "not a SARIF log"),
    (b'{"version": "1.0.0", "runs": []}', "not supported"),
    (b'{"version": "2.1.0", "runs": [42]}', "is not an object"),
    (b'{"version": "2.1.0", "runs": [{"results": [{"locations": 7}]}]}', None),
    (b'{"version": "2.1.0", "runs": [{"tool": 3, "results": []}]}', "tool is not an object"),
    (b'{"version": "2.1.0", "runs": [{"results": [{"ruleIndex": 99, "level": 5, '
     b'"message": [], "suppressions": 3, "properties": {"security-severity": "x"}}]}]}', None),
])
def test_odd_sarif_never_raises(data: bytes, why: str | None) -> None:
    res = read_sarif(data, "odd.sarif")
    if why is None:
        assert res.errors == []
    else:
        (error,) = res.errors
        assert why in error.message and "odd.sarif" in error.message


@pytest.mark.parametrize(("doc", "why"), [
    ({"vulnerabilities": 3}, "no 'vulnerabilities' list"),
    ({"scan": {"type": "fuzzing-ish"}, "vulnerabilities": []}, "unknown GitLab report type"),
])
def test_odd_gitlab_reports_are_errors(doc: object, why: str) -> None:
    (error,) = read_gitlab_report(json.dumps(doc).encode(), "gl.json").errors
    assert why in error.message and error.message.startswith("gl.json: ")


def test_odd_gitlab_vulnerabilities_never_raise() -> None:
    doc = {"vulnerabilities": [7, {}, {"location": 3, "identifiers": 5, "severity": None,
                                       "links": [1]}]}
    res = read_gitlab_report(json.dumps(doc).encode(), "gl.json")
    assert len(res.findings) == 2 and len(res.notes) == 1


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    (error,) = read_report(tmp_path / "nope.sarif", "sarif", shown_as="nope.sarif").errors
    assert error.message.startswith("nope.sarif: ")
