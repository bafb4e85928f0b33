"""Scale-out: a worker runs the scheduler's tick as a procrastinate periodic task."""

from __future__ import annotations

import asyncio
import time

import pytest
from mergegate.queue.tasks import QueueOptions
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
