"""The CLI keeps its response cache in the per-user cache folder, never in the working
directory (a `mergegate.db` there could be committed by the next `git add -A`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from mergegate.config import local_settings

from .conftest import Repo, Run


def test_local_settings_put_the_cache_under_xdg_cache_home(tmp_path: Path) -> None:
    settings = local_settings({"XDG_CACHE_HOME": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'mergegate' / 'cache.db'}"
    assert (tmp_path / "mergegate").is_dir()


def test_an_explicit_database_url_wins(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path), "MERGEGATE_DATABASE_URL": "sqlite:////x/y.db"}
    assert local_settings(env).database_url == "sqlite:////x/y.db"


def test_a_scan_writes_nothing_into_the_checkout(
    cli: Callable[..., Run], repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MERGEGATE_DATABASE_URL")
    monkeypatch.setenv("MERGEGATE_OSV_URL", "http://127.0.0.1:9")  # refused at once
    repo.write("requirements.txt", "requests==2.0.0\n")
    run = cli("scan", "--only", "dependencies", "-q")
    assert run.code == 1  # OSV unreachable: a scanner error fails the check by default
    assert run.out == "FAILURE: Scanner error; 1 scanner error\n"  # -q: the verdict line only
    assert run.err.startswith("mergegate scan: dependencies: OSV API http://127.0.0.1:9 unreachable")
    assert sorted(p.name for p in repo.root.iterdir()) == [".git", "requirements.txt"]
    assert (tmp_path / "xdg" / "mergegate" / "cache.db").is_file()
