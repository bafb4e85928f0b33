"""The process is killed mid-scan and restarted: the check run is completed exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.github.conftest import APP_ID, SECRET, sign
from tests.e2e.github.payloads import Payloads
from tests.fakes.github import FakeGitHub

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "mergegate.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )


async def _until(predicate: object, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = predicate()  # type: ignore[operator]
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def _healthy(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as s, s.get(url + "/healthz") as r:
            return r.status == 200
    except aiohttp.ClientError:
        return False


async def test_killed_mid_scan_then_restarted(fake: FakeGitHub, fixtures: Path,
                                              app_private_key: str, tmp_path: Path) -> None:
    (tmp_path / "osv").mkdir()
    env = {
        **os.environ,
        "MERGEGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'mergegate.db'}",
        "GITHUB_APP_ID": APP_ID, "GITHUB_PRIVATE_KEY": app_private_key,
        "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": fake.url,
        "MERGEGATE_OSV_DB": str(tmp_path / "osv"), "MERGEGATE_OSV_URL": fake.url,
        "MERGEGATE_DEPS_DEV_URL": fake.url, "MERGEGATE_WORKERS": "1",
    }
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    repo = fake.repo("Codertocat/Hello-World")
    pull = fake.open_pull(repo, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY})
    release = asyncio.Event()
    fake.hold[r"/git/blobs/"] = release
    proc = _start(port, env, log)
    try:
        await _until(lambda: _healthy(url), 60, "the service to start")
        body = json.dumps(Payloads(fixtures, fake.url).pull_request("opened", repo, pull)).encode()
        headers = {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "crash-1",
                   "X-Hub-Signature-256": sign(body), "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as s, s.post(url + "/webhooks/github", data=body,
                                                         headers=headers) as r:
            assert r.status == 202
        await _until(lambda: fake.calls("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}"),
                     30, "the scan to be fetching files")
        [run] = fake.check_runs(repo)
        assert run["status"] == "in_progress"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        release.set()
        del fake.hold[r"/git/blobs/"]

        proc = _start(port, env, log)
        await _until(lambda: fake.check_runs(repo)[0]["status"] == "completed", 60,
                     "the check run to be completed after the restart")
        await asyncio.sleep(0.5)  # anything that would complete it twice has had its chance
        [run] = fake.check_runs(repo)
        assert run["conclusion"] == "failure" and run["completions"] == 1
        assert len(fake.calls("POST", "/repos/{owner}/{repo}/check-runs")) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    text = log.read_text()
    assert "resuming job" in text
    for value in sc.SECRET_VALUES:
        assert value not in text
    fake.assert_clean()
