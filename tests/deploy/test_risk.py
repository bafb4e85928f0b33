"""Release risk: the pure scoring and the workspace adapter."""

from __future__ import annotations

from pathlib import Path

from mergegate.core.findings import Severity
from mergegate.core.policy import Policy, RiskPolicy
from mergegate.core.risk import assess_risk
from mergegate.core.verdict import evaluate
from mergegate.scan.change_facts import assess_workspace_risk
from mergegate.workspace import CandidateFile, build_workspace

from tests.core.factories import make_finding


def test_small_unremarkable_change_is_low() -> None:
    risk = assess_risk([], changed_paths=["app/views.py"], lines_added=10, lines_removed=2)
    assert (risk.level, risk.score, risk.reasons) == ("low", 0, ())


def test_findings_count_by_severity_and_only_when_new() -> None:
    findings = [
        make_finding(severity=Severity.HIGH),
        make_finding(severity=Severity.MEDIUM, line=3),
        make_finding(severity=Severity.CRITICAL, new=False, line=4),
    ]
    risk = assess_risk(findings)
    assert risk.score == 28
    assert risk.level == "medium"
    assert risk.reasons == ("1 new high finding", "1 new medium finding")


def test_one_new_critical_finding_is_high() -> None:
    risk = assess_risk([make_finding(severity=Severity.CRITICAL)])
    assert risk.level == "high"


def test_sensitive_paths_dependencies_size_and_hosts() -> None:
    risk = assess_risk(
        [],
        changed_paths=[
            ".github/workflows/ci.yml", "CODEOWNERS", ".mergegate.yml", "src/auth/login.py",
            "Dockerfile", "k8s/api.yaml", "package.json", "docs/AUTHORS.md",
        ],
        lines_added=700,
        lines_removed=40,
        new_hosts=["api.partner.io", "cdn.partner.io"],
    )
    assert risk.reasons == (
        "touches the MergeGate policy (.mergegate.yml)",
        "touches CODEOWNERS (CODEOWNERS)",
        "touches CI workflows (.github/workflows/ci.yml)",
        "touches authentication (src/auth/login.py)",
        "touches Dockerfiles (Dockerfile)",
        "touches deployment manifests (k8s/api.yaml)",
        "changes dependencies (package.json)",
        "large change: +700 -40 lines",
        "2 new outbound hosts: api.partner.io, cdn.partner.io",
    )
    assert risk.score == 25 + 25 + 20 + 15 + 10 + 10 + 10 + 20 + 20
    assert risk.level == "high"
    assert risk.new_hosts == ("api.partner.io", "cdn.partner.io")


def test_risk_can_block_through_the_policy() -> None:
    risk = assess_risk([], changed_paths=["CODEOWNERS", ".github/workflows/release.yml"])
    assert risk.level == "medium"
    verdict = evaluate([], Policy(risk=RiskPolicy(block_at="medium")), risk=risk)
    assert verdict.conclusion == "failure" and verdict.risk_blocks


def test_workspace_adapter_counts_lines_paths_and_new_hosts(tmp_path: Path) -> None:
    base = {"app/client.py": "import requests\nA = 1\nB = 2\n", "old.py": "x = 1\ny = 2\n"}
    (tmp_path / "app").mkdir()
    head = 'import requests\nA = 1\nURL = "https://api.partner.io/v1"\nC = 3\n'
    (tmp_path / "app/client.py").write_text(head)
    ws = build_workspace(
        tmp_path,
        [CandidateFile("app/client.py", added_lines=frozenset({3, 4}))],
        diff_aware=True,
        base_reader=lambda p: base[p].encode() if p in base else None,
        deleted=["old.py"],
    )
    risk = assess_workspace_risk(ws, [])
    assert (risk.lines_added, risk.lines_removed) == (2, 3)
    assert risk.new_hosts == ("api.partner.io",)
    assert risk.reasons == ("1 new outbound host: api.partner.io",)


def test_full_scan_has_no_change_to_assess(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    ws = build_workspace(tmp_path, [CandidateFile("Dockerfile")], diff_aware=False)
    risk = assess_workspace_risk(ws, [make_finding(severity=Severity.LOW)])
    assert (risk.level, risk.score, risk.reasons) == ("low", 2, ("1 new low finding",))
