"""Unauthenticated load on the webhook endpoints: bounded memory, time and nesting.

Review item 8: 20 unsigned 24 MB POSTs took the server from 92 MB to 562 MB; 300 connections
trickling a byte every 3 s stayed open; a signed 100,000-level nested JSON gave a 500.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from mergegate.config import Settings
from mergegate.forge.github.webhook import GitHubWebhook
from mergegate.forge.gitlab.webhook import GitLabWebhook
from mergegate.service.context import Service
from mergegate.store.service_store import Store
from mergegate.web.app import create_app
from mergegate.web.body import BodyReader
from mergegate.web.context import WebContext

GITHUB_SECRET = "It's a Secret to Everybody"
GITLAB_SECRET = "gitlab-token"
NESTED = b"[" * 100_000 + b"]" * 100_000


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(GITHUB_SECRET.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    store = Store.open(f"sqlite:///{tmp_path / 'mergegate.db'}")
    settings = Settings(database_url=str(store.engine.url), github_webhook_secret=GITHUB_SECRET,
                        gitlab_webhook_secret=GITLAB_SECRET)
    service = Service(store=store, settings=settings, workdir=tmp_path)
    app = create_app(WebContext(service), [GitHubWebhook(), GitLabWebhook()], run_jobs=False,
                     body_reader=BodyReader(timeout=0.5, concurrency=2))
    c = TestClient(TestServer(app, host="127.0.0.1"))
    await c.start_server()
    yield c
    await c.close()
    store.close()


def github_headers(body: bytes) -> dict[str, str]:
    return {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-1",
            "X-Hub-Signature-256": sign(body), "Content-Type": "application/json"}


async def test_deeply_nested_json_is_a_400_on_both_endpoints(client: TestClient) -> None:
    resp = await client.post("/webhooks/github", data=NESTED, headers=github_headers(NESTED))
    assert resp.status == 400
    assert await resp.json() == {"error": "JSON nested deeper than 64 levels"}
    shallow_but_deep = json.dumps({"a": json.loads("[" * 70 + "]" * 70)}).encode()
    resp = await client.post("/webhooks/github", data=shallow_but_deep,
                             headers=github_headers(shallow_but_deep))
    assert resp.status == 400 and (await resp.json())["error"].startswith("JSON nested deeper")
    resp = await client.post("/webhooks/gitlab", data=NESTED,
                             headers={"X-Gitlab-Token": GITLAB_SECRET,
                                      "X-Gitlab-Event": "Note Hook"})
    assert resp.status == 400
    assert await resp.json() == {"error": "JSON nested deeper than 64 levels"}


async def test_unsigned_bodies_are_refused_before_they_are_read(client: TestClient) -> None:
    body = b"x" * (5 * 1024 * 1024)
    for headers in ({"X-GitHub-Event": "push"},
                    {"X-GitHub-Event": "push", "X-Hub-Signature-256": "md5=abc"}):
        resp = await client.post("/webhooks/github", data=body, headers=headers)
        assert resp.status == 401 and await resp.json() == {"error": "bad signature"}
    resp = await client.post("/webhooks/gitlab", data=body, headers={"X-Gitlab-Token": "no"})
    assert resp.status == 401 and await resp.json() == {"error": "bad token"}


async def test_a_body_over_25_mb_is_a_413(client: TestClient) -> None:
    async def stream() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(26):
            yield b"x" * (1024 * 1024)

    resp = await client.post("/webhooks/github", data=stream(),
                             headers={"X-GitHub-Event": "push",
                                      "X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert resp.status == 413 and await resp.json() == {"error": "payload over 25 MB"}


async def test_trickling_bodies_time_out_and_do_not_starve_real_deliveries(
    client: TestClient,
) -> None:
    async def trickle() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b" "
            await asyncio.sleep(0.2)

    headers = {"X-GitHub-Event": "push", "X-GitHub-Delivery": "slow",
               "X-Hub-Signature-256": "sha256=" + "0" * 64}
    started = time.monotonic()
    slow = [client.post("/webhooks/github", data=trickle(), headers=headers) for _ in range(6)]
    answers = await asyncio.gather(*slow)
    assert [r.status for r in answers] == [408] * 6
    assert await answers[0].json() == {"error": "the body did not arrive within 0.5 s"}
    # Two readers at a time, 0.5 s each (waiting for a slot counts): six took about 1.5 s.
    assert time.monotonic() - started < 10
    body = json.dumps({"zen": "Keep it logically awesome."}).encode()
    ping = {**github_headers(body), "X-GitHub-Event": "ping", "X-GitHub-Delivery": "p"}
    resp = await client.post("/webhooks/github", data=body, headers=ping)
    assert resp.status == 200 and (await resp.json())["status"] == "ignored"


def _rss_peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read RSS")
async def test_twenty_concurrent_24_mb_bodies_with_bad_signatures_stay_under_150_mb(
    tmp_path: Path, unused_tcp_port: int,
) -> None:
    env = {**os.environ, "MERGEGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'mg.db'}",
           "GITHUB_WEBHOOK_SECRET": GITHUB_SECRET, "GITLAB_WEBHOOK_SECRET": "",
           "GITHUB_APP_ID": "", "GITLAB_TOKEN": ""}
    url = f"http://127.0.0.1:{unused_tcp_port}"
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mergegate.cli", "serve", "--host", "127.0.0.1",
         "--port", str(unused_tcp_port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(url + "/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            before = _rss_peak_kib(proc.pid)
            body = b"{" + b" " * (24 * 1024 * 1024) + b"}"
            headers = {"X-GitHub-Event": "push", "X-GitHub-Delivery": "x",
                       "X-Hub-Signature-256": "sha256=" + "0" * 64}

            async def post() -> int:
                async with http.post(url + "/webhooks/github", data=body,
                                     headers=headers) as r:
                    return r.status

            statuses = await asyncio.gather(*(post() for _ in range(20)))
            assert set(statuses) <= {401, 408}, statuses
            assert statuses.count(401) >= 1
            peak = _rss_peak_kib(proc.pid)
        assert peak < 150 * 1024, f"peak RSS {peak // 1024} MB (was {before // 1024} MB)"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
