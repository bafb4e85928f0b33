"""`mergegate scan` end to end on real git repositories, with the real Semgrep and detect-secrets."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import AWS_KEY, Repo, Run

BASE_APP = """\
import pickle

from flask import Flask, request

app = Flask(__name__)


@app.route("/session", methods=["POST"])
def load_session():
    return pickle.loads(request.get_data())
"""

FEATURE_APP = f"""\
import pickle
import sqlite3

from flask import Flask, request

app = Flask(__name__)
AWS_ACCESS_KEY_ID = "{AWS_KEY}"


@app.route("/session", methods=["POST"])
def load_session():
    return pickle.loads(request.get_data())


@app.route("/user")
def user():
    name = request.args.get("name")
    db = sqlite3.connect("app.db")
    return db.execute("SELECT * FROM users WHERE name = '" + name + "'").fetchall()
"""


def make_change(repo: Repo) -> None:
    repo.write("app.py", BASE_APP)
    repo.commit("base with a pre-existing problem")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("app.py", FEATURE_APP)
    repo.commit("feature adds SQL injection and a key")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def by_line(report: dict[str, Any]) -> dict[tuple[str, int], list[dict[str, Any]]]:
    out: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for f in report["findings"]:
        out.setdefault((f["scanner"], f["line"]), []).append(f)
    return out


def test_diff_aware_scan_reports_new_and_pre_existing_findings(
    repo: Repo, mergegate: Callable[..., Run]
) -> None:
    make_change(repo)
    run = mergegate("scan", "--base", "main", "--format", "json", cwd=repo.root)
    assert run.code == 1, run.stderr
    report = run.json()
    found = by_line(report)
    (sql,) = [f for f in found[("sast", line_of(FEATURE_APP, "SELECT"))] if "CWE-89" in f["cwe"]]
    (pickle_,) = found[("sast", line_of(FEATURE_APP, "pickle.loads"))]
    (key,) = found[("secrets", line_of(FEATURE_APP, "AWS_ACCESS_KEY_ID"))]
    assert sql["new"] is True and sql["blocking"] is True
    assert str(sql["rule"]).startswith("mergegate.python.")
    assert pickle_["new"] is False and pickle_["blocking"] is False
    assert key["new"] is True and key["blocking"] is True and key["severity"] == "critical"
    assert key["rule"] == "secrets.aws-access-key"
    assert report["verdict"]["conclusion"] == "failure"
    assert report["verdict"]["blocking"] == sum(1 for f in report["findings"] if f["blocking"])
    assert report["errors"] == []
    for f in report["findings"]:
        assert f["id"] == "mg-" + f["fingerprint"][:8]


def test_all_flag_makes_every_finding_count(repo: Repo, mergegate: Callable[..., Run]) -> None:
    repo.write("app.py", BASE_APP)
    repo.commit("base")
    run = mergegate("scan", "--all", "--format", "json", cwd=repo.root)
    assert run.code == 1
    (f,) = [f for f in run.json()["findings"] if f["scanner"] == "sast"]
    assert f["new"] is True and f["blocking"] is True
    # Without --base the same: every finding counts.
    assert mergegate("scan", "--format", "json", cwd=repo.root).code == 1


def test_fingerprints_survive_moving_the_code_down_20_lines(
    repo: Repo, mergegate: Callable[..., Run]
) -> None:
    make_change(repo)
    before = {(f["scanner"], f["rule"], f["fingerprint"]) for f in
              mergegate("scan", "--base", "main", "--format", "json", cwd=repo.root).json()["findings"]}
    lines = FEATURE_APP.splitlines()
    header = "\n".join(f"# filler line {i}" for i in range(20))
    repo.write("app.py", header + "\n" + "\n".join(lines) + "\n")
    repo.commit("move everything down")
    after_report = mergegate("scan", "--base", "main", "--format", "json", cwd=repo.root).json()
    after = {(f["scanner"], f["rule"], f["fingerprint"]) for f in after_report["findings"]}
    assert after == before
    assert {f["line"] for f in after_report["findings"]} == {
        f + 20 for f in (line_of(FEATURE_APP, "SELECT"), line_of(FEATURE_APP, "pickle.loads"),
                         line_of(FEATURE_APP, "AWS_ACCESS"))}


def test_clean_change_exits_zero(repo: Repo, mergegate: Callable[..., Run]) -> None:
    repo.write("app.py", "def add(a, b):\n    return a + b\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("app.py", "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n")
    repo.commit("feature")
    run = mergegate("scan", "--base", "main", cwd=repo.root)
    assert run.code == 0, run.stdout + run.stderr
    assert run.stdout.rstrip().endswith("SUCCESS: No blocking findings")


def test_nosemgrep_and_allowlist_pragma_are_honoured(repo: Repo, mergegate: Callable[..., Run]) -> None:
    repo.write("a.py", "x = 1\n")
    repo.commit("base")
    repo.write("a.py", "import pickle\n\n\ndef f(b):\n    return pickle.loads(b)  # nosemgrep\n\n"
               f'KEY = "{AWS_KEY}"  # pragma: allowlist secret\n')
    run = mergegate("scan", "--base", "main", "--format", "json", cwd=repo.root)
    assert run.code == 0 and run.json()["findings"] == []


def test_secret_value_never_appears_in_any_format(repo: Repo, mergegate: Callable[..., Run],
                                                   tmp_path: Path) -> None:
    make_change(repo)
    outputs = []
    for fmt in ("text", "json", "sarif", "markdown"):
        run = mergegate("scan", "--base", "main", "--format", fmt, cwd=repo.root)
        assert run.code == 1
        outputs += [run.stdout, run.stderr]
        out_file = tmp_path / f"report.{fmt}"
        run = mergegate("scan", "--base", "main", "--format", fmt, "--output", str(out_file),
                        cwd=repo.root)
        outputs += [out_file.read_text(), run.stderr]
    assert all(AWS_KEY not in text for text in outputs)
    assert any("AWS Access Key" in text for text in outputs)


def _multitool() -> str | None:
    explicit = os.environ.get("MERGEGATE_SARIF_MULTITOOL")
    if explicit and Path(explicit).exists():
        return explicit
    return shutil.which("Sarif.Multitool")


def test_sarif_passes_the_sarif_validator_with_github_rules(
    repo: Repo, mergegate: Callable[..., Run], tmp_path: Path
) -> None:
    tool = _multitool()
    if tool is None:
        pytest.skip("Sarif.Multitool not installed (set MERGEGATE_SARIF_MULTITOOL; .ci/run does)")
    make_change(repo)
    sarif = tmp_path / "report.sarif"
    assert mergegate("scan", "--base", "main", "--format", "sarif", "--output", str(sarif),
                     cwd=repo.root).code == 1
    log = tmp_path / "validation.sarif"
    proc = subprocess.run(
        [tool, "validate", "--rule-kind", "Gh;Sarif", "-o", str(log), str(sarif)],
        capture_output=True, text=True, timeout=180,
        env={**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(log.read_text())["runs"][0]["results"]
    problems = [(r["ruleId"], r.get("message")) for r in results if r.get("level") in ("error", "warning")]
    assert problems == []
    report = json.loads(sarif.read_text())
    assert all("mergegate/v1" in r["partialFingerprints"] for r in report["runs"][0]["results"])


def test_usage_errors_exit_2_with_one_line(repo: Repo, mergegate: Callable[..., Run],
                                           tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    run = mergegate("scan", str(plain))
    assert run.code == 2 and run.stderr == f"mergegate: {plain}: not a git repository\n"
    repo.write("a.py", "x = 1\n")
    repo.commit("base")
    run = mergegate("scan", "--base", "no-such-branch", cwd=repo.root)
    assert run.code == 2 and run.stderr == "mergegate: --base no-such-branch: unknown revision\n"
    run = mergegate("scan", "--format", "xml", cwd=repo.root)
    assert run.code == 2 and "invalid choice: 'xml'" in run.stderr
    repo.write(".mergegate.yml", "version: 1\nblock_on: severe\n")
    run = mergegate("scan", cwd=repo.root)
    assert run.code == 2
    assert run.stderr == ("mergegate: .mergegate.yml:2:11: block_on: expected "
                          "critical|high|medium|low|info|never, got 'severe'\n")
    run = mergegate("scan", "--policy", "missing.yml", cwd=repo.root)
    assert run.code == 2 and run.stderr == "mergegate: missing.yml: no such policy file\n"


def test_policy_validate(mergegate: Callable[..., Run], tmp_path: Path) -> None:
    good = tmp_path / "good.yml"
    good.write_text("version: 1\nblock_on: medium\n")
    run = mergegate("policy", "validate", str(good))
    assert run.code == 0 and run.stdout == f"{good}: ok\n"
    bad = tmp_path / "bad.yml"
    bad.write_text("version: 1\nsast: {enable: true}\nblock_on: nope\n")
    run = mergegate("policy", "validate", str(bad))
    assert run.code == 2
    assert run.stderr.splitlines() == [
        f"{bad}:2:8: sast.enable: unknown key (known keys: block_on, enabled, exclude_rules, rules)",
        f"{bad}:3:11: block_on: expected critical|high|medium|low|info|never, got 'nope'",
    ]


def test_policy_thresholds_apply(repo: Repo, mergegate: Callable[..., Run]) -> None:
    make_change(repo)
    repo.write(".mergegate.yml", "version: 1\nblock_on: never\n")
    run = mergegate("scan", "--base", "main", "--format", "json", cwd=repo.root)
    assert run.code == 0 and run.json()["verdict"]["blocking"] == 0
    repo.write(".mergegate.yml", "version: 1\npaths: {ignore: [app.py]}\n")
    run = mergegate("scan", "--base", "main", "--format", "json", cwd=repo.root)
    assert run.code == 0 and run.json()["findings"] == []


def test_broken_rules_are_a_scanner_error_never_a_pass(
    repo: Repo, mergegate: Callable[..., Run], tmp_path: Path
) -> None:
    make_change(repo)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.yml").write_text(
        "rules:\n- id: broken\n  languages: [python]\n  severity: ERROR\n  message: x\n"
        "  pattern: 'def ( ('\n"
    )
    env = {"MERGEGATE_RULES_DIR": str(rules)}
    run = mergegate("scan", "--base", "main", "--format", "json", cwd=repo.root, env=env)
    assert run.code == 1
    (err,) = run.json()["errors"]
    assert err["scanner"] == "sast" and err["message"].startswith("semgrep failed (exit")
    repo.write(".mergegate.yml", "version: 1\non_scanner_error: neutral\nsecrets: {enabled: false}\n")
    run = mergegate("scan", "--base", "main", "--format", "json", cwd=repo.root, env=env)
    assert run.code == 0 and run.json()["verdict"]["conclusion"] == "neutral"


def test_semgrep_timeout_is_a_scanner_error(repo: Repo, mergegate: Callable[..., Run]) -> None:
    make_change(repo)
    run = mergegate("scan", "--base", "main", "--format", "json", cwd=repo.root,
                    env={"MERGEGATE_SEMGREP_TIMEOUT": "0.001"})
    assert run.code == 1
    assert {"scanner": "sast", "message": "semgrep timed out after 0.001 s"} in run.json()["errors"]


def test_repository_rules_named_by_the_policy_run_too(repo: Repo, mergegate: Callable[..., Run]) -> None:
    repo.write("a.py", "x = 1\n")
    repo.write(".mergegate.yml", "version: 1\nsast: {rules: [ci/rules.yml]}\n")
    repo.write("ci/rules.yml", "rules:\n- id: acme.no-print\n  languages: [python]\n"
               "  severity: ERROR\n  message: Use logging instead of print.\n  pattern: print(...)\n")
    repo.commit("base")
    repo.write("a.py", "x = 1\nprint(x)\n")
    run = mergegate("scan", "--base", "main", "--format", "json", cwd=repo.root)
    assert [(f["rule"], f["line"], f["severity"]) for f in run.json()["findings"]] == [
        ("acme.no-print", 2, "high")]
    repo.write(".mergegate.yml", "version: 1\nsast: {rules: [../outside.yml]}\n")
    run = mergegate("scan", "--base", "main", "--format", "json", cwd=repo.root)
    assert run.json()["errors"] == [
        {"scanner": "sast", "message": "sast.rules: ../outside.yml: no such rule file in the repository"}]
