"""One scale-out worker process: takes jobs from PostgreSQL until told to stop.

- Runs a procrastinate ``Worker`` (LISTEN/NOTIFY pick-up, ``concurrency`` jobs at once).
- Supervises it: when the database goes away (restart, failover, cut network), the worker is
  rebuilt with backoff until the database answers again; jobs it was running are requeued by
  the stalled-job sweep (:func:`mergegate.queue.tasks.requeue_stalled`), which every worker
  runs every ``reap_interval`` seconds. A worker that rides the outage out retries recording
  the end of the jobs it finished meanwhile (:class:`mergegate.queue.resilient_worker.ResilientWorker`).
- SIGTERM or SIGINT drains: no new job is taken, running jobs get ``drain_timeout`` seconds to
  finish, then are aborted and requeued for another worker; the process exits 0. A second
  signal skips the wait.
- Serves ``GET /healthz`` (200 when connected to the database, else 503) and ``GET /metrics``
  on ``health_port`` (None: no HTTP server).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from dataclasses import dataclass, field
from typing import Any

import procrastinate
import psycopg
import psycopg_pool
from aiohttp import web
from procrastinate import exceptions as pexc

from mergegate.observability.metrics import Metrics, QueueStats, metrics_handler
from mergegate.queue.resilient_worker import ResilientWorker
from mergegate.queue.tasks import (
    QUEUE,
    QueueOptions,
    RunStoreJob,
    Tick,
    build_app,
    ensure_schema,
    queue_stats,
    requeue_stalled,
)

log = logging.getLogger(__name__)

_DB_ERRORS = (pexc.ConnectorException, psycopg.Error, psycopg_pool.PoolTimeout, OSError)


def _default_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """How one worker process behaves. Times are in seconds."""

    concurrency: int = 2
    drain_timeout: float = 240.0
    heartbeat_interval: float = 5.0
    stalled_after: float = 30.0
    reap_interval: float = 10.0
    poll_interval: float = 1.0  # LISTEN/NOTIFY wakes workers at once; polling is the fallback
    reconnect_max_wait: float = 10.0
    health_host: str = "0.0.0.0"  # noqa: S104 - a container's health and metrics port
    health_port: int | None = 8080
    name: str = field(default_factory=_default_name)
    delete_succeeded: bool = True  # keep procrastinate's table small; failures are kept
    queue: QueueOptions = field(default_factory=QueueOptions)


class WorkerProcess:
    """The supervised worker loop of one process; :meth:`run` returns the exit code."""

    def __init__(
        self, url: str, runner: RunStoreJob, config: WorkerConfig, metrics: Metrics | None = None,
        tick: Tick | None = None,
    ) -> None:
        self.url = url
        self.runner = runner
        self.tick = tick  # the scheduler's tick, run by the periodic task
        self.config = config
        self.metrics = metrics if metrics is not None else Metrics()
        self._stop = asyncio.Event()
        self._signals = 0
        self._worker: Any = None  # procrastinate's Worker (its methods are untyped)
        self._app: procrastinate.App | None = None
        self.connected = False
        self.http_port: int | None = None
        self.metrics.add_queue_probe(self._probe)

    def request_stop(self) -> None:
        """Drain: take no new job, let running ones finish. A second call aborts them now
        (they are requeued for another worker)."""
        self._signals += 1
        self._stop.set()
        worker = self._worker
        if worker is None:
            return
        if self._signals == 1:
            log.info("draining: no new jobs; waiting for running jobs to finish")
            worker.stop()
        else:
            log.warning("second stop request: aborting running jobs, they will be requeued")
            worker.stop()
            task = asyncio.ensure_future(worker._abort_running_jobs())
            task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)

    async def _probe(self) -> list[QueueStats]:
        app = self._app
        if app is None or not self.connected:
            return []
        return await queue_stats(app)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
                installed.append(sig)
        site = await self._start_http()
        try:
            await self._supervise()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
            if site is not None:
                await site.cleanup()
        log.info("worker %s stopped", self.config.name)
        return 0

    async def _supervise(self) -> None:
        wait = 0.5
        while not self._stop.is_set():
            try:
                await self._run_once()
                wait = 0.5
            except _DB_ERRORS as exc:
                self.metrics.record_error("worker", exc)
                log.warning("database unavailable (%s); reconnecting in %.1f s", exc, wait)
            finally:
                self.connected = False
                self._worker = None
                self._app = None
            if self._stop.is_set():
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=wait)
            wait = min(wait * 2, self.config.reconnect_max_wait)

    async def _run_once(self) -> None:
        cfg = self.config
        app = build_app(self.url, cfg.queue, scheduler=self.tick is not None)
        async with app.open_async():
            await ensure_schema(app)
            await requeue_stalled(app, cfg.stalled_after)
            worker: Any = ResilientWorker(
                app,
                queues=[QUEUE],
                name=cfg.name,
                concurrency=cfg.concurrency,
                wait=True,
                install_signal_handlers=False,
                shutdown_graceful_timeout=cfg.drain_timeout,
                update_heartbeat_interval=cfg.heartbeat_interval,
                stalled_worker_timeout=cfg.stalled_after,
                fetch_job_polling_interval=cfg.poll_interval,
                abort_job_polling_interval=cfg.poll_interval,
                additional_context={"runner": self.runner, "metrics": self.metrics,
                                    "tick": self.tick},
                delete_jobs="successful" if cfg.delete_succeeded else "never",
            )
            self._app, self._worker, self.connected = app, worker, True
            if self._stop.is_set():
                return
            reaper = asyncio.create_task(self._reap(app), name="requeue stalled jobs")
            try:
                await worker.run()
            finally:
                reaper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reaper
            if not self._stop.is_set():
                log.warning("worker stopped on its own (lost database connection?); restarting")

    async def _reap(self, app: procrastinate.App) -> None:
        while True:
            await asyncio.sleep(self.config.reap_interval)
            try:
                await requeue_stalled(app, self.config.stalled_after)
            except _DB_ERRORS as exc:
                log.warning("stalled-job sweep failed: %s", type(exc).__name__)

    async def _healthz(self, request: web.Request) -> web.Response:
        app = self._app
        ok = False
        if app is not None and self.connected:
            try:
                ok = await asyncio.wait_for(app.check_connection_async(), timeout=3)
            except (TimeoutError, *_DB_ERRORS):
                ok = False
        status = "ok" if ok else ("stopping" if self._stop.is_set() else "database unavailable")
        return web.json_response({"status": status}, status=200 if ok else 503)

    async def _start_http(self) -> web.AppRunner | None:
        if self.config.health_port is None:
            return None
        http = web.Application()
        http.router.add_get("/healthz", self._healthz)
        http.router.add_get("/metrics", metrics_handler(self.metrics))
        runner = web.AppRunner(http, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, self.config.health_host, self.config.health_port).start()
        self.http_port = runner.addresses[0][1] if runner.addresses else self.config.health_port
        log.info("worker %s: /healthz and /metrics on port %s", self.config.name, self.http_port)
        return runner
