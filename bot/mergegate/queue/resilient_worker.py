"""procrastinate's ``Worker`` with the end of a job recorded even across a database restart.

procrastinate records a job's end (``finish_job`` / ``retry_job``) once: when the database is
unreachable just then, the job task dies with "Task exception was never retrieved" and the job
stays ``doing`` in the queue. If the worker itself survives the outage (its pool reconnects and
its heartbeat goes on), the stalled-job sweep never frees that job, and the job's ``lock`` (its
pull request) blocks every later job of that pull request for good.

:class:`ResilientWorker` retries that save after connection errors, with backoff, for as long
as the job is still this worker's (``doing`` with its worker id). When it is not any more (the
save did commit before the connection dropped, or the worker was pruned as stalled and the
sweep requeued the job), there is nothing left to record; when the worker is stopping, the save
is given up and the job left to the stalled-job sweep, which requeues it once this worker is
unregistered or silent. Runs stay idempotent: a job run again finds its store job finished.

Its side tasks ride a database outage out too. procrastinate stops the whole worker when one
of them raises, and waits up to the drain timeout for running jobs: the heartbeat, the
LISTEN/NOTIFY listener and the periodic deferrer (the scheduler's tick) all raise the moment
the database restarts, so a restart would drain every worker at once. Here each of them logs
the lost connection and starts again with backoff (the job-fetching loop still raises, and
`mergegate.queue.worker_process` rebuilds the worker); any other error stops the worker as
before. Without a periodic task the deferrer returns at once, and procrastinate then watched
no side task at all; with the scheduler's tick registered it watches them, hence this.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import procrastinate
import psycopg
from procrastinate import exceptions as pexc
from procrastinate.worker import Worker

log = logging.getLogger(__name__)

_OWNED_SQL = "SELECT status::text, worker_id FROM procrastinate_jobs WHERE id = %s"


def is_disconnect(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached (as opposed to a refused query)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (psycopg.OperationalError, OSError)):
            return True  # psycopg_pool.PoolTimeout is an OperationalError too
        seen = seen.__cause__
    return False


class ResilientWorker(Worker):
    """A procrastinate worker that retries recording a job's end after a lost connection."""

    def __init__(self, app: procrastinate.App, *, save_max_wait: float = 5.0, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.save_max_wait = save_max_wait

    def _start_side_tasks(self) -> list[asyncio.Task[Any]]:
        """procrastinate's side tasks, each restarted after a lost database connection."""
        side_tasks = [
            asyncio.create_task(self._riding_outages("update_heartbeats", self._update_heartbeat),
                                name="update_heartbeats"),
            asyncio.create_task(self._riding_outages("deferrer", self._periodic_deferrer),
                                name="deferrer"),
            asyncio.create_task(self._poll_jobs_to_abort(),  # type: ignore[no-untyped-call]
                                name="poll_jobs_to_abort"),  # it catches its own errors
        ]  # fmt: skip
        if self.listen_notify:
            async def listen() -> None:
                await self.app.job_manager.listen_for_jobs(
                    on_notification=self._handle_notification, queues=self.queues)

            side_tasks.append(asyncio.create_task(self._riding_outages("listener", listen),
                                                  name="listener"))
        return side_tasks

    async def _riding_outages(self, name: str, side_task: Callable[[], Awaitable[object]]) -> None:
        """Run ``side_task``; after a lost connection, run it again with backoff. Returns when
        it returns, raises what is not a lost connection."""
        wait = 0.5
        while True:
            started = time.monotonic()
            try:
                await side_task()
                return
            except (pexc.ConnectorException, psycopg.Error, OSError) as exc:
                if not is_disconnect(exc):
                    raise
                if time.monotonic() - started > 60:  # a new outage, not the same one
                    wait = 0.5
                log.warning("worker side task %s lost the database (%s); restarting it in "
                            "%.1f s", name, type(exc).__name__, wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, self.save_max_wait)

    async def _persist_job_status(self, job: Any, status: Any, *args: Any, **kwargs: Any) -> None:
        wait = 0.2
        while True:
            try:
                await super()._persist_job_status(job, status, *args, **kwargs)
                return
            except (pexc.ConnectorException, psycopg.Error, OSError) as exc:
                if not is_disconnect(exc) or self._stop_event.is_set():
                    raise  # left to the stalled-job sweep
                log.warning(
                    "could not record the end of queue job %s (database unavailable); "
                    "retrying in %.1f s", job.id, wait,
                )  # fmt: skip
            await asyncio.sleep(wait)
            wait = min(wait * 2, self.save_max_wait)
            try:
                owned = await self._still_owned(int(job.id))
            except (pexc.ConnectorException, psycopg.Error, OSError) as exc:
                if not is_disconnect(exc) or self._stop_event.is_set():
                    raise  # stopping: left to the stalled-job sweep
                continue  # still unreachable: try again after the next wait
            if not owned:
                log.info("queue job %s: its end was recorded or it was requeued", job.id)
                return

    async def _still_owned(self, job_id: int) -> bool:
        """Whether job ``job_id`` is still running under this worker's id."""
        connector = self.app.connector
        assert isinstance(connector, procrastinate.PsycopgConnector)
        async with connector.pool.connection() as conn:
            row = await (await conn.execute(_OWNED_SQL, (job_id,))).fetchone()
        if row is None:
            return False
        status, worker_id = row
        return bool(status == "doing" and worker_id is not None and worker_id == self.worker_id)
