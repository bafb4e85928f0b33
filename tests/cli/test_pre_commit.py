"""`.pre-commit-hooks.yaml`, run by pre-commit itself (`pre-commit try-repo`) in a temporary git
repository: the hooks scan what is staged, and a staged secret stops the commit.

pre-commit installs a `language: python` hook into its own virtualenv with pip, which needs a
package index: one test does exactly that (skipped when the install fails); the others run a copy
of the hooks with `language: system` (the `mergegate` of this environment), which differs in
nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import AWS_KEY

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which(
    "pre-commit")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed (pip install .[test])"),
]


def hooks() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    return loaded


def test_the_hooks_scan_staged_changes_without_file_names() -> None:
    by_id = {h["id"]: h for h in hooks()}
    assert set(by_id) == {"mergegate", "mergegate-secrets"}
    for hook in by_id.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook["entry"].startswith("mergegate scan --staged")
    assert "--only secrets" in by_id["mergegate-secrets"]["entry"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def system_hooks_repo(tmp_path: Path) -> Path:
    """A git repository holding the hooks with `language: system`."""
    repo = tmp_path / "hooks"
    repo.mkdir()
    system = [{**h, "language": "system"} for h in hooks()]
    (repo / ".pre-commit-hooks.yaml").write_text(yaml.safe_dump(system, sort_keys=False))
    for args in (("init", "-q", "-b", "main"), ("add", "-A")):
        git(repo, *args)
    git(repo, "-c", "user.email=a@b", "-c", "user.name=A", "-c", "commit.gpgsign=false",
        "commit", "-q", "-m", "hooks")
    return repo


def try_repo(hooks_repo: Path, work: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MERGEGATE_", "GITHUB_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PRE_COMMIT_HOME"] = str(work.parent / "pre-commit-home")
    env["XDG_CACHE_HOME"] = str(work.parent / "xdg")
    env["MERGEGATE_DATABASE_URL"] = f"sqlite:///{work.parent / 'cache.db'}"
    assert PRE_COMMIT is not None
    return subprocess.run([PRE_COMMIT, "try-repo", str(hooks_repo), hook], cwd=work,
                          capture_output=True, text=True, env=env, timeout=300)


def test_try_repo_blocks_a_staged_secret_and_ignores_untracked_files(tmp_path: Path) -> None:
    hooks_repo = system_hooks_repo(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "README.md").write_text("hello\n")
    git(work, "add", "README.md")

    clean = try_repo(hooks_repo, work, "mergegate-secrets")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout

    (work / "untracked.py").write_text(f'KEY = "{AWS_KEY}"\n')  # not staged: not scanned
    assert try_repo(hooks_repo, work, "mergegate-secrets").returncode == 0

    (work / "keys.py").write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    git(work, "add", "keys.py")
    blocked = try_repo(hooks_repo, work, "mergegate-secrets")
    assert blocked.returncode == 1
    assert "Failed" in blocked.stdout
    assert "keys.py:1" in blocked.stdout and "AWS Access Key committed" in blocked.stdout
    assert "untracked.py" not in blocked.stdout
    assert AWS_KEY not in blocked.stdout


def test_try_repo_installs_the_real_hook_and_blocks_a_staged_secret(tmp_path: Path) -> None:
    """The hooks as users get them: pre-commit pip-installs this checkout into its own
    virtualenv (about 25 s with a package index at hand; skipped without one)."""
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "keys.py").write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    git(work, "add", "keys.py")
    run = try_repo(ROOT, work, "mergegate-secrets")
    if run.returncode not in (0, 1) or "An unexpected error has occurred" in run.stdout:
        pytest.skip(f"pre-commit could not install the hook here: {run.stdout[-300:]}")
    assert run.returncode == 1, run.stdout
    assert "MergeGate secrets (staged changes)" in run.stdout and "Failed" in run.stdout
    assert "keys.py:1" in run.stdout and AWS_KEY not in run.stdout
