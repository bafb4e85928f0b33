"""The scale-out queue: store jobs dispatched to any number of workers through procrastinate.

Selected when ``MERGEGATE_DATABASE_URL`` is PostgreSQL. The store's ``jobs`` table stays the
record of what to do (payload, coalescing, supersession, the check run a job started); this
module only moves a store job id to a worker, with procrastinate (PostgreSQL, LISTEN/NOTIFY):

- one procrastinate job per store job id (``queueing_lock="job:<id>"``, so dispatching twice
  is a no-op while it waits) and ``lock=<job key>`` (the change, e.g. one pull request), so two
  workers never run jobs of the same pull request at once and they run in enqueue order;
- retries with exponential backoff when the runner raises (``RetryStrategy``);
- crash safety: a worker killed with ``kill -9`` stops sending heartbeats; any live worker
  puts its running jobs back in the queue (:func:`requeue_stalled`) and one of them runs it
  again. Effects must be idempotent (the runner reuses the check run the store recorded).

The scheduler's tick (`mergegate.service.schedule.tick`) can be a periodic task
(``build_app(scheduler=True)`` with a worker's ``additional_context["tick"]``): every worker
then runs procrastinate's periodic deferrer and the database defers each tick once. `mergegate
worker` does not register it (a tick during a database restart hung workers now and then);
`mergegate serve` runs the scheduler's timer instead (`mergegate.queue.scaleout`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import procrastinate
from procrastinate import exceptions as pexc
from procrastinate import jobs
from procrastinate.retry import RetryStrategy

from mergegate.config import Settings
from mergegate.observability.metrics import Metrics, QueueStats

log = logging.getLogger(__name__)

TASK_NAME = "mergegate.run_job"
TICK_TASK_NAME = "mergegate.scheduler_tick"
QUEUE = "mergegate"
_SCHEMA_LOCK_ID = 7_415_900_001  # pg_advisory_lock key guarding the first schema install

RunStoreJob = Callable[[int], Awaitable[None]]
"""Runs one store job by id; raising makes procrastinate retry it later."""

Tick = Callable[[], Awaitable[object]]
"""One tick of the scheduler (`mergegate.service.schedule.tick` bound to the service)."""


class QueueConfigError(ValueError):
    """The database URL cannot carry the scale-out queue; the message says why."""


def is_postgres_url(url: str) -> bool:
    scheme = url.split("://", 1)[0].lower()
    return scheme.split("+", 1)[0] in ("postgresql", "postgres")


def conninfo(url: str) -> str:
    """A libpq URL for psycopg from a MergeGate / SQLAlchemy one (``+psycopg`` dropped)."""
    if not is_postgres_url(url):
        scheme = url.split("://", 1)[0] if "://" in url else "(no scheme)"
        raise QueueConfigError(
            f"MERGEGATE_DATABASE_URL must be postgresql:// for scale-out workers, got {scheme}"
        )
    _, rest = url.split("://", 1)
    return "postgresql://" + rest


@dataclass(frozen=True, slots=True)
class QueueOptions:
    """Retry policy: ``max_attempts`` runs in all, waits of ``backoff ** attempt`` seconds."""

    max_attempts: int = 5
    backoff: int = 2
    pool_max_size: int = 10
    scheduler_interval: float = Settings.scheduler_interval


def cron_every(seconds: float) -> str:
    """A cron schedule for "every ``seconds``": whole seconds under a minute (procrastinate's
    sixth, seconds column), else whole minutes under an hour, else whole hours."""
    whole = max(1, round(seconds))
    if whole < 60:
        return f"* * * * * */{whole}"
    if whole < 3600:
        return f"*/{max(1, round(whole / 60))} * * * *"
    return f"0 */{min(24, max(1, round(whole / 3600)))} * * *"


def build_app(url: str, options: QueueOptions | None = None, *,
              scheduler: bool = False) -> procrastinate.App:
    """A procrastinate app on ``url`` with the MergeGate task registered (not yet opened);
    with ``scheduler``, the scheduler's periodic tick too (workers that run the scheduler).

    The task reads the runner from the worker's ``additional_context["runner"]``.
    """
    options = options or QueueOptions()
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(url),
        min_size=1,
        max_size=options.pool_max_size,
        kwargs={"application_name": "mergegate"},
    )
    app = procrastinate.App(connector=connector)

    @app.task(
        name=TASK_NAME,
        queue=QUEUE,
        pass_context=True,
        retry=RetryStrategy(
            # procrastinate counts retries: max_attempts runs in all
            max_attempts=max(options.max_attempts - 1, 0),
            exponential_wait=options.backoff,
        ),
    )
    async def run_job(context: procrastinate.JobContext, job_id: int, enqueued_at: float) -> None:
        extra = context.additional_context
        metrics: Metrics | None = extra.get("metrics")
        if metrics is not None and context.job.attempts == 0:
            metrics.observe_pickup(time.time() - enqueued_at)
        runner: RunStoreJob = extra["runner"]
        await runner(job_id)

    if not scheduler:
        return app

    @app.periodic(cron=cron_every(options.scheduler_interval), periodic_id="scheduler")
    @app.task(name=TICK_TASK_NAME, queue=QUEUE, pass_context=True,
              queueing_lock=TICK_TASK_NAME)  # ticks missed while workers were away: one
    async def scheduler_tick(context: procrastinate.JobContext, timestamp: int) -> None:
        tick: Tick | None = context.additional_context.get("tick")
        if tick is None:
            log.warning("scheduler tick %s: this worker has no scheduler", timestamp)
            return
        await tick()

    return app


async def ensure_schema(app: procrastinate.App) -> bool:
    """Install procrastinate's tables once (an advisory lock serialises concurrent starts).

    Returns True when this call installed them.
    """
    connector = app.connector
    assert isinstance(connector, procrastinate.PsycopgConnector)
    async with connector.pool.connection() as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK_ID,))
        try:
            row = await (
                await conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
            ).fetchone()
            if row is not None and row[0]:
                return False
            await conn.execute(app.schema_manager.get_schema())
            await conn.commit()
            log.info("installed the procrastinate schema")
            return True
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK_ID,))
            await conn.commit()


async def dispatch(
    app: procrastinate.App, job_id: int, key: str, *, run_after: dt.datetime | None = None
) -> int | None:
    """Hand store job ``job_id`` (of change ``key``) to the workers.

    Returns the procrastinate job id, or None when that store job already waits in the queue.
    """
    deferrer = app.configure_task(TASK_NAME, lock=key, queueing_lock=f"job:{job_id}", schedule_at=run_after)
    try:
        return await deferrer.defer_async(job_id=job_id, enqueued_at=time.time())
    except pexc.AlreadyEnqueued:
        return None


async def requeue_stalled(app: procrastinate.App, stalled_after: float) -> list[int]:
    """Put back in the queue the running jobs of workers silent for ``stalled_after`` seconds
    (killed, frozen or cut off), and forget those workers. Returns the requeued job ids."""
    manager = app.job_manager
    requeued: list[int] = []
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        try:
            await manager.retry_job(job)
        except pexc.UniqueViolation as exc:  # the same store job already waits in the queue
            if job.id is not None and exc.queueing_lock is not None:
                await _drop_superseded(app, job.id, exc.queueing_lock)
            else:
                log.warning("could not requeue stalled job %s: %s", job.id, exc.constraint_name)
            continue
        except pexc.ConnectorException:
            log.warning("could not requeue stalled job %s", job.id)
            continue
        if job.id is not None:
            requeued.append(job.id)
    if requeued:
        log.warning("requeued %d job(s) of stalled workers: %s", len(requeued), requeued)
    await manager.prune_stalled_workers(stalled_after)
    return requeued


async def _drop_superseded(app: procrastinate.App, job_id: int, queueing_lock: str | None) -> None:
    """A stalled job cannot go back to the queue when a job for the same store job already
    waits there (``queueing_lock``: a debounced job handed back, say). That one will do the
    work; the stalled one is closed as aborted, which frees its change's ``lock`` (left
    ``doing``, it would keep the waiting job from ever starting)."""
    try:
        await app.job_manager.finish_job_by_id_async(
            job_id=job_id, status=jobs.Status.ABORTED, delete_job=False
        )
    except pexc.ConnectorException:  # it ended meanwhile, or the database went away
        log.warning("could not close stalled job %s", job_id)
        return
    log.warning(
        "stalled job %s closed: job %s already waits in the queue for the same work",
        job_id, queueing_lock,
    )  # fmt: skip


_STATS_SQL = """
SELECT count(*) AS depth,
       COALESCE(EXTRACT(EPOCH FROM now() - min(GREATEST(d.at, COALESCE(j.scheduled_at, d.at)))), 0)
FROM procrastinate_jobs j
LEFT JOIN LATERAL (
    SELECT max(e.at) AS at FROM procrastinate_events e
    WHERE e.job_id = j.id AND e.type IN ('deferred', 'deferred_for_retry')
) d ON true
WHERE j.status = 'todo' AND j.queue_name = %s
  AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
"""


async def queue_stats(app: procrastinate.App) -> list[QueueStats]:
    """Due jobs waiting and the age of the oldest, for ``Metrics.add_queue_probe``."""
    connector = app.connector
    assert isinstance(connector, procrastinate.PsycopgConnector)
    async with connector.pool.connection() as conn:
        row: Any = await (await conn.execute(_STATS_SQL, (QUEUE,))).fetchone()
    depth, age = (0, 0.0) if row is None else (int(row[0]), float(row[1]))
    return [QueueStats(depth=depth, oldest_age_seconds=age, queue=QUEUE)]
