"""`mergegate scan` end to end on a git repository: a change adding a vulnerable pin and a
denied license is blocked (exit 1) with those findings, and passes (exit 0) once fixed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
POLICY = """version: 1
block_on: high
sast: {enabled: false}
secrets: {enabled: false}
dependencies: {block_on: medium}
licenses: {deny: [AGPL-3.0-or-later], unknown: allow}
"""
CLEAN_LOCK = """{
  "name": "shop",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "shop", "dependencies": {"lodash": "^4.17.21"}},
    "node_modules/lodash": {"version": "4.17.21", "license": "MIT"}
  }
}
"""
BAD_LOCK = """{
  "name": "shop",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "shop", "dependencies": {"lodash": "^4.17.21", "pdf-tools": "^2.0.0"}},
    "node_modules/lodash": {"version": "4.17.21", "license": "MIT"},
    "node_modules/pdf-tools": {"version": "2.0.0", "license": "AGPL-3.0-or-later"}
  }
}
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def commit(repo: Path, files: dict[str, str], message: str) -> None:
    for rel, text in files.items():
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def scan(repo: Path, env: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "mergegate.cli", "scan", "--base", "main", "--format", "json"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(proc.stdout) if proc.stdout.strip() else {}
    return proc.returncode, report, proc.stderr


@pytest.fixture
def env(fixtures: Path, tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {
        **keep,
        "PYTHONPATH": str(REPO_ROOT),
        "MERGEGATE_OSV_DB": str(fixtures / "osv"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "MERGEGATE_DEPS_DEV_URL": "http://127.0.0.1:9",  # never the internet
        "MERGEGATE_OSV_URL": "http://127.0.0.1:9",
        "MERGEGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'mergegate.db'}",
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
    }


def test_vulnerable_pin_and_denied_license_block_then_pass_once_fixed(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(key, env[key])
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(
        repo,
        {".mergegate.yml": POLICY, "requirements.txt": "mistune==2.0.3\n", "package-lock.json": CLEAN_LOCK},
        "base",
    )
    git(repo, "checkout", "-q", "-b", "feature")
    commit(
        repo,
        {"requirements.txt": "mistune==2.0.2\n", "package-lock.json": BAD_LOCK},
        "add a vulnerable pin and an AGPL package",
    )

    code, report, stderr = scan(repo, env)
    assert code == 1, stderr
    found = sorted(
        (f["scanner"], f["rule"], f["path"], f["line"], f["new"], f["blocking"], f["package"]["name"])
        for f in report["findings"]
    )
    assert found == [
        ("dependencies", "GHSA-fw3v-x4f2-v673", "requirements.txt", 1, True, True, "mistune"),
        ("licenses", "license-denied", "package-lock.json", 7, True, True, "pdf-tools"),
    ]
    vuln = next(f for f in report["findings"] if f["scanner"] == "dependencies")
    assert vuln["fix"] == "upgrade to 2.0.3"
    assert report["verdict"]["conclusion"] == "failure"
    assert report["errors"] == []

    commit(repo, {"requirements.txt": "mistune==2.0.3\n", "package-lock.json": CLEAN_LOCK}, "fix")
    code, report, stderr = scan(repo, env)
    assert code == 0, stderr
    assert report["findings"] == [] and report["verdict"]["conclusion"] == "success"
