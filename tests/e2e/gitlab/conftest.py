"""The bot wired to the fake GitLab: real store, real scanners, real web app."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from mergegate.config import Settings
from mergegate.forge.gitlab.client import GitLabClient
from mergegate.forge.gitlab.forge import GitLabForge
from mergegate.forge.gitlab.webhook import GitLabWebhook
from mergegate.queue.runner import JobRunner
from mergegate.service.context import Service
from mergegate.store.service_store import Store
from mergegate.web.app import create_app
from mergegate.web.context import WebContext

from tests.e2e.gitlab.payloads import Payloads
from tests.fakes.gitlab import TOKEN, FakeGitLab, Project

SECRET = "gitlab-webhook-secret-4f2a"
EVENTS = {"merge_request": "Merge Request Hook", "note": "Note Hook", "push": "Push Hook",
          "deployment": "Deployment Hook"}


@dataclass
class Harness:
    fake: FakeGitLab
    client: TestClient[web.Request, web.Application]
    service: Service
    runner: JobRunner
    forge: GitLabForge
    payloads: Payloads
    project: Project

    async def deliver(self, payload: dict[str, Any] | bytes, *, event: str | None = None,
                      uuid_: str | None = None, token: str | None = SECRET) -> ClientResponse:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        if event is None and isinstance(payload, dict):
            event = EVENTS[str(payload["object_kind"])]
        headers = {"X-Gitlab-Event": event or "", "Content-Type": "application/json",
                   "X-Gitlab-Event-UUID": uuid_ or str(uuid.uuid4())}
        if token is not None:
            headers["X-Gitlab-Token"] = token
        return await self.client.post("/webhooks/gitlab", data=body, headers=headers)

    async def settle(self, timeout: float = 60.0) -> None:
        await self.runner.drain(timeout)


def gitlab_settings(fake_url: str, db_url: str, tmp: Path, **more: Any) -> Settings:
    empty = tmp / "osv-empty"
    empty.mkdir(exist_ok=True)
    more.setdefault("forge_retry_seconds", 1.0)  # an unreachable GitLab: retried for 1 s here
    return Settings(
        database_url=db_url, gitlab_url=fake_url, gitlab_token=TOKEN,
        gitlab_webhook_secret=SECRET, workers=2, osv_db=empty, osv_url=fake_url,
        deps_dev_url=fake_url, **more,
    )


@pytest.fixture
def gitlab_payloads(fixtures: Path) -> Payloads:
    return Payloads(fixtures)


@pytest.fixture
async def fake_gitlab() -> AsyncIterator[FakeGitLab]:
    fake = FakeGitLab()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def gitlab_extra_settings() -> dict[str, Any]:
    """Override in a test module to set more settings (e.g. the status check id)."""
    return {}


@pytest.fixture
async def gitlab(fake_gitlab: FakeGitLab, gitlab_payloads: Payloads, tmp_path: Path,
                 gitlab_extra_settings: dict[str, Any]) -> AsyncIterator[Harness]:
    settings = gitlab_settings(fake_gitlab.url, f"sqlite:///{tmp_path / 'mergegate.db'}", tmp_path,
                               **gitlab_extra_settings)
    store = Store.open(settings.database_url)
    assert settings.gitlab_token is not None
    forge = GitLabForge(settings, GitLabClient(settings.gitlab_url, settings.gitlab_token,
                                               max_threads=4))
    service = Service(store=store, settings=settings, forges={"gitlab": forge},
                      workdir=tmp_path)
    runner = JobRunner(service, poll_interval=0.1, retry_delays=(0.05, 0.05),
                       forge_retry_delays=(0.05,))
    app = create_app(WebContext(service, runner), [GitLabWebhook()])
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    h = Harness(fake_gitlab, client, service, runner, forge, gitlab_payloads,
                fake_gitlab.project())
    try:
        yield h
    finally:
        await client.close()
        store.close()
    fake_gitlab.assert_clean()
