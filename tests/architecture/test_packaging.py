"""`pip install .` installs one top-level package, `mergegate`, with its rules as package data."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_holds_mergegate_only_with_its_rules(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "*.egg-info", "__pycache__", ".ci", ".mypy_cache", ".ruff_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q",
                    "-w", str(tmp_path)], check=True, timeout=300, capture_output=True)
    [wheel] = tmp_path.glob("mergegate-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"mergegate", wheel.name.split("-py")[0] + ".dist-info"}
    assert "mergegate/rules/python/sql-injection.yml" in names
    assert "mergegate/schema/policy.schema.json" in names
    assert "mergegate/store/migrations/versions/0003_dismissal_actor_role.py" in names
    assert not any(n.startswith("bot/") for n in names)
