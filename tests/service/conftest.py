"""The service over the in-memory forge: a real store (SQLite) and the real secrets scanner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mergegate.config import Settings
from mergegate.forge.base import RepoRef
from mergegate.scanners.secrets import create as secrets_scanner
from mergegate.service.context import Service
from mergegate.store.service_store import Store

from tests.fakes.memory_forge import MemoryForge

REPO = RepoRef("memory", "acme/app", default_branch="main")
KEY = "AKIAIOSFODNN7EXAMPLQ"
LEAKY = f'AWS_ACCESS_KEY_ID = "{KEY}"\n'
BASE = {"README.md": "# app\n"}


@pytest.fixture
def forge() -> MemoryForge:
    return MemoryForge()


@pytest.fixture
def service(tmp_path: Path, forge: MemoryForge) -> Iterator[Service]:
    store = Store.open(f"sqlite:///{tmp_path / 'mergegate.db'}")
    settings = Settings(database_url=str(store.engine.url))
    yield Service(store=store, settings=settings, forges={"memory": forge}, workdir=tmp_path,
                  scanners=[secrets_scanner(settings)])
    store.close()
