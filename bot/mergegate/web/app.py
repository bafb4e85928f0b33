"""The aiohttp application: a webhook endpoint per forge, ``GET /healthz``, ``GET /metrics``,
and the dashboard (mergegate.dashboard)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web
from mergegate.config import Settings
from mergegate.dashboard.pages import install as install_dashboard
from mergegate.dashboard.setup import check_settings as check_dashboard_settings
from mergegate.forge.base import Forge
from mergegate.forge.github import setup as github_setup
from mergegate.forge.github.webhook import GitHubWebhook
from mergegate.forge.gitlab import setup as gitlab_setup
from mergegate.forge.gitlab.webhook import GitLabWebhook
from mergegate.observability.metrics import Metrics, metrics_handler
from mergegate.observability.scanner_metrics import MeteredGateRunner
from mergegate.queue.runner import JobRunner
from mergegate.scan.pool import runner_for
from mergegate.service.context import Service
from mergegate.store.service_store import Store
from mergegate.web.body import BodyReader
from mergegate.web.context import WebContext
from mergegate.web.webhooks import WebhookSource, webhook_handler

log = logging.getLogger(__name__)

WEBHOOK_SOURCES: tuple[WebhookSource, ...] = (GitHubWebhook(), GitLabWebhook())
CTX_KEY = web.AppKey("mergegate", WebContext)


def check_forge_settings(settings: Settings) -> None:
    """ConfigError for a half-configured forge or dashboard sign-in (checked before the
    service starts)."""
    github_setup.check_settings(settings)
    gitlab_setup.check_settings(settings)
    check_dashboard_settings(settings)


def build_forges(settings: Settings, metrics: Metrics | None = None) -> dict[str, Forge]:
    """Every configured forge; with ``metrics``, their API calls and rate limits are recorded."""
    forges: dict[str, Forge] = {}
    github = github_setup.create_forge(settings)
    if github is not None:
        if metrics is not None:
            github.use_metrics(metrics)
        forges["github"] = github
    gitlab = gitlab_setup.create_forge(settings)
    if gitlab is not None:
        forges["gitlab"] = gitlab
    return forges


async def healthz(request: web.Request) -> web.Response:
    ctx = request.app[CTX_KEY]
    try:
        pending = await ctx.service.db(ctx.service.store.queue.pending)
    except Exception as exc:
        return web.json_response({"status": "error", "database": repr(exc)}, status=503)
    return web.json_response(
        {"status": "ok", "jobs_pending": pending, "forges": sorted(ctx.service.forges)}
    )


def create_app(
    ctx: WebContext, sources: Sequence[WebhookSource] = WEBHOOK_SOURCES, *,
    run_jobs: bool = True, setup: Callable[[], None] | None = None,
    body_reader: BodyReader | None = None,
) -> web.Application:
    """The application; with ``run_jobs`` the job runner starts and stops with it.

    Every webhook endpoint shares one `BodyReader`, so the limit on concurrent body reads
    holds across forges.
    """
    reader = body_reader or BodyReader()
    app = web.Application()
    app[CTX_KEY] = ctx
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_handler(ctx.service.metrics))
    for source in sources:
        app.router.add_post(source.path, webhook_handler(ctx, source, reader))
    install_dashboard(app, ctx.service)  # its pages, or the same paths saying it is off

    async def lifecycle(app: web.Application) -> Any:
        if setup is not None:
            setup()  # inside the loop: forges open their HTTP sessions here
        if run_jobs and ctx.runner is not None:
            await ctx.runner.start()
        yield
        if ctx.runner is not None:
            await ctx.runner.stop()
        ctx.service.gate_runner.shutdown()
        for forge in ctx.service.forges.values():
            await forge.aclose()

    app.cleanup_ctx.append(lifecycle)
    return app


def build(settings: Settings) -> tuple[web.Application, WebContext]:
    """Everything `mergegate serve` runs: store (migrated), forges, runner, application.

    Scanner processes stop after ``settings.scanner_idle_timeout`` seconds without a scan.
    """
    check_forge_settings(settings)
    store = Store.open(settings.database_url)
    metrics = Metrics()  # one per process: deliveries, scans, dismissals, API calls
    gate = runner_for(settings, processes=True, idle_timeout=settings.scanner_idle_timeout)
    service = Service(store=store, settings=settings, metrics=metrics,
                      gate_runner=MeteredGateRunner(gate, metrics))
    ctx = WebContext(service, JobRunner(service))

    def setup() -> None:
        service.forges.update(build_forges(settings, metrics))

    return create_app(ctx, setup=setup), ctx
