"""`mergegate serve` killed mid-scan and restarted: the MR still gets exactly one final
`mergegate` status and one summary note."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.gitlab.conftest import SECRET
from tests.e2e.gitlab.payloads import Payloads
from tests.fakes.gitlab import TOKEN, FakeGitLab

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


async def _until(predicate: Callable[[], bool | Awaitable[bool]], timeout: float,
                 what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = predicate()
        if not isinstance(result, bool):
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


async def test_killed_mid_scan_then_restarted(fake_gitlab: FakeGitLab, gitlab_payloads: Payloads,
                                              tmp_path: Path) -> None:
    fake = fake_gitlab
    (tmp_path / "osv").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_"))}
    env.update({
        "MERGEGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'mergegate.db'}",
        "GITLAB_URL": fake.url, "GITLAB_TOKEN": TOKEN, "GITLAB_WEBHOOK_SECRET": SECRET,
        "MERGEGATE_OSV_DB": str(tmp_path / "osv"), "MERGEGATE_OSV_URL": fake.url,
        "MERGEGATE_DEPS_DEV_URL": fake.url, "MERGEGATE_WORKERS": "1",
    })
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    project = fake.project()
    mr = fake.open_mr(project, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY})
    release = asyncio.Event()
    fake.hold[r"app%2Fdb\.py/raw$"] = release
    proc = _start(port, env, log)
    try:
        await _until(lambda: _healthy(url), 60, "the service to start")
        body = json.dumps(gitlab_payloads.merge_request("open", project, mr)).encode()
        headers = {"X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Event-UUID": "crash-1",
                   "X-Gitlab-Token": SECRET, "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as s, s.post(url + "/webhooks/gitlab", data=body,
                                                         headers=headers) as r:
            assert r.status == 202
        await _until(lambda: any(r.path.endswith("app%2Fdb.py/raw")
                                 for r in fake.calls("GET", "raw")), 30,
                     "the scan to be fetching files")
        [status] = fake.mergegate_statuses(project, mr.head_sha)
        assert status["status"] == "running"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        release.set()
        del fake.hold[r"app%2Fdb\.py/raw$"]

        proc = _start(port, env, log)
        await _until(lambda: fake.mergegate_statuses(project, mr.head_sha)[-1]["status"]
                     == "failed", 60, "the final status after the restart")
        await asyncio.sleep(0.5)  # anything that would report twice has had its chance
        [status] = fake.mergegate_statuses(project, mr.head_sha)
        assert status["history"] == ["pending", "running", "failed"]
        summaries = [n for n in project.notes[2] if "mergegate:summary" in str(n["body"])]
        assert len(summaries) == 1 and summaries[0]["edits"] == 0
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    assert "resuming job" in log.read_text()
    fake.assert_clean()
