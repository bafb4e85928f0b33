"""The scale-out deployment end to end, on loopback: `mergegate serve` (webhooks only) and
`mergegate worker` processes, a real PostgreSQL and the fake GitHub. A burst of 1,000
signed deliveries for 50 PRs with the database restarted mid-burst; a worker killed with SIGKILL
mid-scan; a worker drained with SIGTERM mid-scan."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.github import scenario as sc
from tests.e2e.github.payloads import Payloads
from tests.fakes.github import FakeGitHub, Pull, Repo

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_ID = "12345"
SECRET = "It's a Secret to Everybody"
FAST_POLICY = "version: 1\nsast:\n  enabled: false\n"  # the burst measures the queue, not semgrep


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Cluster:
    fake: FakeGitHub
    payloads: Payloads
    repo: Repo
    db: Any
    env: dict[str, str]
    logs: Path
    serve_url: str = ""
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    http: aiohttp.ClientSession | None = None
    statuses: list[int] = field(default_factory=list)
    redelivered_as_duplicate: list[str] = field(default_factory=list)  # 5xx, then "duplicate"

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        out = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(argv, env=self.env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT)
        self.procs[name] = proc
        return proc

    def worker(self, name: str, *extra: str) -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-m", "mergegate.cli", "worker", "--host", "127.0.0.1", "--port", "0",
                "--stalled-after", "2", "--concurrency", "2", *extra]  # fmt: skip
        return self.spawn(name, argv)

    def output(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-6000:]}" for p in sorted(self.logs.glob("*.log")))

    async def deliver(self, event: str, payload: dict[str, Any]) -> int:
        """POST one signed delivery; like GitHub's redelivery, retry it (same id) while the
        server cannot take it (a 5xx, a refused connection, or no answer within the client's
        timeout, which GitHub also counts as a failed delivery)."""
        assert self.http is not None
        body = json.dumps(payload).encode()
        headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": str(uuid.uuid4()),
                   "Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}  # fmt: skip
        for attempt in range(100):
            try:
                async with self.http.post(
                    f"{self.serve_url}/webhooks/github", data=body, headers=headers
                ) as r:
                    if r.status < 500:
                        self.statuses.append(r.status)
                        if attempt and r.status == 200:
                            self.redelivered_as_duplicate.append(headers["X-GitHub-Delivery"])
                        return r.status
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.1)
        raise AssertionError("the server never accepted a delivery")

    async def open_pull(self, number: int, files: dict[str, str], policy: str = FAST_POLICY) -> Pull:
        base: dict[str, str | bytes] = {**sc.BASE, ".mergegate.yml": policy}
        pull = self.fake.open_pull(self.repo, number, base, {**base, **files})
        assert (
            await self.deliver("pull_request", self.payloads.pull_request("opened", self.repo, pull)) == 202
        )
        return pull

    async def push(self, pull: Pull, files: dict[str, str], policy: str = FAST_POLICY) -> None:
        base: dict[str, str | bytes] = {**sc.BASE, ".mergegate.yml": policy}
        self.fake.push(self.repo, pull.number, {**base, **files})
        payload = self.payloads.pull_request("synchronize", self.repo, pull)
        assert await self.deliver("pull_request", payload) in (200, 202)

    async def pending_jobs(self) -> int:
        async with await psycopg.AsyncConnection.connect(self.db.url, autocommit=True) as conn:
            row = await (
                await conn.execute("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")
            ).fetchone()
        assert row is not None
        return int(row[0])

    async def wait(self, check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if await check():
                    return
            except psycopg.OperationalError:
                pass
            await asyncio.sleep(0.2)
        pytest.fail(f"timed out after {timeout} s waiting for {what}\n{self.output()}")

    def worker_url(self, name: str) -> str:
        """The /healthz and /metrics address a worker logged at start."""
        for line in (self.logs / f"{name}.log").read_text().splitlines():
            if not line.startswith("{"):
                continue  # the address line printed for people, beside the JSON log
            message = json.loads(line).get("message", "")
            if "/healthz and /metrics on port" in message:
                return f"http://127.0.0.1:{message.rsplit(' ', 1)[1]}"
        raise AssertionError(f"{name} logged no metrics port")

    async def metrics(self, base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        assert self.http is not None
        async with self.http.get(f"{base}/metrics") as r:
            text = await r.text()
        return {
            (s.name, tuple(sorted(s.labels.items()))): float(s.value)
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }

    def latest_runs(self, pull: Pull) -> list[dict[str, Any]]:
        return self.fake.check_runs(self.repo, self.repo.pulls[pull.number].head_sha)


@pytest.fixture
async def cluster(
    restartable_db: Any, fixtures: Path, app_private_key: str, tmp_path: Path
) -> AsyncIterator[Cluster]:
    public = serialization.load_pem_private_key(app_private_key.encode(), None).public_key()
    fake = FakeGitHub(fixtures / "github" / "openapi-subset.json", APP_ID, public)
    await fake.start()
    empty = tmp_path / "osv-empty"
    empty.mkdir()
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {
        **os.environ,
        "MERGEGATE_DATABASE_URL": restartable_db.url, "GITHUB_APP_ID": APP_ID,
        "GITHUB_PRIVATE_KEY": app_private_key, "GITHUB_WEBHOOK_SECRET": SECRET,
        "GITHUB_API_URL": fake.url, "MERGEGATE_OSV_DB": str(empty), "MERGEGATE_OSV_URL": fake.url,
        "MERGEGATE_DEPS_DEV_URL": fake.url, "MERGEGATE_LOG_FORMAT": "json", "MERGEGATE_WORKERS": "2",
        "MERGEGATE_SCHEDULER_INTERVAL": "1",  # serve's scheduler ticks through every test
    }  # fmt: skip
    c = Cluster(
        fake, Payloads(fixtures, fake.url), fake.repo("Codertocat/Hello-World"), restartable_db, env, logs
    )
    port = free_port()
    c.serve_url = f"http://127.0.0.1:{port}"
    c.spawn("serve", [sys.executable, "-m", "mergegate.cli", "serve", "--host", "127.0.0.1", "--port", str(port)])
    c.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def healthy() -> bool:
        assert c.http is not None
        try:
            async with c.http.get(f"{c.serve_url}/healthz") as r:
                return r.status == 200
        except aiohttp.ClientError:
            return False

    try:
        await c.wait(healthy, 30, "the server to be healthy")
        yield c
    finally:
        for proc in c.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in c.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        await c.http.close()
        await fake.close()
    fake.assert_clean()


async def test_burst_of_1000_deliveries_for_50_prs_with_a_database_restart(cluster: Cluster) -> None:
    c = cluster
    c.worker("w1")
    c.worker("w2")

    async def workers_up() -> bool:  # the restart is mid-burst, not during their start-up
        return all("/healthz and /metrics on port" in (c.logs / f"{name}.log").read_text()
                   for name in ("w1", "w2"))

    await c.wait(workers_up, 60, "the workers to start")
    started = time.monotonic()
    sent = 0
    restart_task: asyncio.Task[None] | None = None

    async def drive(number: int) -> None:
        nonlocal sent, restart_task
        pull = await c.open_pull(number, {"app/x.py": f"x = {number}\n"})
        sent += 1
        for push in range(19):
            await c.push(pull, {"app/x.py": f"x = {number * 100 + push}\n"})
            sent += 1
            if sent >= 400 and restart_task is None:
                restart_task = asyncio.create_task(c.db.restart(2.0))

    await asyncio.gather(*(drive(n) for n in range(1, 51)))
    assert sent == 1000 and restart_task is not None
    await restart_task
    burst_seconds = time.monotonic() - started

    async def all_done() -> bool:
        return await c.pending_jobs() == 0 and all(
            [r["status"] for r in c.latest_runs(p)] == ["completed"] for p in c.repo.pulls.values()
        )

    await c.wait(
        all_done,
        150,
        "every PR's latest head to be checked (deliveries answered 5xx then 'duplicate' on "
        f"redelivery, whose jobs may be lost: {c.redelivered_as_duplicate})",
    )
    assert len(c.statuses) == 1000 and set(c.statuses) <= {202, 200}
    for pull in c.repo.pulls.values():
        [run] = c.latest_runs(pull)
        assert run["completions"] == 1 and run["conclusion"] == "success", (pull.number, run)
    every = c.fake.check_runs(c.repo)
    spinning = [r for r in every if r["status"] != "completed"]
    if spinning:
        async with await psycopg.AsyncConnection.connect(c.db.url, autocommit=True) as conn:
            for r in spinning:
                rows = await (
                    await conn.execute(
                        "SELECT id, kind, status, attempts, report_id, error, payload FROM jobs "
                        "WHERE report_id = %s",
                        (str(r["id"]),),
                    )
                ).fetchall()
                print("SPINNING", r["id"], r["head_sha"], r["history"], rows)
    assert all(r["status"] == "completed" for r in every), "no check run left spinning"
    assert max(r["completions"] for r in every) == 1, "no check run completed twice"
    scans = len(every)
    assert scans <= 50 * 20
    print(f"burst: 1000 deliveries in {burst_seconds:.1f} s, {scans} check runs, {c.db.kind}")
    assert all(p.poll() is None for p in c.procs.values()), c.output()
    # The server counted the deliveries and sees an empty queue; the workers timed the scanners.
    server = await c.metrics(c.serve_url)
    accepted = server.get(
        ("mergegate_deliveries_total", (("event", "pull_request"), ("outcome", "accepted")))
    )
    assert accepted is not None and accepted >= 50
    assert server[("mergegate_queue_depth", (("queue", "mergegate"),))] == 0
    timed = 0.0
    for name in ("w1", "w2"):
        worker = await c.metrics(c.worker_url(name))
        timed += worker.get(("mergegate_scan_duration_seconds_count", (("scanner", "secrets"),)), 0.0)
    assert timed >= 50, "every scan's scanners were timed by the workers"


async def hold_files(c: Cluster) -> asyncio.Event:
    """Block the fake's PR-files endpoint: a scan that reaches it stays in flight."""
    gate = asyncio.Event()
    c.fake.hold[r"/pulls/\d+/files"] = gate
    return gate


