"""Scale-out queue against a real PostgreSQL: worker processes (the real WorkerProcess running a
recording job, see queue_harness.py), per-change locks, retries with backoff, a worker killed
with SIGKILL, SIGTERM drains and a database outage. Bounded in count and time, loopback only."""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import procrastinate
import psycopg
import pytest
from mergegate.queue.tasks import QueueOptions, build_app, dispatch, ensure_schema, queue_stats
from mergegate.queue.worker_process import WorkerConfig, WorkerProcess

pytestmark = pytest.mark.postgres

HARNESS = Path(__file__).with_name("queue_harness.py")
REPO = Path(__file__).resolve().parents[2]


class Workers:
    """Worker subprocesses, their logs shown when a test fails, all killed at the end."""

    def __init__(self, url: str, logs: Path) -> None:
        self.url, self.logs = url, logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *options: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, str(HARNESS), self.url, "--name", name, *options],
            stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
        )  # fmt: skip
        self.procs[name] = proc
        return proc

    def output(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.logs.glob("*.log")))

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture
def workers(pg_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Workers]:
    group = Workers(pg_url, tmp_path)
    yield group
    group.stop_all()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(group.output())


@pytest.fixture
async def queue(pg_url: str) -> AsyncIterator[procrastinate.App]:
    from queue_harness import HARNESS_SCHEMA

    app = build_app(pg_url, QueueOptions(max_attempts=5, backoff=1))
    async with app.open_async():
        assert await ensure_schema(app) is True
        assert await ensure_schema(app) is False
        async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
            await conn.execute(HARNESS_SCHEMA)
        yield app


sys.path.insert(0, str(HARNESS.parent))


async def add_job(app: procrastinate.App, url: str, key: str, duration: float = 0.0, **columns: Any) -> int:
    names = ["key", "duration", *columns]
    values = [key, duration, *columns.values()]
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        row = await (
            await conn.execute(
                f"INSERT INTO harness_jobs ({', '.join(names)}) "
                f"VALUES ({', '.join(['%s'] * len(values))}) RETURNING id",
                values,
            )
        ).fetchone()
    assert row is not None
    job_id = int(row[0])
    assert await dispatch(app, job_id, key) is not None
    return job_id


async def rows(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        return await (await conn.execute(query, params)).fetchall()


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float, what: str, workers: Workers) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}\n{workers.output()}")


def done_count(url: str) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        (n,) = (await rows(url, "SELECT count(DISTINCT job_id) FROM harness_runs WHERE outcome = 'done'"))[0]
        return int(n)

    return count


async def test_two_workers_run_each_job_once_and_never_one_key_twice_at_once(
    pg_url: str, queue: procrastinate.App, workers: Workers
) -> None:
    ids = [await add_job(queue, pg_url, f"pr-{i % 4}", 0.05) for i in range(24)]
    assert await dispatch(queue, ids[-1], "pr-3") is None, "a waiting job is dispatched once"
    workers.start("w1", "--concurrency", "2")
    workers.start("w2", "--concurrency", "2")
    count = done_count(pg_url)

    async def all_done() -> bool:
        return await count() == len(ids)

    await wait_for(all_done, 40, "24 jobs", workers)
    runs = await rows(
        pg_url,
        "SELECT j.key, r.job_id, r.started, r.finished, r.worker, r.outcome FROM harness_runs r "
        "JOIN harness_jobs j ON j.id = r.job_id ORDER BY r.started",
    )
    assert len(runs) == len(ids) and {r[5] for r in runs} == {"done"}
    assert sorted(r[1] for r in runs) == ids
    for key in {r[0] for r in runs}:
        mine = [r for r in runs if r[0] == key]
        assert [r[1] for r in mine] == sorted(r[1] for r in mine), "enqueue order per key"
        for before, after in itertools.pairwise(mine):
            assert after[2] >= before[3], f"two jobs of {key} overlapped"
    assert {r[4] for r in runs} == {"w1", "w2"}
    assert (await queue_stats(queue))[0].depth == 0


