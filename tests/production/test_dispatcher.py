"""The store ⇄ procrastinate bridge on a real PostgreSQL, with the real store (its alembic
migrations, coalescing queue and job rows): dispatch passes, claims, coalescing while a job of
the same change runs, the safety sweep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import procrastinate
import pytest

from bot.dispatcher import Dispatcher, claim_job, store_runner
from bot.queue_procrastinate import build_app, ensure_schema, queue_stats
from bot.store.queue import Job
from bot.store.service_store import Store
from bot.worker_runtime import WorkerConfig, WorkerProcess

pytestmark = pytest.mark.postgres


@dataclass
class Bench:
    store: Store
    app: procrastinate.App
    url: str


@pytest.fixture
async def bench(pg_url: str) -> AsyncIterator[Bench]:
    store = await asyncio.to_thread(Store.open, pg_url)
    app = build_app(pg_url)
    async with app.open_async():
        await ensure_schema(app)
        yield Bench(store, app, pg_url)
    store.close()


@dataclass
class Recorder:
    """An executor that records what it ran, waits ``delay`` and finishes the store job."""

    store: Store
    delay: float = 0.0
    ran: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    active: set[str] = field(default_factory=set)
    overlaps: int = 0

    async def __call__(self, job: Job) -> None:
        if job.key in self.active:
            self.overlaps += 1
        self.active.add(job.key)
        self.ran.append((job.id, job.payload))
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.active.discard(job.key)
        await asyncio.to_thread(self.store.queue.finish, job.id, "done")


async def start_worker(url: str, store: Store, recorder: Recorder) -> tuple[WorkerProcess, asyncio.Task[int]]:
    config = WorkerConfig(health_port=None, name="in-test", concurrency=4, poll_interval=1.0)
    process = WorkerProcess(url, store_runner(store.engine, recorder), config)
    task = asyncio.create_task(process.run())
    deadline = time.monotonic() + 20
    while not process.connected and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert process.connected
    return process, task


async def eventually(check: object, timeout: float = 15.0) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


async def test_dispatch_is_idempotent_and_skips_coalesced_jobs(bench: Bench) -> None:
    q = bench.store.queue
    a1 = q.enqueue("scan", "gh:acme/app#1", {"sha": "a1"}, coalesce=True)
    a2 = q.enqueue("scan", "gh:acme/app#1", {"sha": "a2"}, coalesce=True)
    b = q.enqueue("scan", "gh:acme/app#2", {"sha": "b1"}, coalesce=True)
    assert a1 == a2, "the store coalesced the second push"
    dispatcher = Dispatcher(bench.app)
    assert await dispatcher.dispatch_pending() == 2
    assert await dispatcher.dispatch_pending() == 0
    assert (await queue_stats(bench.app))[0].depth == 2
    q.enqueue("command", "gh:acme/app#2", {"c": 1}, coalesce=False)
    assert await dispatcher.dispatch_pending() == 1
    del b


async def test_claim_takes_queued_or_crashed_jobs_only(bench: Bench) -> None:
    q, engine = bench.store.queue, bench.store.engine
    job_id = q.enqueue("scan", "gh:acme/app#3", {"sha": "c"}, coalesce=True)
    first = claim_job(engine, job_id)
    assert first is not None and first.status == "running" and first.attempts == 1
    again = claim_job(engine, job_id)  # the worker holding it was killed: a retry takes it
    assert again is not None and again.attempts == 2
    q.finish(job_id, "done")
    assert claim_job(engine, job_id) is None
    superseded = q.enqueue("scan", "gh:acme/app#4", {"sha": "d"}, coalesce=True)
    q.drop_queued("gh:acme/app#4", ("scan",))
    assert claim_job(engine, superseded) is None
    assert claim_job(engine, 999_999) is None


async def test_ten_pushes_while_a_scan_runs_make_two_runs_at_most(bench: Bench) -> None:
    recorder = Recorder(bench.store, delay=0.6)
    process, task = await start_worker(bench.url, bench.store, recorder)
    dispatcher = Dispatcher(bench.app, sweep_interval=60)
    runner = asyncio.create_task(dispatcher.run())
    try:
        key = "gh:acme/app#7"
        await asyncio.sleep(0)
        bench.store.queue.enqueue("scan", key, {"sha": "s0"}, coalesce=True)
        dispatcher.wake()
        await eventually(lambda: len(recorder.ran) == 1)
        for n in range(1, 11):
            bench.store.queue.enqueue("scan", key, {"sha": f"s{n}"}, coalesce=True)
            dispatcher.wake()
            await asyncio.sleep(0.01)
        await eventually(lambda: bench.store.queue.pending() == 0)
        assert [p["sha"] for _, p in recorder.ran] == ["s0", "s10"]
        assert recorder.overlaps == 0
    finally:
        runner.cancel()
        process.request_stop()
        assert await asyncio.wait_for(task, 20) == 0


async def test_the_sweep_dispatches_jobs_nobody_woke_it_for(bench: Bench) -> None:
    recorder = Recorder(bench.store)
    process, task = await start_worker(bench.url, bench.store, recorder)
    dispatcher = Dispatcher(bench.app, sweep_interval=0.2)
    runner = asyncio.create_task(dispatcher.run())
    try:
        ids = [
            bench.store.queue.enqueue("scan", f"gh:acme/app#{n}", {"n": n}, coalesce=True) for n in range(5)
        ]  # as if the server crashed before waking the dispatcher
        await eventually(lambda: sorted(i for i, _ in recorder.ran) == ids)
    finally:
        runner.cancel()
        process.request_stop()
        assert await asyncio.wait_for(task, 20) == 0