async def wait_for_held_request(c: Cluster, number: int) -> None:
    async def held() -> bool:
        return any(r.path.endswith(f"/pulls/{number}/files") for r in c.fake.requests)

    await c.wait(held, 30, "a worker to start the scan")


async def test_worker_killed_mid_scan_and_its_job_finished_by_the_other(cluster: Cluster) -> None:
    c = cluster
    gate = await hold_files(c)
    victim = c.worker("victim")
    pull = await c.open_pull(7, {"app/db.py": sc.DB_PY}, policy="version: 1\n")
    await wait_for_held_request(c, 7)
    c.worker("rescuer")
    [run] = c.latest_runs(pull)
    assert run["status"] == "in_progress"
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    del c.fake.hold[r"/pulls/\d+/files"]
    gate.set()

    async def done() -> bool:
        return [r["status"] for r in c.latest_runs(pull)] == ["completed"] and await c.pending_jobs() == 0

    await c.wait(done, 60, "the rescuer to finish the scan")
    [final] = c.latest_runs(pull)
    assert final["id"] == run["id"], "the check run the victim started was resumed, not duplicated"
    assert final["completions"] == 1 and final["conclusion"] == "failure"
    assert {(a["path"], a["start_line"]) for a in final["annotations"]} >= {
        ("app/db.py", sc.SQLI_LINE), ("app/db.py", sc.KEY_LINE)}  # fmt: skip
    # The rescuer's log: JSON lines; its lines about the job carry the change; no secret at all.
    text = (c.logs / "rescuer.log").read_text()
    # JSON lines, but for the one line printed for people (the address it listens on)
    lines = [json.loads(line) for line in text.splitlines() if not line.startswith("mergegate: ")]
    about_job = [line for line in lines if "job_id" in line and "sha" in line]
    assert about_job, "the job's lines carry its id and the change:\n" + text[-3000:]
    for line in about_job:
        assert (line["repository"], line["pr"], line["sha"]) == (c.repo.full_name, 7, pull.head_sha)
    everything = c.output()
    for secret in (*sc.SECRET_VALUES, SECRET, "ghs_fake", c.env["GITHUB_PRIVATE_KEY"].splitlines()[1]):
        assert secret not in everything, "a secret reached a log"