async def test_failing_job_is_retried_with_backoff_then_gives_up(
    pg_url: str, queue: procrastinate.App, workers: Workers
) -> None:
    flaky = await add_job(queue, pg_url, "pr-1", fail_first=2)
    hopeless = await add_job(queue, pg_url, "pr-2", fail_first=99)
    workers.start("w1", "--max-attempts", "3")

    async def settled() -> bool:
        statuses = await rows(pg_url, "SELECT status FROM procrastinate_jobs")
        return {s for (s,) in statuses} <= {"succeeded", "failed"}

    await wait_for(settled, 30, "both jobs to settle", workers)
    flaky_runs = await rows(
        pg_url, "SELECT started, outcome FROM harness_runs WHERE job_id = %s ORDER BY id", flaky
    )
    assert [o for _, o in flaky_runs] == ["failed", "failed", "done"]
    gaps = [(b[0] - a[0]).total_seconds() for a, b in itertools.pairwise(flaky_runs)]
    assert all(gap >= 0.9 for gap in gaps), gaps
    hopeless_runs = await rows(pg_url, "SELECT outcome FROM harness_runs WHERE job_id = %s", hopeless)
    assert [o for (o,) in hopeless_runs] == ["failed"] * 3
    statuses = dict(await rows(pg_url, "SELECT args->>'job_id', status FROM procrastinate_jobs"))
    assert statuses == {str(hopeless): "failed"}, "succeeded jobs are deleted, failures kept"


async def test_worker_killed_mid_job_is_finished_by_the_other(
    pg_url: str, queue: procrastinate.App, workers: Workers
) -> None:
    options = ("--stalled-after", "2", "--heartbeat", "0.5", "--reap", "0.5")
    victim = workers.start("victim", *options)
    job = await add_job(queue, pg_url, "pr-9", 120.0, retry_duration=0.1)

    async def started() -> bool:
        return bool(await rows(pg_url, "SELECT 1 FROM harness_runs WHERE job_id = %s", job))

    await wait_for(started, 20, "the victim to start the job", workers)
    workers.start("rescuer", *options)
    await asyncio.sleep(0.5)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    killed_at = time.monotonic()

    async def finished() -> bool:
        return bool(
            await rows(pg_url, "SELECT 1 FROM harness_runs WHERE job_id = %s AND outcome = 'done'", job)
        )

    await wait_for(finished, 20, "the rescuer to finish the job", workers)
    assert time.monotonic() - killed_at < 15
    runs = await rows(pg_url, "SELECT worker, outcome FROM harness_runs WHERE job_id = %s ORDER BY id", job)
    assert runs == [("victim", "running"), ("rescuer", "done")]
    assert await rows(pg_url, "SELECT status FROM procrastinate_jobs") == [], "succeeded"


async def test_sigterm_drains_running_jobs_and_takes_no_new_one(
    pg_url: str, queue: procrastinate.App, workers: Workers
) -> None:
    proc = workers.start("w1", "--concurrency", "1")
    running = await add_job(queue, pg_url, "pr-a", 1.5)

    async def started() -> bool:
        return bool(await rows(pg_url, "SELECT 1 FROM harness_runs WHERE job_id = %s", running))

    await wait_for(started, 20, "the job to start", workers)
    waiting = await add_job(queue, pg_url, "pr-b", 0.0)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    outcomes = dict(await rows(pg_url, "SELECT job_id, outcome FROM harness_runs"))
    assert outcomes == {running: "done"}, "the running job finished, the waiting one stayed"
    assert (await queue_stats(queue))[0].depth == 1
    assert "draining" in workers.output()
    del waiting


async def test_sigterm_past_the_drain_timeout_requeues_the_job_for_another_worker(
    pg_url: str, queue: procrastinate.App, workers: Workers
) -> None:
    proc = workers.start("w1", "--drain-timeout", "0.5")
    job = await add_job(queue, pg_url, "pr-c", 120.0, retry_duration=0.1)

    async def started() -> bool:
        return bool(await rows(pg_url, "SELECT 1 FROM harness_runs WHERE job_id = %s", job))

    await wait_for(started, 20, "the job to start", workers)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    (status,) = (await rows(pg_url, "SELECT status FROM procrastinate_jobs"))[0]
    assert status == "todo", "aborted by the shutdown and put back in the queue"
    workers.start("w2")

    async def finished() -> bool:
        return bool(
            await rows(pg_url, "SELECT 1 FROM harness_runs WHERE job_id = %s AND outcome = 'done'", job)
        )

    await wait_for(finished, 20, "w2 to finish the requeued job", workers)


