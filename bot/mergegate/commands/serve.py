"""`mergegate serve [--host H] [--port P]`: the webhook service with its job runner."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys

from mergegate.config import ConfigError, Settings

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the webhook service (GitHub App, GitLab webhooks)",
        description="Serve POST /webhooks/github, POST /webhooks/gitlab, GET /healthz and "
        "GET /metrics. With SQLite, scans run in this service (MERGEGATE_WORKERS at a time, "
        "in lower-priority processes); with PostgreSQL, `mergegate worker` processes run them.",
    )
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")  # noqa: S104
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    serve.set_defaults(func=run)


def _scale_out(database_url: str) -> bool:
    """On PostgreSQL the server only enqueues and `mergegate worker` processes scan."""
    if not database_url.startswith(("postgresql", "postgres:")):
        return False
    return importlib.util.find_spec("mergegate.scaleout") is not None


def run(args: argparse.Namespace) -> int:
    from aiohttp import web

    from mergegate.store.db import StoreError
    from mergegate.web import build

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"mergegate: {exc}", file=sys.stderr)
        return 2
    try:
        from mergegate.logging_setup import configure_logging

        configure_logging(settings)
    except ImportError:
        logging.basicConfig(level=logging.INFO)
    try:
        idle = float(os.environ.get("MERGEGATE_SCANNER_IDLE_TIMEOUT") or 120)
    except ValueError:
        print("mergegate: MERGEGATE_SCANNER_IDLE_TIMEOUT must be a number of seconds", file=sys.stderr)
        return 2
    try:
        if _scale_out(settings.database_url):
            from mergegate.scaleout import build_scaleout  # jobs go to `mergegate worker` processes

            app, _ = build_scaleout(settings)
        else:
            app, _ = build(settings, scanner_idle_timeout=idle)
    except (StoreError, ConfigError) as exc:
        print(f"mergegate: {exc}", file=sys.stderr)
        return 2
    web.run_app(app, host=args.host, port=args.port, print=None, handle_signals=True)
    return 0
