"""The in-process job runner: bounded concurrency over the persistent queue in the store.

- ``workers`` tasks take due jobs (`QueueStore.claim`): one job per change at a time, jobs of
  different changes in parallel; an enqueue wakes them at once, a poll catches other writers.
- A failing job is retried with backoff up to ``max_attempts``; a job the forge failed
  (unreachable, time-outs, 5xx) is retried with growing waits for ``forge_retry_seconds`` (an
  hour by default), its report shown as queued and retrying whenever the forge answers. After
  the last attempt the report is closed as an error (`give_up`), created first if the forge
  never answered before: no check run keeps spinning, and none is missing.
- Start-up recovery: jobs a killed process left running go back to the queue with the report
  they started, and resume it: that check run is completed exactly once.
- The scheduler's timer (`mergegate.service.schedule.tick`) starts and stops with the runner:
  a tick at start, then every ``scheduler_interval`` seconds (MERGEGATE_SCHEDULER_INTERVAL).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import traceback

from mergegate.observability.logs import log_context
from mergegate.service.context import RetryLater, Service
from mergegate.service.jobs import forge_failed, give_up, run_job, show_retrying
from mergegate.service.schedule import run_timer
from mergegate.store.queue import Job, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_DELAYS = (2.0, 10.0, 30.0)
FORGE_RETRY_DELAYS = (2.0, 10.0, 30.0, 60.0, 120.0, 300.0)  # the last one repeats


def forge_retry_delay(attempts: int, delays: tuple[float, ...], budget: float) -> float | None:
    """The wait before the next attempt of a job the forge failed ``attempts`` times, or None
    once the waits so far add up to ``budget`` seconds."""
    waited = sum(delays[min(i, len(delays) - 1)] for i in range(attempts - 1))
    if waited >= budget:
        return None
    return delays[min(attempts - 1, len(delays) - 1)]
WAIT_DELAY = 0.5  # a job waiting for its change's scan looks again this often


class JobRunner:
    def __init__(
        self, service: Service, workers: int | None = None, poll_interval: float = 1.0,
        max_attempts: int = MAX_ATTEMPTS, retry_delays: tuple[float, ...] = RETRY_DELAYS,
        forge_retry_delays: tuple[float, ...] = FORGE_RETRY_DELAYS,
        scheduler_interval: float | None = None,
    ) -> None:
        self.service = service
        self.workers = max(1, workers or service.settings.workers)
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self.retry_delays = retry_delays
        self.forge_retry_delays = forge_retry_delays
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.scheduler_interval = scheduler_interval or service.settings.scheduler_interval
        self._scheduler: asyncio.Task[None] | None = None
        self.ticks = 0
        self._stopping = False
        self.completed = 0
        self.failed = 0
        service.on_enqueue = self.notify

    def notify(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        recovered = await self.service.db(self.service.store.queue.recover)
        for job in recovered:
            log.warning("resuming job %s (%s %s) left running by a stopped process",
                        job.id, job.kind, job.key)
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._loop(i), name=f"mergegate-worker-{i}")
            for i in range(self.workers)
        ]
        self._scheduler = asyncio.create_task(self._schedule(), name="mergegate-scheduler")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        tasks = [*self._tasks, *([self._scheduler] if self._scheduler else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self._scheduler = None

    async def _schedule(self) -> None:
        """The scheduler's timer: a tick now, then one every ``scheduler_interval`` s."""

        def counted() -> None:
            self.ticks += 1

        await run_timer(self.service, self.scheduler_interval, counted)

    async def _loop(self, index: int) -> None:
        queue, db = self.service.store.queue, self.service.db
        while not self._stopping:
            try:
                job = await db(queue.claim)
            except Exception as exc:  # the database is away or locked: look again later
                log.warning("could not take a job: %s", type(exc).__name__)
                await asyncio.sleep(self.poll_interval)
                continue
            if job is None:
                self._wake.clear()
                wait = self.poll_interval
                due = await db(queue.next_due)
                if due is not None:
                    wait = min(wait, max(0.005, (due - utcnow()).total_seconds()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
                continue
            self._wake.set()  # there may be more: let another idle worker look too
            await self.run(job)

    async def run(self, job: Job) -> None:
        with log_context(job_id=job.id, job_kind=job.kind, change=job.key):
            await self._run(job)

    async def _run(self, job: Job) -> None:
        queue, db = self.service.store.queue, self.service.db
        metrics = self.service.metrics
        started = time.perf_counter()
        try:
            await run_job(self.service, job)
        except asyncio.CancelledError:
            raise  # stopping: the job stays running and is recovered at the next start
        except RetryLater:
            await db(queue.retry_later, job.id, WAIT_DELAY, "waiting for the change's scan")
            return
        except Exception as exc:
            metrics.record_error("job", exc)
            metrics.observe_job(job.kind, time.perf_counter() - started, "failed")
            error = f"{type(exc).__name__}: {exc}"
            log.error("job %s (%s) failed on attempt %s: %s\n%s", job.id, job.kind,
                      job.attempts, error, traceback.format_exc())
            delay = self._retry_delay(job, exc)
            if delay is not None:
                # Shown first: once queued again, another worker may take the job at once.
                await self._show_retrying(job, exc, delay)
                await db(queue.retry_later, job.id, delay, error)
                return
            self.failed += 1
            fresh = await db(queue.get, job.id) or job
            try:
                await give_up(self.service, fresh, error)  # before the job stops counting
            except Exception:
                log.exception("job %s: could not close its report", job.id)
            await db(queue.finish, job.id, "failed", error)
            return
        await db(queue.finish, job.id, "done")
        metrics.observe_job(job.kind, time.perf_counter() - started)
        self.completed += 1

    def _retry_delay(self, job: Job, exc: Exception) -> float | None:
        """How long to wait before the next attempt; None to give up."""
        if forge_failed(self.service, job, exc):
            return forge_retry_delay(job.attempts, self.forge_retry_delays,
                                     self.service.settings.forge_retry_seconds)
        if job.attempts < self.max_attempts:
            return self.retry_delays[min(job.attempts - 1, len(self.retry_delays) - 1)]
        return None

    async def _show_retrying(self, job: Job, exc: Exception, delay: float) -> None:
        """Tell the change the job is queued again (best effort: the forge may be away)."""
        try:
            await show_retrying(self.service, job, exc, delay)
        except Exception as failure:
            log.info("job %s: could not show that it retries (%s)", job.id,
                     type(failure).__name__)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until no job is queued or running (tests and benchmarks)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while await self.service.db(self.service.store.queue.pending):
            if loop.time() > deadline:
                raise TimeoutError(f"jobs still pending after {timeout}s")
            await asyncio.sleep(0.02)
