"""The aiohttp application: ``POST /webhooks/github``, ``GET /healthz``, and the routes of
every other forge module that provides one.

A forge adds its webhook by exposing ``register(app: web.Application, ctx: WebContext)`` in a
module named in `ROUTE_MODULES` (GitLab: ``mergegate.forge.gitlab_web``); a missing module is
skipped. Forges are built the same way from `FORGE_FACTORIES` when their settings are present.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from mergegate.config import Settings
from mergegate.forge.base import Forge
from mergegate.jobs import JobRunner
from mergegate.metrics import Metrics, metrics_handler
from mergegate.scanner_metrics import MeteredGateRunner
from mergegate.service.context import Service
from mergegate.service.scan_pool import runner_for
from mergegate.store.service_store import Store
from mergegate.web_context import WebContext

log = logging.getLogger(__name__)

RouteRegistrar = Callable[[web.Application, WebContext], None]
ROUTE_MODULES: list[str] = ["mergegate.forge.github.webhook", "mergegate.forge.gitlab_web"]
# module:function building a Forge from Settings, or returning None when not configured
FORGE_FACTORIES: list[str] = [
    "mergegate.forge.github.setup:create_forge",
    "mergegate.forge.gitlab:create_forge",
]
CLIENT_MAX_SIZE = 26 * 1024 * 1024
CTX_KEY = web.AppKey("mergegate", WebContext)


def _optional(module: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise


def route_registrars(modules: Sequence[str] = ()) -> list[RouteRegistrar]:
    out: list[RouteRegistrar] = []
    for name in modules or ROUTE_MODULES:
        mod = _optional(name)
        if mod is not None and hasattr(mod, "register"):
            out.append(mod.register)
    return out


def check_forge_settings(settings: Settings) -> None:
    """Each forge module's ``check_settings(settings)``, if it has one (ConfigError)."""
    for spec in FORGE_FACTORIES:
        mod = _optional(spec.partition(":")[0])
        check = getattr(mod, "check_settings", None) if mod is not None else None
        if check is not None:
            check(settings)


def build_forges(settings: Settings, metrics: Metrics | None = None) -> dict[str, Forge]:
    """Every configured forge; with ``metrics``, forges that can (``use_metrics``) record
    their API calls and rate limit there."""
    forges: dict[str, Forge] = {}
    for spec in FORGE_FACTORIES:
        module, _, func = spec.partition(":")
        mod = _optional(module)
        factory = getattr(mod, func, None) if mod is not None else None
        if factory is None:
            continue
        forge = factory(settings)
        if forge is not None:
            forges[forge.name] = forge
            use_metrics = getattr(forge, "use_metrics", None)
            if metrics is not None and use_metrics is not None:
                use_metrics(metrics)
    return forges


async def healthz(request: web.Request) -> web.Response:
    ctx = request.app[CTX_KEY]
    try:
        pending = ctx.service.store.queue.pending()
    except Exception as exc:
        return web.json_response({"status": "error", "database": repr(exc)}, status=503)
    return web.json_response(
        {"status": "ok", "jobs_pending": pending, "forges": sorted(ctx.service.forges)}
    )


def create_app(
    ctx: WebContext, registrars: Sequence[RouteRegistrar] | None = None, *,
    run_jobs: bool = True, setup: Callable[[], None] | None = None,
) -> web.Application:
    """The application; with ``run_jobs`` the job runner starts and stops with it."""
    app = web.Application(client_max_size=CLIENT_MAX_SIZE)
    app[CTX_KEY] = ctx
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_handler(ctx.service.metrics))
    for register in registrars if registrars is not None else route_registrars():
        register(app, ctx)

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


def build(
    settings: Settings, *, scanner_idle_timeout: float = 120.0
) -> tuple[web.Application, WebContext]:
    """Everything `mergegate serve` runs: store (migrated), forges, runner, application.

    Scanner processes stop after ``scanner_idle_timeout`` seconds without a scan.
    """
    check_forge_settings(settings)
    store = Store.open(settings.database_url)
    metrics = Metrics()  # one per process: deliveries, scans, dismissals, API calls
    gate = runner_for(settings, processes=True, idle_timeout=scanner_idle_timeout)
    service = Service(store=store, settings=settings, metrics=metrics,
                      gate_runner=MeteredGateRunner(gate, metrics))
    ctx = WebContext(service, JobRunner(service))

    def setup() -> None:
        service.forges.update(build_forges(settings, metrics))

    return create_app(ctx, setup=setup), ctx
