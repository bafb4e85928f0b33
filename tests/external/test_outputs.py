"""External findings, with and without a file, in every output format and in the policy."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from mergegate.core.findings import Finding, Severity
from mergegate.core.policy import Policy
from mergegate.core.policy_merge import merge_policies
from mergegate.core.render import render_markdown, render_text
from mergegate.core.report import render_json
from mergegate.core.sarif import render_sarif
from mergegate.core.verdict import Dismissal, evaluate
from mergegate.policy_file import parse_policy
from mergegate.scanners.external import read_gitlab_report, read_sarif, without_duplicates

from tests.core.factories import make_finding

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _image_findings(samples: Path) -> list[Finding]:
    return read_gitlab_report((samples / "gitlab/alpine-310.gitlab.golden").read_bytes(),
                              "gl-container-scanning-report.json").findings


def test_locationless_findings_render_in_every_format_and_dismiss_by_id(samples: Path) -> None:
    findings = _image_findings(samples)
    first = findings[0]
    dismissal = Dismissal(first.fingerprint, "accepted-risk", "alice", NOW)
    verdict = evaluate(findings, Policy(block_on=None), [dismissal], NOW)
    assert verdict.find(first.id) is not None and verdict.find(first.id).dismissed  # type: ignore[union-attr]
    text = render_text(verdict)
    assert "external:trivy (4)" in text
    assert f"{first.id}  image:testdata/fixtures/images/alpine-310.tar.gz  " in text
    assert ":0 " not in text
    md = render_markdown(verdict, file_link=lambda p, line: f"https://forge/{p}#L{line}")
    assert "`image:testdata/fixtures/images/alpine-310.tar.gz`" in md
    assert "https://forge/image:" not in md  # an image is not a file to link to
    assert "trivy · CVE-2019-1549" in md  # each external finding is marked with its tool
    report = json.loads(render_json(verdict))
    row = next(f for f in report["findings"] if f["id"] == first.id)
    assert row["path"].startswith("image:") and row["line"] == 0 and row["dismissed"]
    sarif = json.loads(render_sarif(verdict))
    results = sarif["runs"][0]["results"]
    assert len(results) == 4
    for r in results:
        loc = r["locations"][0]
        assert loc["physicalLocation"]["region"]["startLine"] == 1
        assert loc["logicalLocations"][0]["fullyQualifiedName"].startswith("image:")


def test_per_tool_block_on_overrides_external_and_global() -> None:
    load = parse_policy("block_on: medium\nexternal:\n  block_on: high\n"
                        "  tools: {trivy: {block_on: critical}, zap: {enabled: false}}\n")
    assert load.errors == ()
    p = load.policy
    assert p.threshold_for("external:trivy").label == "critical"  # type: ignore[union-attr]
    assert p.threshold_for("external:grype").label == "high"  # type: ignore[union-attr]
    assert p.threshold_for("sast").label == "medium"  # type: ignore[union-attr]
    assert not p.scanner_enabled("external:zap") and p.scanner_enabled("external:trivy")
    high = make_finding(scanner="external:trivy", severity=Severity.HIGH)
    assert evaluate([high], p, now=NOW).conclusion == "success"
    assert evaluate([make_finding(scanner="external:grype", severity=Severity.HIGH)], p,
                    now=NOW).conclusion == "failure"
    off = parse_policy("external: {enabled: false}\n").policy
    assert evaluate([high], off, now=NOW).findings == ()


def test_external_policy_errors_have_positions() -> None:
    errors = [str(e) for e in parse_policy(
        "external:\n  tools:\n    trivy: {block_on: hihg, severity: x}\n  artefacts: []\n").errors]
    assert errors == [
        ".mergegate.yml:3:23: external.tools.trivy.block_on: expected "
        "critical|high|medium|low|info|never, got 'hihg'",
        ".mergegate.yml:3:29: external.tools.trivy.severity: unknown key (known keys: "
        "block_on, enabled)",
        ".mergegate.yml:4:3: external.artefacts: unknown key (known keys: artifacts, block_on, "
        "enabled, tools)",
    ]


def test_org_enforced_external_block_on_holds_for_tool_overrides() -> None:
    org = parse_policy("external: {block_on: high}\nenforce: [external.block_on, "
                       "external.enabled]\n").policy
    repo = parse_policy("external: {enabled: false, block_on: never, "
                        "tools: {trivy: {block_on: never}}}\n").policy
    merged, notes = merge_policies(org, repo)
    assert merged.external.enabled is True
    assert merged.threshold_for("external:trivy").label == "high"  # type: ignore[union-attr]
    assert any(n.startswith("external.tools.trivy.block_on") for n in notes)


def test_our_finding_wins_over_the_same_external_one() -> None:
    ours = make_finding(scanner="sast", path="app/db.py", line=12)  # CWE-89
    data = json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "CodeQL", "rules": [
        {"id": "py/sql-injection", "properties": {"tags": ["external/cwe/cwe-089"]}}]}},
        "results": [
            {"ruleId": "py/sql-injection", "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": "app/db.py"}, "region": {"startLine": line}}}]}
            for line in (12, 30)]}]}).encode()
    external = read_sarif(data, "codeql.sarif").findings
    kept, dropped = without_duplicates(external, [ours])
    assert dropped == 1 and [f.line for f in kept] == [30]


def test_check_run_annotations_leave_out_images_and_urls(samples: Path) -> None:
    from mergegate.forge.base import Report
    from mergegate.forge.github.checks import all_annotations

    located = make_finding(scanner="external:codeql", path="app/db.py", line=12)
    verdict = evaluate([*_image_findings(samples), located], Policy(), now=NOW)
    assert [a["path"] for a in all_annotations(Report(verdict))] == ["app/db.py"]
