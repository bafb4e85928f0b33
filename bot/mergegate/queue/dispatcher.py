"""The bridge between the store's job queue and the procrastinate workers (PostgreSQL only).

Serve side, :class:`Dispatcher`: the webhook handlers enqueue into the store as always (with
coalescing per change) and call ``wake()``; one dispatch pass then hands every queued (or
orphaned running) store job that has no live procrastinate job to the workers. The pass is
idempotent (procrastinate's ``queueing_lock`` per store job), runs on every wake and every
``sweep_interval`` seconds, so a crash between the store insert and the hand-over delays a job
but never loses it.

Worker side, :func:`store_runner`: a procrastinate job carries only the store job id; the
worker claims that store job (``queued`` and due, or left ``running`` by a killed worker:
procrastinate's per-change lock guarantees no other worker holds it) and runs it with the
service's executor. A store job that is no longer queued or running (superseded, cancelled,
done) is skipped; one whose start a later push postponed (debouncing) goes back to the queue
for its new time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import procrastinate
from sqlalchemy import Engine, and_, or_, select, update

from mergegate.queue.tasks import QueueConfigError, dispatch
from mergegate.store.queue import Job, QueueStore
from mergegate.store.tables import jobs

log = logging.getLogger(__name__)

JobExecutor = Callable[[Job], Awaitable[None]]
"""Runs one claimed store job to its end (finishing it in the store); raises to be retried."""

_PENDING_SQL = """
SELECT j.id, j.key, j.run_after FROM jobs j
WHERE j.status IN ('queued', 'running')
  AND NOT EXISTS (
    SELECT 1 FROM procrastinate_jobs p
    WHERE p.queueing_lock = 'job:' || j.id::text AND p.status IN ('todo', 'doing'))
ORDER BY j.id
LIMIT %s
"""


class Dispatcher:
    """Hands queued store jobs to the workers. ``wake()`` is thread-safe and cheap."""

    def __init__(
        self,
        app: procrastinate.App,
        *,
        sweep_interval: float = 5.0,
        batch: int = 500,
    ) -> None:
        self.app = app
        self.sweep_interval = sweep_interval
        self.batch = batch
        self._event = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.dispatched = 0

    def wake(self) -> None:
        """Ask for a dispatch pass soon (from any thread, e.g. ``Service.on_enqueue``)."""
        loop = self._loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._event.set()
        else:
            loop.call_soon_threadsafe(self._event.set)

    async def dispatch_pending(self) -> int:
        """One pass: dispatch every queued or running store job without a live (waiting or
        running) procrastinate job. A running one has lost its worker's queue record (its
        retries ran out while the database was away, say): it runs again, resuming its work."""
        connector = self.app.connector
        if not isinstance(connector, procrastinate.PsycopgConnector):
            raise QueueConfigError("the dispatcher needs procrastinate's PsycopgConnector")
        count = 0
        while True:
            async with connector.pool.connection() as conn:
                rows: list[Any] = await (await conn.execute(_PENDING_SQL, (self.batch,))).fetchall()
            now = dt.datetime.now(dt.UTC)
            for job_id, key, run_after in rows:
                when = run_after if run_after is not None and _aware(run_after) > now else None
                if await dispatch(self.app, int(job_id), str(key), run_after=when) is not None:
                    count += 1
            if len(rows) < self.batch:
                break
        self.dispatched += count
        return count

    async def run(self) -> None:
        """Dispatch on every wake and every ``sweep_interval``; runs until cancelled."""
        self._loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), timeout=self.sweep_interval)
            self._event.clear()
            try:
                await self.dispatch_pending()
            except Exception as exc:  # the database is away: the next pass retries
                log.warning("job dispatch failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(min(self.sweep_interval, 1.0))


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Claim:
    """What claiming a store job gave: the job to run, or the time it is due (debounced), or
    neither (superseded, cancelled or finished meanwhile)."""

    job: Job | None = None
    due_at: dt.datetime | None = None


def claim_job(engine: Engine, job_id: int, now: dt.datetime | None = None) -> Claim:
    """Mark store job ``job_id`` running (attempts + 1) if it is queued and due, or running
    after a crash."""
    now = now or dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        taken = conn.execute(
            update(jobs)
            .where(
                jobs.c.id == job_id,
                or_(
                    jobs.c.status == "running",
                    and_(jobs.c.status == "queued", jobs.c.run_after <= now),
                ),
            )
            .values(status="running", attempts=jobs.c.attempts + 1, updated_at=now)
        )
        if taken.rowcount != 1:
            row = conn.execute(
                select(jobs.c.run_after).where(jobs.c.id == job_id, jobs.c.status == "queued")
            ).first()
            return Claim(due_at=_aware(row.run_after)) if row is not None else Claim()
    return Claim(job=QueueStore(engine).get(job_id))


Redispatch = Callable[[int, str, dt.datetime], Awaitable[object]]


def store_runner(
    engine: Engine, execute: JobExecutor, redispatch: Redispatch
) -> Callable[[int], Awaitable[None]]:
    """The worker's job runner: claim the store job, then execute it. A job not due yet (a
    later push postponed it) is handed back to the queue for its new time."""

    async def run(job_id: int) -> None:
        claim = await asyncio.to_thread(claim_job, engine, job_id)
        if claim.due_at is not None:
            key = await asyncio.to_thread(_key_of, engine, job_id)
            if key is not None:
                await redispatch(job_id, key, claim.due_at)
            return
        if claim.job is None:
            log.info("store job %s is no longer queued; nothing to do", job_id)
            return
        await execute(claim.job)

    return run


def _key_of(engine: Engine, job_id: int) -> str | None:
    with engine.connect() as conn:
        row = conn.execute(select(jobs.c.key).where(jobs.c.id == job_id)).first()
    return None if row is None else str(row.key)
