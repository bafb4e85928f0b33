"""Scale-out: a worker runs the scheduler's tick as a procrastinate periodic task."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import psycopg
import pytest
from mergegate.queue.tasks import QueueOptions, build_app, dispatch, ensure_schema
from mergegate.queue.worker_process import WorkerConfig, WorkerProcess

pytestmark = pytest.mark.postgres


async def test_a_worker_runs_the_tick_every_interval(pg_url: str) -> None:
    ticks: list[float] = []

    async def tick() -> None:
        ticks.append(time.monotonic())

    async def runner(job_id: int) -> None:
        raise AssertionError("no store job is dispatched in this test")

    config = WorkerConfig(health_port=None, name="t1", poll_interval=0.2,
                          queue=QueueOptions(scheduler_interval=1))
    process = WorkerProcess(pg_url, runner, config, tick=tick)
    task = asyncio.create_task(process.run())
    try:
        deadline = time.monotonic() + 20
        while len(ticks) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert len(ticks) >= 3
    finally:
        process.request_stop()
        assert await asyncio.wait_for(task, 30) == 0



async def test_a_busy_worker_with_the_scheduler_rides_a_database_restart_out(
    restartable_db: Any, caplog: pytest.LogCaptureFixture,
) -> None:
    """The database restarts while the worker runs a job. procrastinate stops a worker whose
    heartbeat, listener or periodic deferrer raises, then waits for its running jobs: with the
    scheduler's periodic task registered, a restart drained every busy worker. Here those side
    tasks start again: the heartbeat and the periodic deferrer go on while the job still runs,
    the worker never stops, and the tick runs once the job is done."""
    url = restartable_db.url
    release, started = asyncio.Event(), asyncio.Event()
    ticks: list[float] = []

    async def runner(job_id: int) -> None:
        started.set()
        await release.wait()

    async def tick() -> None:
        ticks.append(time.time())

    config = WorkerConfig(concurrency=1, heartbeat_interval=0.3, poll_interval=0.3,
                          health_port=None, name="busy", drain_timeout=60,
                          queue=QueueOptions(scheduler_interval=1))
    process = WorkerProcess(url, runner, config, tick=tick)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="procrastinate.periodic")  # its "already queued"
    app = build_app(url)
    async with app.open_async():
        await ensure_schema(app)
        task = asyncio.create_task(process.run())
        try:
            deadline = time.monotonic() + 30
            while not process.connected and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            await dispatch(app, 1, "pr-1")
            await asyncio.wait_for(started.wait(), 30)
        except BaseException:
            release.set()
            process.request_stop()
            raise
    try:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            [(worker_id,)] = await (await conn.execute(
                "SELECT id FROM procrastinate_workers")).fetchall()
        await restartable_db.restart(3.0)
        back = time.time()

        async def heartbeat_since_restart() -> bool:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                row = await (await conn.execute(
                    "SELECT count(*) FROM procrastinate_workers WHERE id = %s "
                    "AND last_heartbeat > to_timestamp(%s)", (worker_id, back))).fetchone()
            return bool(row and row[0])

        def deferrer_ran_since_restart() -> bool:
            return any(r.name == "procrastinate.periodic" and r.created > back + 0.5
                       for r in caplog.records)

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if await heartbeat_since_restart() and deferrer_ran_since_restart():
                break
            await asyncio.sleep(0.3)
        else:
            pytest.fail("no heartbeat or periodic defer after the restart\n" + caplog.text)
        assert not release.is_set() and not task.done(), "the job still runs, the worker too"
        assert "lost the database" in caplog.text
        assert "worker stopped on its own" not in caplog.text
        assert "Stop requested" not in caplog.text
        release.set()
        deadline = time.monotonic() + 20
        while not any(t > back for t in ticks) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert any(t > back for t in ticks), "the scheduler ticked after the restart"
    finally:
        release.set()
        process.request_stop()
        assert await asyncio.wait_for(task, 60) == 0
