"""The GitHub Action (action.yml) and the GitLab CI template: their YAML, and their scripts run
here with the variables GitHub and GitLab would set (we cannot run either service)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from .conftest import AWS_KEY, Repo

ROOT = Path(__file__).resolve().parents[2]


def load(rel: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / rel).read_text(encoding="utf-8"))
    return loaded


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MERGEGATE_", "GITHUB_"))}
    base["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"
    base["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    base["MERGEGATE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cache.db'}"
    return {**base, **extra}


def a_change_with_a_secret(repo: Repo) -> str:
    repo.write("README.md", "hello\n")
    repo.commit("base")
    base = repo.git("rev-parse", "HEAD").strip()
    repo.write("keys.py", f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    repo.commit("a key")
    return base


def test_action_is_a_composite_with_its_inputs_and_steps() -> None:
    action = load("action.yml")
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"base", "path", "policy", "args", "version",
                                     "python-version", "upload-sarif", "sarif-file"}
    steps = {s["name"]: s for s in action["runs"]["steps"]}
    assert steps["Set up Python"]["uses"].startswith("actions/setup-python@")
    assert "pip install" in steps["Install MergeGate"]["run"]
    scan = steps["Scan"]
    assert "github.event.pull_request.base.sha" in scan["env"]["MERGEGATE_BASE"]
    assert 'args+=(--base "$MERGEGATE_BASE")' in scan["run"]
    assert '>> "$GITHUB_STEP_SUMMARY"' in scan["run"] and "--format markdown" in scan["run"]
    upload = steps["Upload SARIF to code scanning"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert steps["Verdict"]["run"] == 'exit "${MERGEGATE_EXIT:-2}"'
    for step in action["runs"]["steps"]:  # inputs reach scripts through env, never spliced in
        assert "${{" not in step.get("run", "")


def test_action_scan_step_on_a_pull_request(repo: Repo, tmp_path: Path) -> None:
    base = a_change_with_a_secret(repo)
    scan = next(s for s in load("action.yml")["runs"]["steps"] if s["name"] == "Scan")
    summary, output, sarif = tmp_path / "summary.md", tmp_path / "output", tmp_path / "out.sarif"
    proc = subprocess.run(["bash", "-e", "-c", scan["run"]], cwd=repo.root, capture_output=True,
                          text=True, timeout=300, env=env(
                              tmp_path, MERGEGATE_BASE=base, MERGEGATE_PATH=".",
                              MERGEGATE_POLICY="", MERGEGATE_ARGS="--only secrets",
                              MERGEGATE_SARIF=str(sarif), GITHUB_STEP_SUMMARY=str(summary),
                              GITHUB_OUTPUT=str(output), RUNNER_TEMP=str(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    assert output.read_text() == "exit-code=1\n"
    assert "MergeGate: 1 blocking finding" in summary.read_text()
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == [
        "keys.py"]
    assert AWS_KEY not in summary.read_text() + sarif.read_text()


def test_gitlab_template_writes_the_sast_report(repo: Repo, tmp_path: Path) -> None:
    template = load("ci/gitlab/mergegate.gitlab-ci.yml")
    job = template["mergegate"]
    assert job["artifacts"]["reports"]["sast"] == "gl-sast-report.json"
    assert job["artifacts"]["when"] == "always"
    assert any("--format gitlab-sast --output gl-sast-report.json" in line for line in job["script"])
    base = a_change_with_a_secret(repo)
    script = "\n".join(job["script"])
    proc = subprocess.run(["sh", "-e", "-c", script], cwd=repo.root, capture_output=True,
                          text=True, timeout=300, env=env(
                              tmp_path, CI_MERGE_REQUEST_DIFF_BASE_SHA=base,
                              MERGEGATE_ARGS="--only secrets"))
    assert proc.returncode == 1, proc.stderr
    report = json.loads((repo.root / "gl-sast-report.json").read_text())
    assert [v["location"]["file"] for v in report["vulnerabilities"]] == ["keys.py"]
    assert report["scan"]["type"] == "sast" and report["version"].startswith("15.")


def readme_yaml_blocks() -> list[Any]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## In your workflow")
    section = text[start:text.index("\n## ", start + 5)]
    return [yaml.safe_load(block.split("```", 1)[0]) for block in section.split("```yaml\n")[1:]]


def test_readme_snippets_match_the_files() -> None:
    pre_commit, workflow, gitlab = readme_yaml_blocks()
    hook_ids = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert {h["id"] for h in pre_commit["repos"][0]["hooks"]} <= hook_ids
    (step,) = [s for s in workflow["jobs"]["mergegate"]["steps"] if "mergegate/" in s["uses"]]
    assert set(step["with"]) <= set(load("action.yml")["inputs"])
    assert workflow["permissions"]["security-events"] == "write"
    remote = gitlab["include"][0]["remote"]
    assert remote.endswith("/ci/gitlab/mergegate.gitlab-ci.yml")
    assert set(gitlab["mergegate"]["variables"]) <= set(
        load("ci/gitlab/mergegate.gitlab-ci.yml")["mergegate"]["variables"])
