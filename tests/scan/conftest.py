"""Real git repositories in a temp folder, and running the real `mergegate` CLI on them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

AWS_KEY = "AKIAZ7QRSTUVWXYZ2345"  # a made-up key in AWS's format  # pragma: allowlist secret


@dataclass
class Repo:
    root: Path

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=self.root, check=True, capture_output=True, text=True
        ).stdout

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    root = tmp_path / "repo"
    root.mkdir()
    r = Repo(root)
    r.git("init", "-q", "-b", "main")
    r.git("config", "user.email", "dev@example.com")
    r.git("config", "user.name", "Dev")
    r.git("config", "commit.gpgsign", "false")
    return r


@pytest.fixture
def mergegate(tmp_path: Path) -> Callable[..., Run]:
    """Run `python -m mergegate.cli ARGS` in a clean environment (no forge settings)."""

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("MERGEGATE_", "GITHUB_", "GITLAB_"))}
        base_env["MERGEGATE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'mergegate.db'}"
        proc = subprocess.run(
            [sys.executable, "-m", "mergegate.cli", *args],
            cwd=cwd or tmp_path, capture_output=True, text=True,
            env={**base_env, **(env or {})}, timeout=300,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run
