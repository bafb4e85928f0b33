"""The store never runs on the event loop: a locked SQLite database stalls no request.

Review: a second job queued while another SQLite writer held a lock stalled the loop for
3.04 s. Here another process's connection holds the write lock for 1.5 s while the job runner
takes jobs and `/healthz` is asked; a ticker measures the loop's longest pause.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from mergegate.config import Settings
from mergegate.forge.base import ChangeRef, RepoRef
from mergegate.queue.runner import JobRunner
from mergegate.service.context import Service
from mergegate.service.enqueue import Enqueuer
from mergegate.store.service_store import Store
from mergegate.web.app import create_app
from mergegate.web.context import WebContext

LOCK_SECONDS = 1.5
MAX_PAUSE = 0.1


class Ticker:
    """The longest gap between 10 ms sleeps of the event loop."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - 0.01)
            last = now

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


def hold_write_lock(db: Path, seconds: float, held: threading.Event) -> threading.Thread:
    def run() -> None:
        conn = sqlite3.connect(db, timeout=30)
        conn.execute("BEGIN EXCLUSIVE")
        held.set()
        time.sleep(seconds)
        conn.rollback()
        conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[TestClient, Service, Path]]:
    db = tmp_path / "mergegate.db"
    store = Store.open(f"sqlite:///{db}")
    service = Service(store=store, settings=Settings(database_url=f"sqlite:///{db}"),
                      workdir=tmp_path)
    runner = JobRunner(service, workers=2, poll_interval=0.05)
    client = TestClient(TestServer(create_app(WebContext(service, runner), []),
                                   host="127.0.0.1"))
    await client.start_server()
    yield client, service, db
    await client.close()
    store.close()


async def test_healthz_and_jobs_while_another_writer_holds_the_lock(
    served: tuple[TestClient, Service, Path],
) -> None:
    client, service, db = served
    held = threading.Event()
    locker = hold_write_lock(db, LOCK_SECONDS, held)
    await asyncio.to_thread(held.wait, 5)
    change = ChangeRef(RepoRef("github", "o/r", "1"), 1, "a" * 40, "b" * 40, "main", "x")
    with Ticker() as ticker:
        started = time.perf_counter()
        # A webhook's enqueue and a health probe, both waiting for the lock, off the loop.
        enqueue = asyncio.create_task(service.db(Enqueuer(service).cancel, change))
        health = await client.get("/healthz")
        assert health.status == 200
        await enqueue
        waited = time.perf_counter() - started
    await asyncio.to_thread(locker.join, 10)
    assert waited >= LOCK_SECONDS * 0.5, "the lock was not contended: the test proves nothing"
    assert ticker.longest < MAX_PAUSE, f"the event loop stalled for {ticker.longest:.3f} s"
