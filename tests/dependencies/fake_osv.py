"""A fake OSV.dev API: `POST /v1/querybatch` and `GET /v1/vulns/{id}` over advisories we
give it, counting requests and able to fail, stall or paginate on demand."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeOsv:
    vulns: dict[str, dict[str, Any]]
    # (ecosystem, name, version) -> advisory ids the fake "matches"
    matches: dict[tuple[str, str, str], list[str]]
    requests: Counter[str] = field(default_factory=Counter)
    batch_sizes: list[int] = field(default_factory=list)
    fail_next: int = 0  # answer this many requests with HTTP 500 first
    delay: float = 0.0  # seconds before answering
    page_size: int | None = None  # vulns per page; more give a next_page_token

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/querybatch", self.querybatch)
        app.router.add_get("/v1/vulns/{id}", self.vuln)
        return app

    async def _gate(self, name: str) -> web.Response | None:
        self.requests[name] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_next:
            self.fail_next -= 1
            return web.json_response({"message": "internal"}, status=500)
        return None

    async def querybatch(self, request: web.Request) -> web.Response:
        failed = await self._gate("querybatch")
        if failed is not None:  # a Response is falsy before aiohttp 3.12 (a mapping)
            return failed
        body = await request.json()
        queries = body["queries"]
        if len(queries) > 1000:
            return web.json_response({"message": "too many queries"}, status=400)
        self.batch_sizes.append(len(queries))
        results = []
        for q in queries:
            key = (q["package"]["ecosystem"], q["package"]["name"], q["version"])
            found = self.matches.get(key, [])
            start = int(q.get("page_token", "0"))
            end = len(found) if self.page_size is None else start + self.page_size
            res: dict[str, Any] = {}
            if found[start:end]:
                res["vulns"] = [
                    {"id": i, "modified": self.vulns.get(i, {}).get("modified", "")} for i in found[start:end]
                ]
            if end < len(found):
                res["next_page_token"] = str(end)
            results.append(res)
        return web.json_response({"results": results})

    async def vuln(self, request: web.Request) -> web.Response:
        failed = await self._gate("vulns")
        if failed is not None:  # a Response is falsy before aiohttp 3.12 (a mapping)
            return failed
        doc = self.vulns.get(request.match_info["id"])
        if doc is None:
            return web.json_response({"code": 5, "message": "Bug not found."}, status=404)
        return web.json_response(doc)
