"""The store ⇄ procrastinate bridge on a real PostgreSQL, with the real store (its alembic
migrations, coalescing queue and job rows): dispatch passes, claims, coalescing while a job of
the same change runs, the safety sweep."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import procrastinate
import pytest
from mergegate.queue.dispatcher import Claim, Dispatcher, claim_job, store_runner
from mergegate.queue.tasks import build_app, dispatch, ensure_schema, queue_stats
from mergegate.queue.worker_process import WorkerConfig, WorkerProcess
from mergegate.store.queue import Job
from mergegate.store.service_store import Store

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


async def start_worker(bench: Bench, recorder: Recorder) -> tuple[WorkerProcess, asyncio.Task[int]]:
    config = WorkerConfig(health_port=None, name="in-test", concurrency=4, poll_interval=1.0)

    async def redispatch(job_id: int, key: str, when: dt.datetime) -> None:
        await dispatch(bench.app, job_id, key, run_after=when)

    process = WorkerProcess(bench.url, store_runner(bench.store.engine, recorder, redispatch), config)
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


async def test_a_running_job_without_a_queue_record_is_dispatched_again(bench: Bench) -> None:
    q = bench.store.queue
    job_id = q.enqueue("scan", "gh:acme/app#6", {"sha": "f"}, coalesce=True)
    assert claim_job(bench.store.engine, job_id).job is not None  # running, then its worker
    dispatcher = Dispatcher(bench.app)  # and its procrastinate job vanished
    assert await dispatcher.dispatch_pending() == 1
    assert await dispatcher.dispatch_pending() == 0, "now it has a live queue record"
    q.finish(job_id, "done")


async def test_claim_takes_queued_or_crashed_jobs_only(bench: Bench) -> None:
    q, engine = bench.store.queue, bench.store.engine
    job_id = q.enqueue("scan", "gh:acme/app#3", {"sha": "c"}, coalesce=True)
    first = claim_job(engine, job_id).job
    assert first is not None and first.status == "running" and first.attempts == 1
    again = claim_job(engine, job_id).job  # the worker holding it was killed: a retry takes it
    assert again is not None and again.attempts == 2
    q.finish(job_id, "done")
    assert claim_job(engine, job_id) == Claim()
    superseded = q.enqueue("scan", "gh:acme/app#4", {"sha": "d"}, coalesce=True)
    q.drop_queued("gh:acme/app#4", ("scan",))
    assert claim_job(engine, superseded) == Claim()
    assert claim_job(engine, 999_999) == Claim()
    debounced = q.enqueue("scan", "gh:acme/app#5", {"sha": "e"}, coalesce=True, delay=30)
    claim = claim_job(engine, debounced)
    assert claim.job is None and claim.due_at is not None
    assert 25 < (claim.due_at - dt.datetime.now(dt.UTC)).total_seconds() <= 30


async def test_ten_pushes_while_a_scan_runs_make_two_runs_at_most(bench: Bench) -> None:
    recorder = Recorder(bench.store, delay=0.6)
    process, task = await start_worker(bench, recorder)
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
    process, task = await start_worker(bench, recorder)
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


async def test_a_postponed_job_waits_for_its_new_time(bench: Bench) -> None:
    """Debouncing: a push postpones the queued scan; the worker runs it at the later time."""
    recorder = Recorder(bench.store)
    process, task = await start_worker(bench, recorder)
    dispatcher = Dispatcher(bench.app, sweep_interval=60)
    runner = asyncio.create_task(dispatcher.run())
    try:
        await asyncio.sleep(0)
        key, q = "gh:acme/app#8", bench.store.queue
        started = time.monotonic()
        job = q.enqueue("scan", key, {"sha": "p0"}, coalesce=True, delay=0.4)
        dispatcher.wake()
        await asyncio.sleep(0.2)
        assert q.enqueue("scan", key, {"sha": "p1"}, coalesce=True, delay=1.0) == job
        await eventually(lambda: len(recorder.ran) == 1)
        assert time.monotonic() - started >= 1.1, "ran after the postponed time, not the first"
        assert recorder.ran == [(job, {"sha": "p1"})]
    finally:
        runner.cancel()
        process.request_stop()
        assert await asyncio.wait_for(task, 20) == 0
