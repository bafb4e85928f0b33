"""The external samples folder, and the temp git repository and CLI runner of tests/scan."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scan.conftest import mergegate, repo  # noqa: F401  (fixtures shared, not copied)


@pytest.fixture(scope="session")
def samples(fixtures: Path) -> Path:
    folder = fixtures / "external"
    if not folder.is_dir():
        pytest.skip(f"external samples not found at {folder} (set MERGEGATE_FIXTURES)")
    return folder
