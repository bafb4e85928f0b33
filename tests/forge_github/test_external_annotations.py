"""Another tool's finding in the check run: its annotation says which tool found it."""

from __future__ import annotations

from mergegate.core.findings import Finding, Severity
from mergegate.core.policy import Policy
from mergegate.core.verdict import evaluate
from mergegate.forge.github.checks import annotation_for


def test_an_external_findings_annotation_names_its_tool() -> None:
    ours = Finding("sast", "python.sqli", Severity.HIGH, "SQL injection", "query from input",
                   "app/db.py", 8, 8, "a" * 64)
    theirs = Finding("external:checkov", "CKV_K8S_20", Severity.HIGH, "allowPrivilegeEscalation",
                     "containers should not allow privilege escalation", "k8s/app.yaml", 3, 9,
                     "b" * 64)
    verdict = evaluate([ours, theirs], Policy())
    by_path = {j.finding.path: annotation_for(j) for j in verdict.findings}
    assert by_path["k8s/app.yaml"]["message"].endswith(
        f"{theirs.id} · high · checkov · CKV_K8S_20 · blocking\n"
        f"To dismiss: /mergegate dismiss {theirs.id} <reason> <why>")
    assert f"{ours.id} · high · python.sqli · blocking" in by_path["app/db.py"]["message"]
    assert (by_path["k8s/app.yaml"]["start_line"], by_path["k8s/app.yaml"]["end_line"]) == (3, 9)
