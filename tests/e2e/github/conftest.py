"""The bot wired to the fake GitHub: real store, real scanners, real web app."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives import serialization
from mergegate.config import Settings
from mergegate.forge.github.client import RetryPolicy
from mergegate.forge.github.forge import GitHubForge
from mergegate.forge.github.webhook import GitHubWebhook
from mergegate.queue.runner import JobRunner
from mergegate.service.context import Service
from mergegate.store.service_store import Store
from mergegate.web.app import create_app
from mergegate.web.context import WebContext

from tests.e2e.github.payloads import Payloads
from tests.fakes.github import FakeGitHub, Repo

APP_ID = "12345"
SECRET = "It's a Secret to Everybody"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Harness:
    fake: FakeGitHub
    client: TestClient
    service: Service
    runner: JobRunner
    forge: GitHubForge
    payloads: Payloads
    repo: Repo

    async def deliver(self, event: str, payload: dict[str, Any] | bytes, *,
                      delivery: str | None = None, signature: str | None = None) -> ClientResponse:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature if signature is not None else sign(body),
        }
        return await self.client.post("/webhooks/github", data=body, headers=headers)

    async def settle(self, timeout: float = 60.0) -> None:
        await self.runner.drain(timeout)


def bot_settings(fake_url: str, db_url: str, key: str, tmp: Path, **more: Any) -> Settings:
    empty = tmp / "osv-empty"
    empty.mkdir(exist_ok=True)
    more.setdefault("forge_retry_seconds", 1.0)  # an unreachable GitHub: retried for 1 s here
    return Settings(
        database_url=db_url, github_app_id=APP_ID, github_private_key=key,
        github_webhook_secret=SECRET, github_api_url=fake_url, workers=2, osv_db=empty,
        osv_url=fake_url, deps_dev_url=fake_url, **more,
    )


@pytest.fixture
async def fake(fixtures: Path, app_private_key: str) -> AsyncIterator[FakeGitHub]:
    public = serialization.load_pem_private_key(app_private_key.encode(), None).public_key()
    gh = FakeGitHub(fixtures / "github" / "openapi-subset.json", APP_ID, public)
    await gh.start()
    yield gh
    await gh.close()


@contextlib.asynccontextmanager
async def running_bot(fake: FakeGitHub, fixtures: Path, key: str, tmp_path: Path,
                      store: Store, **settings_overrides: Any) -> AsyncIterator[Harness]:
    settings = bot_settings(fake.url, str(store.engine.url), key, tmp_path,
                            **settings_overrides)
    forge = GitHubForge.create(settings, RetryPolicy(base_delay=0.01, max_rate_limit_wait=2.0))
    service = Service(store=store, settings=settings, forges={"github": forge},
                      workdir=tmp_path)
    runner = JobRunner(service, poll_interval=0.1, retry_delays=(0.05, 0.05),
                       forge_retry_delays=(0.05,))
    app = create_app(WebContext(service, runner), [GitHubWebhook()])
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield Harness(fake, client, service, runner, forge, Payloads(fixtures, fake.url),
                      fake.repo("Codertocat/Hello-World"))
    finally:
        await client.close()
        store.close()
    fake.assert_clean()


@pytest.fixture
async def harness(fake: FakeGitHub, fixtures: Path, app_private_key: str,
                  tmp_path: Path) -> AsyncIterator[Harness]:
    store = Store.open(f"sqlite:///{tmp_path / 'mergegate.db'}")
    async with running_bot(fake, fixtures, app_private_key, tmp_path, store) as h:
        yield h


@pytest.fixture
async def pg_harness(fake: FakeGitHub, fixtures: Path, app_private_key: str, tmp_path: Path,
                     postgres_url: str, postgres_schema: str) -> AsyncIterator[Harness]:
    store = Store.open(postgres_url, schema=postgres_schema)
    async with running_bot(fake, fixtures, app_private_key, tmp_path, store) as h:
        yield h