async def test_database_restart_mid_burst_loses_no_job(restartable_db: Any, tmp_path: Path) -> None:
    from pg_cluster import PrivateCluster
    from queue_harness import HARNESS_SCHEMA

    db = restartable_db
    workers = Workers(db.url, tmp_path)
    try:
        app = build_app(db.url)
        async with app.open_async():
            await ensure_schema(app)
            async with await psycopg.AsyncConnection.connect(db.url, autocommit=True) as conn:
                await conn.execute(HARNESS_SCHEMA)
            ids = [await add_job(app, db.url, f"pr-{i % 10}", 0.1) for i in range(40)]
        options = ("--stalled-after", "3", "--heartbeat", "0.5", "--reap", "0.5")
        workers.start("w1", *options)
        workers.start("w2", *options)
        count = done_count(db.url)

        async def some_done() -> bool:
            return await count() >= 8

        await wait_for(some_done, 20, "the burst to start", workers)
        started_before = await rows(db.url, "SELECT pg_postmaster_start_time()")
        await db.restart(2.0)

        restarted = time.monotonic()

        async def all_done() -> bool:
            try:
                left = await rows(db.url, "SELECT count(*) FROM procrastinate_jobs")
                return await count() == len(ids) and left[0][0] == 0
            except psycopg.OperationalError:
                return False

        await wait_for(all_done, 45, f"every job after the restart ({db.kind})", workers)
        print(f"{db.kind}: queue drained {time.monotonic() - restarted:.1f} s after the restart")
        assert all(p.poll() is None for p in workers.procs.values()), "workers survived"
        if isinstance(db, PrivateCluster):
            assert await rows(db.url, "SELECT pg_postmaster_start_time()") != started_before
    finally:
        workers.stop_all()


async def test_worker_health_and_metrics_endpoints_follow_the_database(restartable_db: Any) -> None:
    async def runner(job_id: int) -> None:
        raise AssertionError("no job is dispatched in this test")

    config = WorkerConfig(health_host="127.0.0.1", health_port=0, name="h1", poll_interval=1)
    process = WorkerProcess(restartable_db.url, runner, config)
    task = asyncio.create_task(process.run())
    try:
        deadline = time.monotonic() + 20
        while not process.connected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert process.connected and process.http_port
        base = f"http://127.0.0.1:{process.http_port}"
        async with aiohttp.ClientSession() as http:

            async def health() -> tuple[int, Any]:
                async with http.get(f"{base}/healthz") as resp:
                    return resp.status, await resp.json()

            assert await health() == (200, {"status": "ok"})
            async with http.get(f"{base}/metrics") as resp:
                body = await resp.text()
                assert 'mergegate_queue_depth{queue="mergegate"} 0.0' in body
            restart = asyncio.create_task(restartable_db.restart(4.0))
            await asyncio.sleep(1.0)
            assert await health() == (503, {"status": "database unavailable"})
            await restart
            deadline = time.monotonic() + 30
            while await health() != (200, {"status": "ok"}):
                assert time.monotonic() < deadline, "healthy again once the database is back"
                await asyncio.sleep(0.2)
    finally:
        process.request_stop()
        assert await asyncio.wait_for(task, 40) == 0


async def test_a_second_sigterm_aborts_the_drain_and_requeues_at_once(
    pg_url: str, queue: procrastinate.App, workers: Workers
) -> None:
    proc = workers.start("w1", "--drain-timeout", "60")
    job = await add_job(queue, pg_url, "pr-d", 120.0, retry_duration=0.1)

    async def started() -> bool:
        return bool(await rows(pg_url, "SELECT 1 FROM harness_runs WHERE job_id = %s", job))

    await wait_for(started, 20, "the job to start", workers)
    proc.send_signal(signal.SIGTERM)
    await asyncio.sleep(0.5)
    assert proc.poll() is None, "draining: waits for the running job"
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(proc.wait, 15) == 0
    (status,) = (await rows(pg_url, "SELECT status FROM procrastinate_jobs"))[0]
    assert status == "todo", "aborted and put back in the queue"
