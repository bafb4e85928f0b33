"""`mergegate serve` for the scale-out deployment.

With ``MERGEGATE_DATABASE_URL=postgresql://...`` the server only receives webhooks and
enqueues: no scan runs in it. Webhook handlers enqueue into the store as always; the
:class:`~mergegate.queue.dispatcher.Dispatcher` running inside the server hands each job to the
``mergegate worker`` processes through procrastinate. The scheduler's timer
(`mergegate.service.schedule.run_timer`) runs here too: a tick only enqueues jobs, which the
workers run. With SQLite nothing here is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from mergegate.config import Settings
from mergegate.queue.dispatcher import Dispatcher
from mergegate.queue.tasks import build_app, ensure_schema, is_postgres_url, queue_stats
from mergegate.service.context import Service
from mergegate.service.schedule import run_timer
from mergegate.web.context import WebContext

log = logging.getLogger(__name__)


def install_dispatcher(app: web.Application, service: Service) -> None:
    """Make the server hand its jobs to the workers instead of running them.

    Opens procrastinate on the service's PostgreSQL database with the application, installs
    its schema if needed, points ``service.on_enqueue`` at the dispatcher, reports the queue
    in ``service.metrics`` and stops with the application. Call it with the in-process job
    runner disabled.
    """
    url = service.settings.database_url
    if not is_postgres_url(url):
        raise ValueError("the scale-out dispatcher needs a postgresql:// database URL")

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        queue_app = build_app(url)
        async with queue_app.open_async():
            await ensure_schema(queue_app)
            dispatcher = Dispatcher(queue_app)
            task = asyncio.create_task(dispatcher.run(), name="mergegate-dispatcher")
            # the scheduler's timer: its ticks only enqueue (safe in several servers at once)
            timer = asyncio.create_task(
                run_timer(service, service.settings.scheduler_interval), name="mergegate-scheduler")
            service.on_enqueue = dispatcher.wake
            service.metrics.add_queue_probe(lambda: queue_stats(queue_app))
            await asyncio.sleep(0)  # let the dispatcher bind to the loop
            dispatcher.wake()  # jobs left queued by a previous server
            log.info("scale-out: jobs go to mergegate worker processes")
            try:
                yield
            finally:
                service.on_enqueue = None
                for running in (timer, task):
                    running.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await running

    app.cleanup_ctx.append(lifecycle)


def build_scaleout(settings: Settings) -> tuple[web.Application, WebContext]:
    """What `mergegate serve` runs on PostgreSQL: the web app without a job runner, with the
    dispatcher. Returns the application and its web context."""
    from mergegate.store.service_store import Store
    from mergegate.web.app import build_forges, check_forge_settings, create_app

    check_forge_settings(settings)
    store = Store.open(settings.database_url)
    service = Service(store=store, settings=settings)
    ctx = WebContext(service, None)

    def setup() -> None:
        service.forges.update(build_forges(settings, service.metrics))

    app = create_app(ctx, setup=setup, run_jobs=False)
    install_dispatcher(app, service)
    return app, ctx
