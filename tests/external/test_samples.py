"""Each real sample ingests with the counts, severities and places the file itself gives.

The expected values are computed here from the JSON with a few independent lines (the SARIF
and GitLab rules of severity), not taken from the reader.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from mergegate.scanners.external import read_gitlab_report, read_sarif

SARIF_SAMPLES = [
    "trivy/alpine-310.sarif.golden",
    "grype/TestSarifPresenter_image.golden",
    "grype/TestSarifPresenter_directory.golden",
    "checkov/results.sarif",
    "codeql/valid-sarif.sarif",
    "codeql/fingerprinting.input.sarif",
    "codeql/fingerprinting.expected.sarif",
    "codeql/empty-sarif.sarif",
    "gitleaks/sarif_simple.sarif",
]
GITLAB_SAMPLES = ["gitlab/alpine-310.gitlab.golden", "gitlab/npm.gitlab.golden"]


def _expected_sarif_severity(result: dict[str, Any], rules: list[dict[str, Any]]) -> str:
    rule = next((r for r in rules if r.get("id") == result.get("ruleId")), {})
    if 0 <= result.get("ruleIndex", -1) < len(rules):
        rule = rules[result["ruleIndex"]]
    score = (result.get("properties") or {}).get("security-severity") or (
        rule.get("properties") or {}).get("security-severity")
    if score is not None:
        s = float(score)
        return ("critical" if s >= 9 else "high" if s >= 7 else "medium" if s >= 4
                else "low" if s > 0 else "info")
    level = result.get("level") or (rule.get("defaultConfiguration") or {}).get("level", "warning")
    return {"error": "high", "warning": "medium", "note": "low", "none": "info"}[level]


def _sarif_expectations(doc: dict[str, Any]) -> tuple[Counter[str], Counter[str]]:
    severities: Counter[str] = Counter()
    uris: Counter[str] = Counter()
    for run in doc["runs"]:
        rules = ((run.get("tool") or {}).get("driver") or {}).get("rules") or []
        for result in run.get("results") or []:
            severities[_expected_sarif_severity(result, rules)] += 1
            art = result["locations"][0]["physicalLocation"]["artifactLocation"]
            uri = art.get("uri") or run["artifacts"][art["index"]]["location"]["uri"]
            uris[uri] += 1
    return severities, uris


@pytest.mark.parametrize("name", SARIF_SAMPLES)
def test_sarif_sample_counts_severities_and_places(samples: Path, name: str) -> None:
    data = (samples / name).read_bytes()
    severities, uris = _sarif_expectations(json.loads(data))
    result = read_sarif(data, name)
    assert result.errors == []
    assert not [n for n in result.notes if n.unscanned]
    assert Counter(f.severity.label for f in result.findings) == severities
    assert len(result.findings) == sum(uris.values())
    image = {run.get("properties", {}).get("imageName") for run in json.loads(data)["runs"]}
    places: Counter[str] = Counter()
    for f in result.findings:
        assert f.scanner.startswith("external:")
        if f.path.startswith("image:"):
            assert f.line == 0
            places[next(i for i in image if i)] += 1
        else:
            assert f.line >= 1
            places[f.path] += 1
    assert places == uris
    assert len({f.fingerprint for f in result.findings}) == len(result.findings)


def test_sample_details(samples: Path) -> None:
    trivy = read_sarif((samples / "trivy/alpine-310.sarif.golden").read_bytes(), "t.sarif")
    assert {f.scanner for f in trivy.findings} == {"external:trivy"}
    assert {f.rule for f in trivy.findings} == {"CVE-2019-1549", "CVE-2019-1551"}
    assert {f.path for f in trivy.findings} == {
        "image:ghcr.io/aquasecurity/trivy-test-images:alpine-310"}
    grype = read_sarif((samples / "grype/TestSarifPresenter_image.golden").read_bytes(), "g")
    # security-severity (8.2) wins over the level ("note"), as GitHub reads it
    assert {f.severity.label for f in grype.findings} == {"high"}
    assert "CVE-1999-0001" in grype.findings[0].aliases
    codeql = read_sarif((samples / "codeql/valid-sarif.sarif").read_bytes(), "c")
    assert {f.scanner for f in codeql.findings} == {"external:lgtm.com", "external:codeql"}
    checkov = read_sarif((samples / "checkov/results.sarif").read_bytes(), "r.sarif")
    assert {f.scanner for f in checkov.findings} == {"external:unknown"}
    assert [n.path for n in checkov.notes] == ["r.sarif"]  # the run names no tool
    assert ("v2/example.yml", 1, 13) in {(f.path, f.line, f.end_line) for f in checkov.findings}


def test_codeql_fingerprints_are_the_tools_own(samples: Path) -> None:
    plain = read_sarif((samples / "codeql/fingerprinting.input.sarif").read_bytes(), "in")
    tooled = read_sarif((samples / "codeql/fingerprinting.expected.sarif").read_bytes(), "out")
    assert [f.path for f in plain.findings] == [f.path for f in tooled.findings]
    # primaryLocationLineHash present: the identity is the tool's, not the message
    assert {f.fingerprint for f in plain.findings}.isdisjoint(f.fingerprint for f in tooled.findings)


@pytest.mark.parametrize("name", GITLAB_SAMPLES)
def test_gitlab_sample_counts_severities_and_places(samples: Path, name: str) -> None:
    data = (samples / name).read_bytes()
    doc = json.loads(data)
    result = read_gitlab_report(data, name)
    assert result.errors == []
    assert len(result.findings) == len(doc["vulnerabilities"])
    assert Counter(f.severity.label for f in result.findings) == Counter(
        v["severity"].lower() for v in doc["vulnerabilities"])
    expected_tool = doc["scan"]["scanner"]["id"]
    for f, v in zip(result.findings, doc["vulnerabilities"], strict=True):
        assert f.scanner == f"external:{expected_tool}"
        assert f.rule == v["identifiers"][0]["value"]
        assert f.line == 0
        image = v["location"]["image"]
        package = v["location"]["dependency"]["package"]["name"]
        assert f.path == (f"image:{image}" if image != "Unknown" else f"package:{package}")
        assert package in f.title
    assert len({f.fingerprint for f in result.findings}) == len(result.findings)


def test_gitleaks_secret_value_never_appears(samples: Path) -> None:
    data = (samples / "gitleaks/sarif_simple.sarif").read_bytes()
    snippet = json.loads(data)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "region"]["snippet"]["text"]
    (f,) = read_sarif(data, "gitleaks.sarif").findings
    assert (f.scanner, f.path, f.line) == ("external:gitleaks", "auth.py", 1)
    assert snippet not in repr(f)
    # gitleaks' partialFingerprints are commit metadata (author, e-mail), not an identity
    assert "johndoe" not in repr(f)


def test_zap_xml_is_named_as_xml(samples: Path) -> None:
    (error,) = read_sarif((samples / "zap/basic-traditional-xml.xml").read_bytes(), "z.xml").errors
    assert error.message == "z.xml: not valid JSON (an XML file? SARIF is JSON)"


@pytest.mark.parametrize("name", [
    "trivy/secrets.json.golden", "trivy/helm_testchart.json.golden", "gitleaks/json_simple.json",
    "zap/basic-traditional-json.json", "zap/basic-traditional-json-plus.json",
])
def test_native_json_formats_are_named_errors_not_crashes(samples: Path, name: str) -> None:
    data = (samples / name).read_bytes()
    for result in (read_sarif(data, name), read_gitlab_report(data, name)):
        assert result.findings == []
        (error,) = result.errors
        assert name in error.message
        assert "; it is " in error.message  # which format it is, and how to get SARIF
    # Trivy's secrets report carries the matched text: it must not leak into the error
    for finding in json.loads(data).get("Results", []) if isinstance(json.loads(data), dict) else []:
        for secret in finding.get("Secrets", []):
            assert secret.get("Match", "\0") not in read_sarif(data, name).errors[0].message