async def test_sigterm_drains_the_running_scan_and_takes_no_new_job(cluster: Cluster) -> None:
    c = cluster
    gate = await hold_files(c)
    draining = c.worker("draining", "--drain-timeout", "60")
    first = await c.open_pull(8, {"app/x.py": "x = 1\n"})
    await wait_for_held_request(c, 8)
    draining.send_signal(signal.SIGTERM)
    await asyncio.sleep(0.5)
    second = await c.open_pull(9, {"app/y.py": "y = 2\n"})
    await asyncio.sleep(1.0)
    assert draining.poll() is None, "still finishing its running scan"
    del c.fake.hold[r"/pulls/\d+/files"]
    gate.set()
    assert await asyncio.to_thread(draining.wait, 30) == 0
    [run] = c.latest_runs(first)
    assert run["status"] == "completed" and run["completions"] == 1
    assert c.latest_runs(second) == [], "the draining worker took no new job"
    c.worker("next")

    async def second_done() -> bool:
        return [r["status"] for r in c.latest_runs(second)] == ["completed"]

    await c.wait(second_done, 60, "another worker to take the waiting job")


async def test_the_servers_scheduler_turns_the_check_red_when_a_dismissal_expires(
    cluster: Cluster,
) -> None:
    """On PostgreSQL `mergegate serve` runs the scheduler's timer and a worker the job it
    enqueues: a dismissal whose expiry passes re-judges the pull request without a push."""
    c = cluster
    c.worker("w1")
    c.repo.permissions["maint"] = ("write", "maintain")
    pull = await c.open_pull(11, {"app/db.py": sc.DB_PY})

    async def concluded(conclusion: str, runs: int) -> bool:
        latest = c.latest_runs(pull)
        return len(latest) == runs and latest[-1]["conclusion"] == conclusion

    await c.wait(lambda: concluded("failure", 1), 60, "the first scan to fail")
    [first] = c.latest_runs(pull)
    [key_id] = [a["title"].split()[0] for a in first["annotations"]
                if a["annotation_level"] == "failure" and a["start_line"] == sc.KEY_LINE]
    tomorrow = (time.time() + 86400)
    until = time.strftime("%Y-%m-%d", time.gmtime(tomorrow))
    body = f"/mergegate dismiss {key_id} accepted-risk until {until} rotated already"
    status = await c.deliver("issue_comment", c.payloads.comment(c.repo, pull, 901, "maint", body))
    assert status in (200, 202)
    await c.wait(lambda: concluded("success", 2), 60, "the dismissal to turn the check green")

    async with await psycopg.AsyncConnection.connect(c.db.url, autocommit=True) as conn:
        await conn.execute("UPDATE dismissals SET expires_at = now() - interval '1 minute'")
    await c.wait(lambda: concluded("failure", 3), 60, "the server's scheduler to re-judge")
    assert c.latest_runs(pull)[-1]["completions"] == 1

    async def expiry_recorded() -> bool:  # written once the changes are judged again
        async with await psycopg.AsyncConnection.connect(c.db.url, autocommit=True) as conn:
            rows = await (await conn.execute(
                "SELECT actor FROM audit_log WHERE action = 'expired'")).fetchall()
        assert [r[0] for r in rows] in ([], ["mergegate"]), rows
        return bool(rows)

    await c.wait(expiry_recorded, 30, "the expiry's audit row")
