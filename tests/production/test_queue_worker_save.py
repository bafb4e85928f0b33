"""A worker that rides a database outage out records the end of the job it finished meanwhile:
otherwise that job stays 'doing' under a live worker, the stalled-job sweep never frees it and
its lock (its pull request) blocks every later job of that pull request. Real PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pytest
from mergegate.queue.resilient_worker import is_disconnect
from mergegate.queue.tasks import (
    QUEUE,
    QueueOptions,
    build_app,
    dispatch,
    ensure_schema,
    requeue_stalled,
)
from mergegate.queue.worker_process import WorkerConfig, WorkerProcess

pytestmark = pytest.mark.postgres


async def drop_the_save(url: str, hold_seconds: float) -> None:
    """Make the worker's next write to its queue hang, then cut its connection mid-query, as a
    database going away just then does: the table is locked against writes, the backend that
    waits for that lock is terminated, the lock is released ``hold_seconds`` later."""
    async with await psycopg.AsyncConnection.connect(url) as admin:
        await admin.execute("LOCK TABLE procrastinate_jobs IN EXCLUSIVE MODE")
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as watch:
            for _ in range(100):
                rows = await (
                    await watch.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock'"
                    )
                ).fetchall()
                if rows:
                    break
                await asyncio.sleep(0.05)
            assert rows, "the worker never tried to record the end of its job"
            for (pid,) in rows:
                await watch.execute("SELECT pg_terminate_backend(%s)", (pid,))
        await asyncio.sleep(hold_seconds)
        await admin.rollback()


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if await check():
                return
        except psycopg.OperationalError:
            pass
        await asyncio.sleep(0.2)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


async def test_the_end_of_a_job_finished_during_an_outage_is_recorded_and_frees_its_lock(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[int] = []
    outage: list[asyncio.Task[None]] = []

    async def runner(job_id: int) -> None:
        ran.append(job_id)
        if job_id == 1:  # the database goes away just as the job ends
            outage.append(asyncio.create_task(drop_the_save(pg_url, 1.0)))
            await asyncio.sleep(0.3)  # the lock is taken before the job ends

    config = WorkerConfig(
        concurrency=1, heartbeat_interval=0.5, stalled_after=60.0, reap_interval=0.5,
        poll_interval=0.5, health_port=None, name="survivor", delete_succeeded=False,
        queue=QueueOptions(max_attempts=1, backoff=1),
    )  # fmt: skip
    process = WorkerProcess(pg_url, runner, config)
    caplog.set_level(logging.INFO)
    app = build_app(pg_url)
    async with app.open_async():
        await ensure_schema(app)
        worker = asyncio.create_task(process.run())
        try:

            async def connected() -> bool:
                return process.connected

            async def outage_over() -> bool:
                return bool(outage) and outage[0].done()

            await wait_for(connected, 30, "the worker")
            await dispatch(app, 1, "pr-1")
            await wait_for(outage_over, 30, "the lost save")
            outage[0].result()
            await dispatch(app, 2, "pr-1")  # same lock: runs only once job 1 is recorded as ended

            async def second_ran() -> bool:
                return 2 in ran

            await wait_for(second_ran, 30, "the next job of the same change")
        finally:
            process.request_stop()
            await asyncio.wait_for(worker, 30)
        async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
            rows: list[Any] = await (
                await conn.execute("SELECT args->>'job_id', status::text FROM procrastinate_jobs ORDER BY id")
            ).fetchall()
    assert rows == [("1", "succeeded"), ("2", "succeeded")]
    assert ran == [1, 2], "each job ran once: the end was recorded, not the job run again"
    assert "could not record the end of queue job" in caplog.text


def test_only_connection_errors_count_as_a_disconnect() -> None:
    from procrastinate import exceptions as pexc

    lost = pexc.ConnectorException()
    lost.__cause__ = psycopg.OperationalError("server closed the connection unexpectedly")
    refused = pexc.ConnectorException()
    refused.__cause__ = psycopg.errors.UniqueViolation("duplicate key")
    assert is_disconnect(lost) and is_disconnect(ConnectionRefusedError())
    assert not is_disconnect(refused) and not is_disconnect(pexc.ConnectorException())


async def test_a_stalled_job_whose_work_already_waits_again_is_closed_and_frees_its_lock(
    pg_url: str,
) -> None:
    """The sweep cannot put a stalled job back when the same store job already waits in the
    queue (its ``queueing_lock``): that was a unique-key violation, the stalled job stayed
    'doing' and its lock kept the waiting job from ever starting."""
    app = build_app(pg_url)
    async with app.open_async():
        await ensure_schema(app)
        manager = app.job_manager
        worker_id = await manager.register_worker()
        first = await dispatch(app, 1, "pr-1")
        running = await manager.fetch_job(queues=[QUEUE], worker_id=worker_id)
        assert running is not None and running.id == first
        waiting = await dispatch(app, 1, "pr-1")  # handed back while it ran (debounced)
        assert waiting is not None and waiting != first
        async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
            await conn.execute("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'")
        assert await requeue_stalled(app, 5.0) == []
        async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
            rows: list[Any] = await (
                await conn.execute("SELECT id, status::text FROM procrastinate_jobs ORDER BY id")
            ).fetchall()
        assert rows == [(first, "aborted"), (waiting, "todo")]
        other = await manager.register_worker()
        taken = await manager.fetch_job(queues=[QUEUE], worker_id=other)
        assert taken is not None and taken.id == waiting, "the change's lock is free again"
