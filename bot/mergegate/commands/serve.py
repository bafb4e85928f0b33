"""`mergegate serve [--host H] [--port P]`: the webhook service with its job runner.

Before it listens, the configuration is checked (a setting that cannot be used is one line
naming it, exit 2) and the address is bound (in use: one line, exit 2). Once it accepts
connections it prints the address it listens on.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import socket
import sys
from collections.abc import Iterable
from typing import Any

from mergegate.config import ConfigError, Settings, check_github_app

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
    return database_url.startswith(("postgresql", "postgres:"))


def bind(host: str, port: int) -> list[socket.socket]:
    """Listening sockets for every address `host` names (as asyncio's server would bind
    them), not listening yet; OSError when one cannot be bound."""
    infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            if os.name == "posix":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def bind_error(host: str, port: int, exc: OSError) -> str:
    """The one line for an address that cannot be listened on."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    hint = " (another process listens there: choose another --port)" if exc.errno == errno.EADDRINUSE else ""
    return f"cannot listen on {host}:{port}: {reason}{hint}"


def urls(addresses: Iterable[Any]) -> str:
    """`http://host:port` for each socket address (IPv6 hosts in brackets)."""
    out = []
    for address in addresses:
        host, port = address[:2]
        out.append(f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}")
    return ", ".join(out)


def run(args: argparse.Namespace) -> int:
    from aiohttp import web

    from mergegate.observability.logs import configure_logging
    from mergegate.queue.scaleout import build_scaleout
    from mergegate.store.db import StoreError
    from mergegate.web.app import build, check_forge_settings

    try:
        settings = Settings.from_env()
        check_forge_settings(settings)
        check_github_app(settings)
    except ConfigError as exc:
        print(f"mergegate: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    if not 0 <= args.port <= 65535:
        print(f"mergegate: --port must be between 0 and 65535, got {args.port}", file=sys.stderr)
        return 2
    try:
        sockets = bind(args.host, args.port)
    except OSError as exc:
        print(f"mergegate: {bind_error(args.host, args.port, exc)}", file=sys.stderr)
        return 2
    try:
        if _scale_out(settings.database_url):
            app, _ = build_scaleout(settings)  # jobs go to `mergegate worker` processes
        else:
            app, _ = build(settings)
    except (StoreError, ConfigError) as exc:
        for sock in sockets:
            sock.close()
        print(f"mergegate: {exc}", file=sys.stderr)
        return 2

    def listening(_: str) -> None:  # called by aiohttp once the sockets accept connections
        print(f"mergegate: listening on {urls(s.getsockname() for s in sockets)}", flush=True)

    web.run_app(app, sock=sockets, print=listening, handle_signals=True)
    return 0
