"""`mergegate scan --sarif/--gitlab-report` on a real git repository."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.scan.conftest import Repo, Run


def _critical_trivy(samples: Path, target: Path) -> Path:
    doc = json.loads((samples / "trivy/alpine-310.sarif.golden").read_text())
    doc["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"] = "9.8"
    target.write_text(json.dumps(doc))
    return target


def test_critical_trivy_result_blocks_and_shows_in_every_format(
    repo: Repo, mergegate: Callable[..., Run], samples: Path, tmp_path: Path
) -> None:
    repo.write("README.md", "hello\n")
    repo.write(".mergegate.yml", "version: 1\nblock_on: high\n")
    repo.commit("base")
    report = _critical_trivy(samples, tmp_path / "trivy.sarif")
    run = mergegate("scan", "--sarif", str(report), "--format", "json", cwd=repo.root)
    assert run.code == 1, run.stderr
    found = [f for f in run.json()["findings"] if f["scanner"] == "external:trivy"]
    assert len(found) == 4
    blocking = [f for f in found if f["blocking"]]
    assert {f["rule"] for f in blocking} == {"CVE-2019-1549"}
    assert all(f["severity"] == "critical" and f["line"] == 0 for f in blocking)
    ids = {f["id"] for f in blocking}
    for fmt in ("text", "markdown", "sarif"):
        out = mergegate("scan", "--sarif", str(report), "--format", fmt, cwd=repo.root)
        assert out.code == 1 and all(i in out.stdout for i in ids), fmt
    # The per-tool override lets Trivy's criticals through; the original sample passes.
    repo.write(".mergegate.yml", "version: 1\nblock_on: high\n"
               "external: {tools: {trivy: {block_on: never}}}\n")
    assert mergegate("scan", "--sarif", str(report), cwd=repo.root).code == 0
    plain = samples / "gitlab/alpine-310.gitlab.golden"
    repo.write(".mergegate.yml", "version: 1\nblock_on: high\n")
    assert mergegate("scan", "--gitlab-report", str(plain), cwd=repo.root).code == 0


def test_malformed_report_is_named_and_fails_by_policy(
    repo: Repo, mergegate: Callable[..., Run], samples: Path
) -> None:
    repo.write("README.md", "hello\n")
    repo.commit("base")
    bad = samples / "codeql/invalid-sarif.sarif"
    run = mergegate("scan", "--sarif", str(bad), "--format", "json", cwd=repo.root)
    assert run.code == 1  # on_scanner_error: fail
    (error,) = [e for e in run.json()["errors"] if e["scanner"] == "external"]
    assert str(bad) in error["message"]
    repo.write(".mergegate.yml", "version: 1\non_scanner_error: pass\n")
    assert mergegate("scan", "--sarif", str(bad), cwd=repo.root).code == 0
