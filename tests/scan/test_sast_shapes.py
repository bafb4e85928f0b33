"""The data-flow shapes of issue 12 end to end: the real SAST scanner (Semgrep's OCaml CLI with
the merged bundled rules) on small Python files, and the SARIF that carries its CWEs."""

from __future__ import annotations

from pathlib import Path

import pytest
from mergegate.config import Settings
from mergegate.core.findings import Finding
from mergegate.core.policy import DEFAULT_POLICY
from mergegate.core.sarif import verdict_to_sarif
from mergegate.core.verdict import evaluate
from mergegate.scanners.sast import SemgrepScanner
from mergegate.workspace import CandidateFile, build_workspace

pytestmark = pytest.mark.slow

FLASK_APP = '''\
import sqlite3

from flask import Flask, request
from markupsafe import escape

app = Flask(__name__)


@app.route("/users")
def users():
    name = request.args.get("name", "")
    query = "SELECT * FROM users WHERE name = '%s'" % name
    cur = sqlite3.connect("app.db").cursor()
    cur.execute(query)
    sql = f"SELECT * FROM users WHERE id = {request.args['id']}"
    cur.execute(sql)
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    return "ok"


@app.route("/page")
def page():
    name = request.args.get("name", "")
    RESPONSE = ""
    RESPONSE += f"<p>Hello {name}</p>"
    return RESPONSE


@app.route("/safe-page")
def safe_page():
    name = request.args.get("name", "")
    return f"<p>Hello {escape(name)}</p>"


@app.route("/calc")
def calc():
    expr = request.args.get("expr", "")
    if expr not in ("1 + 1", "2 * 3"):
        return "no"
    return str(eval(expr))
'''


def scan(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    repo = tmp_path / "repo"
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    ws = build_workspace(repo, [CandidateFile(n, "added") for n in files], diff_aware=False)
    result = SemgrepScanner(Settings(), cache_dir=tmp_path / "cache").scan(ws, DEFAULT_POLICY)
    assert not result.errors, result.errors
    return result.findings


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_queries_built_in_variables_and_accumulated_responses_are_reported(tmp_path: Path) -> None:
    findings = scan(tmp_path, {"app.py": FLASK_APP})
    by_cwe: dict[str, set[int]] = {}
    for f in findings:
        for cwe in f.cwe:
            by_cwe.setdefault(cwe, set()).add(f.line)
    assert {line_of(FLASK_APP, "cur.execute(query)"), line_of(FLASK_APP, "cur.execute(sql)")} <= by_cwe["CWE-89"]
    assert line_of(FLASK_APP, 'cur.execute("SELECT * FROM users WHERE name = ?"') not in by_cwe["CWE-89"]
    assert line_of(FLASK_APP, "return RESPONSE") in by_cwe["CWE-79"]
    # escaped output and an allow-listed expression are not reported
    assert line_of(FLASK_APP, "escape(name)") not in by_cwe["CWE-79"]
    assert "CWE-94" not in by_cwe and "CWE-95" not in by_cwe
    # the taint rule and the formatting rule flag the same query once
    lines = [(f.line, f.cwe) for f in findings]
    assert len(lines) == len(set(lines))


def test_sarif_carries_both_cwe_forms(tmp_path: Path) -> None:
    findings = scan(tmp_path, {"app.py": FLASK_APP})
    sarif = verdict_to_sarif(evaluate(findings, DEFAULT_POLICY))
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    sql = next(r for r in rules if r["id"] == "mergegate.python.sql-injection")
    assert {"CWE-89", "external/cwe/cwe-89"} <= set(sql["properties"]["tags"])
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == sql["id"])
    assert "external/cwe/cwe-89" in result["properties"]["tags"]
