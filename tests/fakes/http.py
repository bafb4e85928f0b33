"""The HTTP boundary both fake forges share: a local aiohttp server recording every request.

A fake forge subclasses `FakeHttpServer`, implements ``_handle`` and answers like its forge;
requests its forge would refuse are collected in ``violations`` and fail the test at the end
(`assert_clean`). ``hold`` blocks requests whose path matches until the event is set.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

MAX_REQUEST_BYTES = 64 * 1024 * 1024


@dataclass
class Recorded:
    """One request as the fake received it; ``route`` names what it matched (a GitHub OpenAPI
    path template, a GitLab route name), None when nothing did."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    route: str | None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 0

    @property
    def template(self) -> str | None:
        return self.route

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class FakeHttpServer:
    forge_name = "the forge"

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.hold: dict[str, asyncio.Event] = {}
        self.ids = itertools.count(1000)
        self.server: TestServer | None = None

    async def start(self) -> str:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self.url

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    def assert_clean(self) -> None:
        assert not self.violations, (f"requests {self.forge_name} would refuse:\n"
                                     + "\n".join(self.violations))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError
