"""PostgreSQL for the production tests: a fresh database per test on the server named by
MERGEGATE_TEST_POSTGRES_URL (skipped with a reason when unset or unreachable)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ENV = "MERGEGATE_TEST_POSTGRES_URL"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # queue_harness, pg_cluster


def _server_url() -> str:
    url = os.environ.get(ENV)
    if not url:
        pytest.skip(f"{ENV} is not set: PostgreSQL tests need a server (see .ci/run)")
    return url


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a new empty database, dropped after the test."""
    import psycopg

    server = _server_url()
    name = f"mergegate_prod_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"{ENV} is set but PostgreSQL does not answer: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(server, name)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def restartable_db(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A database a test can restart mid-run (``await db.restart(seconds)``): a private
    PostgreSQL cluster when its binaries are installed, else one on the shared test server
    (then the restart is simulated; also with MERGEGATE_TEST_PRIVATE_POSTGRES=0). ``db.kind``
    says which."""
    _server_url()  # the PostgreSQL tests run only when a server is configured
    from pg_cluster import PrivateCluster, SharedServerDatabase

    private_allowed = os.environ.get("MERGEGATE_TEST_PRIVATE_POSTGRES", "1") != "0"
    db: Any = None
    if private_allowed and PrivateCluster.available() is None:
        try:
            db = PrivateCluster()
        except (OSError, subprocess.SubprocessError) as exc:  # fall back, say why
            warnings.warn(f"no private PostgreSQL cluster ({exc}); simulating restarts", stacklevel=1)
    if db is None:
        db = SharedServerDatabase(_server_url(), request.getfixturevalue("pg_url"))
    try:
        yield db
    finally:
        db.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Expose each phase's report on the test item (``rep_call``) for fixtures' teardown."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)
