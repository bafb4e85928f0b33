"""The CLI in-process (`mergegate.cli.main`) on real git repositories in a temp folder."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from mergegate.cli import main

AWS_KEY = "AKIAZ7QRSTUVWXYZ2345"  # a made-up key in AWS's format  # pragma: allowlist secret
PASSWORD_LINE = 'password = "Sunflower2024"\n'  # pragma: allowlist secret


@dataclass
class Repo:
    root: Path

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.root, check=True, capture_output=True,
                              text=True).stdout

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def commit(self, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    root = tmp_path / "repo"
    root.mkdir()
    r = Repo(root)
    r.git("init", "-q", "-b", "main")
    r.git("config", "user.email", "dev@example.com")
    r.git("config", "user.name", "Dev")
    r.git("config", "commit.gpgsign", "false")
    monkeypatch.chdir(root)
    return r


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """`mergegate ARGS` in this process, with no forge settings and the cache in tmp_path."""
    for name in ("NO_COLOR", "GITHUB_APP_ID", "GITLAB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MERGEGATE_DATABASE_URL", f"sqlite:///{tmp_path / 'cache.db'}")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
