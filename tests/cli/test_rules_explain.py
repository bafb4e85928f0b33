"""`mergegate rules` and `mergegate explain`, on the rules shipped in rules/."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .conftest import AWS_KEY, Repo, Run


def test_rules_lists_id_severity_cwe_and_title(cli: Callable[..., Run]) -> None:
    run = cli("rules")
    assert run.code == 0
    lines = run.out.splitlines()
    assert len(lines) > 50
    row = next(line for line in lines if line.startswith("mergegate.python.unsafe-deserialization "))
    assert row.split()[1:3] == ["critical", "CWE-502"]
    assert "deserialized with pickle" in row


def test_rules_by_language(cli: Callable[..., Run]) -> None:
    python = cli("rules", "--lang", "py", "--format", "json")
    rows = json.loads(python.out)
    assert rows and all("python" in r["languages"] for r in rows)
    assert {r["id"].split(".")[1] for r in rows} == {"python"}
    go = json.loads(cli("rules", "--lang", "go", "--format", "json").out)
    assert {r["id"].split(".")[1] for r in go} == {"go"}


def test_rules_for_an_unknown_language(cli: Callable[..., Run]) -> None:
    run = cli("rules", "--lang", "cobol")
    assert (run.code, run.out) == (2, "")
    assert run.err == ("mergegate: rules: no rules for 'cobol' (languages: go, java, javascript, "
                       "python, typescript)\n")


def test_explain_a_rule(cli: Callable[..., Run]) -> None:
    run = cli("explain", "mergegate.python.unsafe-deserialization")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[:2] == ["mergegate.python.unsafe-deserialization",
                         "severity: critical · languages: python"]
    assert "Data from the HTTP request is deserialized with pickle" in run.out
    assert "CWE:   CWE-502 (https://cwe.mitre.org/data/definitions/502.html)" in lines
    assert "OWASP: A08:2021 - Software and Data Integrity Failures" in lines
    assert "  https://docs.python.org/3/library/pickle.html" in lines


def test_explain_by_a_unique_suffix_and_ambiguous_ones(cli: Callable[..., Run]) -> None:
    assert cli("explain", "python.unsafe-deserialization").out.startswith(
        "mergegate.python.unsafe-deserialization\n")
    run = cli("explain", "unsafe-deserialization")
    assert run.code == 2 and run.err.startswith(
        "mergegate: explain: 'unsafe-deserialization' names several rules: mergegate.java.")


def test_explain_an_unknown_rule(cli: Callable[..., Run]) -> None:
    run = cli("explain", "sql-injektion")
    assert (run.code, run.err) == (2, "mergegate: explain: no rule 'sql-injektion'; 'mergegate "
                                      "rules' lists them (a finding id looks like mg-1a2b3c4d)\n")


def test_explain_a_finding_id_needs_a_report(cli: Callable[..., Run]) -> None:
    run = cli("explain", "mg-3F9A1C2E")
    assert (run.code, run.out) == (2, "")
    assert run.err == ("mergegate: explain: a finding id needs the report it is in: run "
                       "'mergegate scan --format json --output report.json', then 'mergegate "
                       "explain mg-3f9a1c2e --report report.json'\n")


def test_explain_a_finding_of_a_report(cli: Callable[..., Run], repo: Repo, tmp_path: Path) -> None:
    repo.write("keys.py", f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    report = tmp_path / "report.json"
    assert cli("scan", "--only", "secrets", "--format", "json", "--output", str(report)).code == 1
    (finding,) = json.loads(report.read_text())["findings"]
    run = cli("explain", finding["id"], "--report", str(report))
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0] == f"{finding['id']}  critical  keys.py:1  (blocking)"
    assert lines[1:3] == ["AWS Access Key committed", "rule: secrets.aws-access-key (secrets)"]
    assert "An AWS Access Key was committed" in run.out and AWS_KEY not in run.out
    assert "CWE:   CWE-798 (https://cwe.mitre.org/data/definitions/798.html)" in lines

    missing = cli("explain", "mg-00000000", "--report", str(report))
    assert (missing.code, missing.err) == (2, f"mergegate: explain: mg-00000000 is not in {report}\n")
    not_json = cli("explain", "mg-00000000", "--report", str(repo.root / "keys.py"))
    assert not_json.err == (f"mergegate: explain: {repo.root / 'keys.py'}: not a JSON report of "
                            "'mergegate scan --format json'\n")


def test_secret_titles_read_well(cli: Callable[..., Run], repo: Repo) -> None:
    secret_half = "q8Jd0rXUtnFzMI/K7MDqNG/bPxRfiCYzH3Kz9KQb"  # pragma: allowlist secret
    repo.write("creds.py", f'aws_access_key_id = "{AWS_KEY}"\n'
                           f'aws_secret_access_key = "{secret_half}"\n')
    report = json.loads(cli("scan", "--only", "secrets", "--format", "json").out)
    titles = [(f["line"], f["title"], f["message"].split(" was ")[0]) for f in report["findings"]]
    assert titles == [(1, "AWS Access Key committed", "An AWS Access Key"),
                      (2, "AWS Secret Access Key committed", "An AWS Secret Access Key")]
