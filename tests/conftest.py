"""Shared fixtures: the fixtures folder, stores on SQLite and PostgreSQL, an App key."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from mergegate.store.service_store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]


def fixtures_dir() -> Path | None:
    """The shared third-party fixtures (MERGEGATE_FIXTURES or <repo>/../shared/fixtures)."""
    env = os.environ.get("MERGEGATE_FIXTURES")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "fixtures"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def fixtures() -> Path:
    path = fixtures_dir()
    if path is None:
        pytest.skip("shared fixtures not found: set MERGEGATE_FIXTURES to ../shared/fixtures")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("MERGEGATE_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("MERGEGATE_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    return url


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    from mergegate.store.db import make_engine
    from sqlalchemy import text

    name = "mg_test_" + uuid.uuid4().hex[:12]
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'mergegate.db'}")
    yield store
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The store on SQLite, and on PostgreSQL when MERGEGATE_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        store = Store.open(f"sqlite:///{tmp_path / 'mergegate.db'}")
    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        store = Store.open(url, schema=schema)
    yield store
    store.close()


@pytest.fixture(scope="session")
def app_private_key() -> str:
    """A freshly generated RSA key for the App JWT (never a real one)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
