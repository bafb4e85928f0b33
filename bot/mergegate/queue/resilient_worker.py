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
"""

from __future__ import annotations

import asyncio
import logging
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
