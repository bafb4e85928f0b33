"""`mergegate worker`: a scan worker of the scale-out deployment (PostgreSQL).

Any number of these, on any machines, take the jobs `mergegate serve` enqueues. Each runs
``--concurrency`` jobs at once, serves ``/healthz`` and ``/metrics`` on ``--port``, drains on
SIGTERM (running jobs get ``--drain-timeout`` seconds, then go back to the queue) and survives
database restarts. See `mergegate.queue.worker_process` and `mergegate.queue.dispatcher`.

Before it connects, the configuration is checked (one line naming the setting, exit 2) and
``--host``/``--port`` is tried (in use: one line, exit 2); once ``/healthz`` accepts
connections it prints the address.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from mergegate.commands.serve import bind, bind_error, urls
from mergegate.config import ConfigError, Settings, check_github_app

if TYPE_CHECKING:
    from aiohttp import web

    from mergegate.queue.worker_process import WorkerProcess

log = logging.getLogger(__name__)



def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = subparsers.add_parser(
        "worker",
        help="run a scan worker (scale-out deployment on PostgreSQL)",
        description="Take scan jobs from the PostgreSQL database named by "
        "MERGEGATE_DATABASE_URL, which `mergegate serve` fills. SIGTERM drains.",
    )
    worker.add_argument(
        "--concurrency", type=int, default=None, help="jobs at once (default MERGEGATE_WORKERS)"
    )
    any_address = "0.0.0.0"  # noqa: S104 - a container's health and metrics port
    worker.add_argument(
        "--host", default=any_address, help="address of /healthz and /metrics (default 0.0.0.0)"
    )
    worker.add_argument(
        "--port", type=int, default=8080, help="port of /healthz and /metrics (0: any free port)"
    )
    worker.add_argument("--no-http", action="store_true", help="serve no /healthz or /metrics")
    worker.add_argument(
        "--drain-timeout", type=float, default=240.0,
        help="seconds running jobs get to finish on SIGTERM before they are requeued (240)",
    )  # fmt: skip
    worker.add_argument(
        "--stalled-after", type=float, default=30.0,
        help="seconds without a heartbeat before a worker's jobs are requeued (30)",
    )  # fmt: skip
    worker.set_defaults(func=run)


def _config_error(args: argparse.Namespace, settings: Settings) -> str | None:
    from mergegate.queue.tasks import is_postgres_url

    if not is_postgres_url(settings.database_url):
        scheme = settings.database_url.split(":", 1)[0]
        return (
            f"the worker needs MERGEGATE_DATABASE_URL=postgresql://... (got {scheme}); "
            "with SQLite, `mergegate serve` runs the scans itself"
        )
    if args.concurrency is not None and args.concurrency < 1:
        return f"--concurrency must be at least 1, got {args.concurrency}"
    if not 0 <= args.port <= 65535:
        return f"--port must be between 0 and 65535, got {args.port}"
    if args.drain_timeout < 0:
        return f"--drain-timeout must not be negative, got {args.drain_timeout}"
    if args.stalled_after < 2:
        return f"--stalled-after must be at least 2 seconds, got {args.stalled_after}"
    return None


def run(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"mergegate: {exc}", file=sys.stderr)
        return 2
    problem = _config_error(args, settings)
    if problem is None:
        from mergegate.web.app import check_forge_settings

        try:
            check_forge_settings(settings)
            check_github_app(settings)
        except ConfigError as exc:
            problem = str(exc)
    if problem is None and not args.no_http and args.port != 0:
        try:  # the port is taken only once the database answers: find out now if it is free
            for sock in bind(args.host, args.port):
                sock.close()
        except OSError as exc:
            problem = bind_error(args.host, args.port, exc)
    if problem is not None:
        print(f"mergegate: {problem}", file=sys.stderr)
        return 2
    import psycopg

    from mergegate.observability.logs import configure_logging, redact
    from mergegate.queue.tasks import QueueConfigError, QueueOptions
    from mergegate.queue.worker_process import WorkerConfig
    from mergegate.store.db import StoreError

    configure_logging(settings)
    config = WorkerConfig(
        concurrency=args.concurrency or settings.workers,
        drain_timeout=args.drain_timeout,
        heartbeat_interval=max(1.0, args.stalled_after / 6),
        stalled_after=args.stalled_after,
        reap_interval=max(1.0, args.stalled_after / 3),
        health_host=args.host,
        health_port=None if args.no_http else args.port,
        queue=QueueOptions(scheduler_interval=settings.scheduler_interval),
    )
    try:
        return asyncio.run(serve_worker(settings, config))
    except (StoreError, QueueConfigError) as exc:
        print(f"mergegate: {exc}", file=sys.stderr)
        return 2
    except (OSError, psycopg.Error) as exc:  # the database or the port is unreachable at start
        if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:  # taken since the check
            print(f"mergegate: {bind_error(args.host, args.port, exc)}", file=sys.stderr)
            return 2
        reason = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
        print(f"mergegate: worker cannot start: {reason}", file=sys.stderr)
        return 1


def open_store_serialized(url: str) -> Any:
    """The store, migrated: `migrate()` takes the PostgreSQL advisory lock
    ``MIGRATION_LOCK_ID`` in its transaction, so workers and `serve` starting together do
    not run the same migration twice (a session lock here would deadlock with it)."""
    import psycopg

    from mergegate.queue.tasks import conninfo
    from mergegate.store.service_store import Store

    with psycopg.connect(conninfo(url), autocommit=True, connect_timeout=10):
        pass  # unreachable: psycopg's error says so ("worker cannot start", exit 1)
    return Store.open(url)


def observed_executor(
    execute: Callable[[Any], Awaitable[None]], store: Any, on_requeued: Callable[[], None]
) -> Callable[[Any], Awaitable[None]]:
    """``execute`` with the change's repository, PR and head bound to every log line; a job
    the service put back in the queue (retry later) is dispatched again at once."""
    from mergegate.observability.logs import log_context

    async def run(job: Any) -> None:
        change = job.payload.get("change") or (job.payload.get("comment") or {}).get("change")
        fields: dict[str, Any] = {"job_id": job.id}
        if isinstance(change, dict):
            fields.update(
                repository=(change.get("repo") or {}).get("full_name"),
                pr=change.get("number"),
                sha=change.get("head_sha"),
            )
        with log_context(**fields):
            log.info("%s job started (attempt %d)", job.kind, job.attempts)
            started = time.perf_counter()
            await execute(job)
            fresh = await asyncio.to_thread(store.queue.get, job.id)
            status = fresh.status if fresh is not None else "gone"
            log.info("%s job %s in %.2f s", job.kind, status, time.perf_counter() - started)
        if status == "queued":
            on_requeued()

    return run


def _announced_worker_class() -> type[WorkerProcess]:
    from mergegate.queue.worker_process import WorkerProcess

    class AnnouncedWorker(WorkerProcess):
        """Prints the address of /healthz and /metrics once they accept connections."""

        async def _start_http(self) -> web.AppRunner | None:
            runner = await super()._start_http()
            if runner is not None:
                where = urls(runner.addresses)
                print(f"mergegate: worker {self.config.name}: /healthz and /metrics on {where}", flush=True)
            return runner

    return AnnouncedWorker


async def serve_worker(settings: Settings, config: Any) -> int:
    """Open the store and the forges, then run the worker process until it is stopped."""
    from mergegate.observability.metrics import Metrics
    from mergegate.observability.scanner_metrics import MeteredGateRunner
    from mergegate.queue.dispatcher import Dispatcher, store_runner
    from mergegate.queue.runner import JobRunner
    from mergegate.queue.tasks import build_app, dispatch, ensure_schema
    from mergegate.scan.pool import ThreadRunner
    from mergegate.service.context import Service
    from mergegate.web.app import build_forges

    url = settings.database_url
    store = await asyncio.to_thread(open_store_serialized, url)
    metrics = Metrics()
    # Scans run in threads of this process: a worker killed with SIGKILL leaves no scanner
    # process behind; scale with more worker processes rather than a pool inside each.
    gate = MeteredGateRunner(ThreadRunner(), metrics)
    service = Service(store=store, settings=settings, metrics=metrics, gate_runner=gate)
    service.forges.update(build_forges(settings, metrics))
    jobs = JobRunner(service)  # the service's retry and give-up policy for one job
    queue_app = build_app(url)
    try:
        async with queue_app.open_async():
            await ensure_schema(queue_app)
            dispatcher = Dispatcher(queue_app)  # jobs this worker enqueues (re-scans)
            dispatching = asyncio.create_task(dispatcher.run(), name="mergegate-dispatcher")
            service.on_enqueue = dispatcher.wake
            execute = observed_executor(jobs.run, store, dispatcher.wake)

            async def redispatch(job_id: int, key: str, when: Any) -> None:
                await dispatch(queue_app, job_id, key, run_after=when)

            runner = store_runner(store.engine, execute, redispatch)
            # The scheduler ticks in `mergegate serve` (mergegate.queue.scaleout), not here: with
            # procrastinate's periodic task in the workers, the 1,000-delivery burst with a
            # database restart hung now and then when a tick fell in the restart.
            process = _announced_worker_class()(url, runner, config, metrics)
            try:
                return await process.run()
            finally:
                dispatching.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await dispatching
    finally:
        gate.shutdown()
        for forge in service.forges.values():
            with contextlib.suppress(Exception):
                await forge.aclose()
        store.close()
