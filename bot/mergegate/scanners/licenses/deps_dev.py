"""Package licenses from deps.dev (`GET /v3/systems/{system}/packages/{name}/versions/{v}`),
cached in the store. Optional enrichment: when deps.dev cannot answer, the license is unknown
and `problem` says why; nothing raises."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from mergegate.scanners.dependencies.aio import run_sync
from mergegate.scanners.dependencies.model import CARGO, GO, MAVEN, NPM, NUGET, PYPI, RUBYGEMS, sequence

if TYPE_CHECKING:  # aiohttp and the store load only when deps.dev is really asked (CLI start-up)
    import aiohttp

    from mergegate.scanners.base import ResponseCache

SYSTEMS = {
    PYPI: "pypi",
    NPM: "npm",
    GO: "go",
    CARGO: "cargo",
    MAVEN: "maven",
    NUGET: "nuget",
    RUBYGEMS: "rubygems",
}
TTL = 7 * 24 * 3600.0
MISSING_TTL = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Coordinate:
    ecosystem: str
    name: str
    version: str


def cache_key(c: Coordinate) -> str | None:
    system = SYSTEMS.get(c.ecosystem)
    return None if system is None else f"depsdev:{system}:{c.name}:{c.version}"


class DepsDev:
    def __init__(
        self,
        base_url: str,
        cache: ResponseCache | None = None,
        *,
        timeout: float = 10.0,
        concurrency: int = 8,
        online: bool = True,
        ca_bundle: Path | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.cache = cache
        self.timeout = timeout
        self.concurrency = concurrency
        self.online = online
        self.ca_bundle = ca_bundle
        self.problem: str | None = None

    def cached(self, coords: Sequence[Coordinate]) -> dict[Coordinate, str | None]:
        """Licenses already known from the store (None: deps.dev knows no license)."""
        if self.cache is None:
            return {}
        keys = {c: k for c in coords if (k := cache_key(c)) is not None}
        stored = self.cache.get_many(keys.values())
        return {c: _expression(stored[k]) for c, k in keys.items() if k in stored}

    def licenses(self, coords: Sequence[Coordinate]) -> dict[Coordinate, str | None]:
        """The SPDX expression of each coordinate that could be resolved."""
        known = self.cached(coords)
        missing = [c for c in dict.fromkeys(coords) if c not in known and cache_key(c)]
        if missing and not self.online:
            self.problem = "offline (--offline or MERGEGATE_OSV_DB), deps.dev was not consulted"
        elif missing:
            known.update(run_sync(self._fetch_all(missing)))
        return known

    async def _fetch_all(self, coords: list[Coordinate]) -> dict[Coordinate, str | None]:
        out: dict[Coordinate, str | None] = {}
        semaphore = asyncio.Semaphore(self.concurrency)
        from mergegate.network import client_session

        async with client_session(self.ca_bundle, timeout=self.timeout) as session:

            async def one(c: Coordinate) -> None:
                async with semaphore:
                    if self.problem is not None:
                        return  # deps.dev is down: do not wait on every package
                    body = await self._get(session, c)
                    if body is not None:
                        out[c] = _expression(body)
                        if self.cache is not None:
                            ttl = TTL if body.get("licenses") else MISSING_TTL
                            self.cache.set_many({str(cache_key(c)): body}, ttl)

            await asyncio.gather(*(one(c) for c in coords))
        return out

    async def _get(self, session: aiohttp.ClientSession, c: Coordinate) -> dict[str, object] | None:
        system = SYSTEMS[c.ecosystem]
        url = (
            f"{self.base_url}/v3/systems/{system}/packages/{quote(c.name, safe='')}"
            f"/versions/{quote(c.version, safe='')}"
        )
        import aiohttp

        try:
            async with session.get(url) as resp:
                if resp.status == 404:
                    return {"licenses": []}
                if resp.status != 200:
                    self.problem = f"deps.dev answered HTTP {resp.status}"
                    return None
                data = await resp.json(content_type=None)
        except TimeoutError:
            self.problem = f"deps.dev timed out after {self.timeout:g} s"
            return None
        except (aiohttp.ClientError, ValueError) as exc:
            self.problem = f"deps.dev unreachable ({type(exc).__name__})"
            return None
        if not isinstance(data, dict):
            return {"licenses": []}
        return {"licenses": [x for x in sequence(data.get("licenses")) if isinstance(x, str)]}


def _expression(body: object) -> str | None:
    licenses = body.get("licenses") if isinstance(body, dict) else None
    if not isinstance(licenses, list):
        return None
    parts = [str(x) for x in licenses if str(x).strip() and str(x) != "non-standard"]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return " AND ".join(f"({p})" if " " in p else p for p in parts)
