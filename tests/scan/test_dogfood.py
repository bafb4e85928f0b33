"""MergeGate's own repository passes its own gate (the README quickstart's command)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_mergegate_passes_its_own_gate(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout of MergeGate")
    proc = subprocess.run(
        [sys.executable, "-m", "mergegate.cli", "scan", str(ROOT), "--format", "json",
         "--output", str(tmp_path / "report.json")],
        capture_output=True, text=True, timeout=600, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert proc.returncode == 0, (proc.stderr, (tmp_path / "report.json").read_text()[:4000])
