"""Fingerprints of external findings hold across runs, so a dismissal does."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from mergegate.core.policy import Policy
from mergegate.core.verdict import Dismissal, evaluate
from mergegate.scanners.external import file_lines, read_gitlab_report, read_sarif

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def sarif(results: list[dict[str, Any]], rules: list[dict[str, Any]] | None = None,
          name: str = "ExampleTool", **run: Any) -> bytes:
    doc = {"version": "2.1.0", "runs": [
        {"tool": {"driver": {"name": name, "rules": rules or []}}, "results": results, **run}]}
    return json.dumps(doc).encode()


def result(uri: str, line: int, rule: str = "sql-injection", **extra: Any) -> dict[str, Any]:
    return {"ruleId": rule, "message": {"text": f"Tainted query at line {line}."},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri},
                                                "region": {"startLine": line}}}], **extra}


def test_dismissal_of_an_external_finding_holds_across_two_runs(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import db\n\ndb.run(query + user_input)\n")
    first = read_sarif(sarif([result("app.py", 3, level="error")]), "r1.sarif",
                       lines=file_lines(tmp_path))
    (f1,) = first.findings
    dismissal = Dismissal(f1.fingerprint, "false-positive", "alice", NOW)
    assert evaluate(first.findings, Policy(), [dismissal], NOW).conclusion == "success"
    # Next push: ten lines added above; the tool reports line 13 with another message.
    (tmp_path / "app.py").write_text("\n" * 10 + "import db\n\ndb.run(query + user_input)\n")
    second = read_sarif(sarif([result("app.py", 13, level="error")]), "r2.sarif",
                        lines=file_lines(tmp_path))
    (f2,) = second.findings
    assert f2.fingerprint == f1.fingerprint and f2.id == f1.id and f2.line == 13
    verdict = evaluate(second.findings, Policy(), [dismissal], NOW)
    assert verdict.conclusion == "success"
    assert verdict.find(f1.id) is not None and verdict.find(f1.id).dismissed == dismissal  # type: ignore[union-attr]
    # Without the dismissal it blocks (error -> high, the default block_on).
    assert evaluate(second.findings, Policy(), [], NOW).conclusion == "failure"


def test_tool_fingerprint_is_used_when_given() -> None:
    a = read_sarif(sarif([result("a.py", 3, partialFingerprints={"primaryLocationLineHash": "x:1"})]), "a")
    b = read_sarif(sarif([result("a.py", 9, partialFingerprints={"primaryLocationLineHash": "x:1"})]), "b")
    assert a.findings[0].fingerprint == b.findings[0].fingerprint


def test_container_findings_keep_their_ids_when_the_image_is_rebuilt() -> None:
    def report(tag: str) -> bytes:
        return json.dumps({"version": "15.0.7", "scan": {"type": "container_scanning",
                                                         "scanner": {"id": "trivy"}},
                           "vulnerabilities": [{
                               "name": "bad", "severity": "Critical",
                               "identifiers": [{"type": "cve", "value": "CVE-2024-0001"}],
                               "location": {"image": f"registry.example.com/app:{tag}",
                                            "operating_system": "alpine 3.19",
                                            "dependency": {"package": {"name": "openssl"},
                                                           "version": "3.1.0"}}}]}).encode()
    (one,) = read_gitlab_report(report("sha-aaaa"), "gl1").findings
    (two,) = read_gitlab_report(report("sha-bbbb"), "gl2").findings
    assert one.fingerprint == two.fingerprint
    assert one.path == "image:registry.example.com/app:sha-aaaa" and one.line == 0
    assert one.severity.label == "critical" and one.aliases == ("CVE-2024-0001",)


def test_dast_findings_are_named_by_url_and_told_apart_by_parameter() -> None:
    def vuln(param: str) -> dict[str, Any]:
        return {"name": "Reflected XSS", "severity": "High",
                "identifiers": [{"type": "cwe", "value": "79"}],
                "location": {"hostname": "https://app.example.com", "path": "/search",
                             "method": "GET", "param": param}}
    data = json.dumps({"scan": {"type": "dast", "scanner": {"id": "zaproxy"}},
                       "vulnerabilities": [vuln("q"), vuln("page")]}).encode()
    a, b = read_gitlab_report(data, "gl-dast-report.json").findings
    assert (a.path, a.line, a.scanner) == ("https://app.example.com/search", 0, "external:zaproxy")
    assert a.rule == "79" and a.cwe == ("CWE-79",)
    assert a.fingerprint != b.fingerprint


def test_secret_detection_report_never_carries_the_value() -> None:
    value = "glpat-AbCdEf0123456789xyZZ"  # pragma: allowlist secret
    data = json.dumps({"scan": {"type": "secret_detection", "scanner": {"id": "gitleaks"}},
                       "vulnerabilities": [{
                           "name": "GitLab personal access token", "severity": "Critical",
                           "description": f"token {value} found",
                           "raw_source_code_extract": value,
                           "identifiers": [{"type": "gitleaks_rule_id", "value": "gitlab_pat"}],
                           "location": {"file": "ci/deploy.sh", "start_line": 4,
                                        "commit": {"sha": "abc"}}}]}).encode()
    (f,) = read_gitlab_report(data, "gl-secret-detection-report.json").findings
    assert value not in repr(f)
    assert (f.path, f.line, f.rule) == ("ci/deploy.sh", 4, "gitlab_pat")


def test_suppressed_results_are_shown_dismissed_by_the_tool() -> None:
    from mergegate.scanners.external import tool_dismissals

    res = read_sarif(sarif([result("a.py", 1, level="error", suppressions=[
        {"kind": "inSource", "justification": "test data"}]), result("b.py", 1, level="error",
        suppressions=[{"kind": "external", "status": "rejected"}])]), "s.sarif")
    assert len(res.findings) == 2 and len(res.suppressed) == 1
    verdict = evaluate(res.findings, Policy(),
                       tool_dismissals(res.suppressed, res.findings), NOW)
    by_path = {j.finding.path: j for j in verdict.findings}
    assert by_path["a.py"].dismissed is not None and not by_path["a.py"].blocking
    assert by_path["a.py"].dismissed.comment == "test data"
    assert by_path["b.py"].blocking


def test_uri_base_ids_and_file_uris_resolve_to_repository_paths() -> None:
    bases = {"REPO": {"uri": "file:///home/ci/build/"}, "SRC": {"uri": "src/", "uriBaseId": "REPO"}}
    res = read_sarif(sarif([result("app/db.py", 2) | {"locations": [{"physicalLocation": {
        "artifactLocation": {"uri": "app/db.py", "uriBaseId": "SRC"},
        "region": {"startLine": 2}}}]}, result("file:///home/ci/build/lib/x%20y.py", 5)],
        originalUriBaseIds=bases), "b.sarif", root="/home/ci/build")
    assert [(f.path, f.line) for f in res.findings] == [("src/app/db.py", 2), ("lib/x y.py", 5)]
    # Read elsewhere (a developer's checkout): the CI root is still the repository's root.
    elsewhere = read_sarif(sarif([result("app/db.py", 2) | {"locations": [{"physicalLocation": {
        "artifactLocation": {"uri": "app/db.py", "uriBaseId": "SRC"}}}]}],
        originalUriBaseIds=bases), "b.sarif", root="/home/dev/src/project")
    assert [f.path for f in elsewhere.findings] == ["src/app/db.py"]


def test_cwe_tags_in_both_forms_and_baseline_state() -> None:
    rules = [{"id": "sqli", "shortDescription": {"text": "SQL injection"},
              "properties": {"tags": ["security", "external/cwe/cwe-089", "CWE-564"],
                             "security-severity": "9.1"}}]
    res = read_sarif(sarif([result("a.py", 1, rule="sqli", baselineState="unchanged"),
                            result("b.py", 1, rule="sqli", baselineState="absent"),
                            result("c.py", 1, rule="sqli", kind="pass")], rules), "c.sarif")
    (f,) = res.findings
    assert f.cwe == ("CWE-89", "CWE-564") and f.severity.label == "critical"
    assert f.title == "SQL injection" and f.new is False


def test_trivy_secret_results_never_show_the_value_in_any_output() -> None:
    from mergegate.core.render import render_markdown, render_text
    from mergegate.core.report import render_json
    from mergegate.core.sarif import render_sarif

    value = "AKIAZ7QRSTUVWXYZ2345"  # a made-up key  # pragma: allowlist secret
    rules = [{"id": "aws-access-key-id", "shortDescription": {"text": "AWS Access Key ID"},
              "properties": {"tags": ["secret", "security", "CRITICAL"],
                             "security-severity": "9.5"}}]
    res = read_sarif(sarif([result("deploy/env.sh", 2, rule="aws-access-key-id",
                                   message={"text": f"Artifact: deploy/env.sh\nMatch: KEY={value}"})
                            | {"locations": [{"physicalLocation": {
                                "artifactLocation": {"uri": "deploy/env.sh"},
                                "region": {"startLine": 2, "snippet": {"text": f"KEY={value}"}}}}]}],
                           rules, name="Trivy"), "trivy-secrets.sarif")
    (f,) = res.findings
    assert f.severity.label == "critical" and "CWE-798" in f.cwe
    verdict = evaluate(res.findings, Policy(), now=NOW)
    for text in (render_text(verdict), render_markdown(verdict), render_json(verdict),
                 render_sarif(verdict), repr(f)):
        assert value not in text


def test_a_secret_our_scanner_found_is_reported_once(samples: Path) -> None:
    from dataclasses import replace

    from mergegate.scanners.external import without_duplicates

    from tests.core.factories import make_finding

    (theirs,) = read_sarif((samples / "gitleaks/sarif_simple.sarif").read_bytes(), "g").findings
    ours = replace(make_finding(scanner="secrets", path="auth.py", line=1), cwe=("CWE-798",))
    assert without_duplicates([theirs], [ours]) == ([], 1)
