"""Advisories from the OSV.dev API: `POST /v1/querybatch` (up to 1000 queries a request,
following `next_page_token`), then `GET /v1/vulns/{id}` for each advisory's details.

Requests time out, are retried with exponential backoff on timeouts, connection errors, 429
and 5xx, and raise SourceError when the API stays unreachable. Query results and advisories
are cached in the store with a TTL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

from mergegate.network import client_session
from mergegate.scanners.base import ResponseCache
from mergegate.scanners.dependencies.aio import run_sync, shown_url
from mergegate.scanners.dependencies.osv_match import Advisory
from mergegate.scanners.dependencies.sources import Query, SourceError

BATCH_SIZE = 1000
MAX_PAGES = 100
QUERY_TTL = 6 * 3600.0
VULN_TTL = 24 * 3600.0
UNREACHABLE_ADVICE = (
    "Behind a proxy, set HTTPS_PROXY (and MERGEGATE_CA_BUNDLE if it presents its own CA); "
    "without network, run `mergegate db update` first and scan with `--offline`; or turn the "
    "check off with `dependencies: {enabled: false}` in .mergegate.yml"
)


def _query_key(q: Query) -> str:
    return f"osv:query:{q.ecosystem}:{q.name}:{q.version}"


class OsvApi:
    prematched = True

    def __init__(
        self,
        base_url: str,
        cache: ResponseCache | None = None,
        *,
        timeout: float = 20.0,
        retries: int = 3,
        backoff: float = 0.5,
        concurrency: int = 8,
        batch_size: int = BATCH_SIZE,
        ca_bundle: Path | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.cache = cache
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.concurrency = concurrency
        self.batch_size = batch_size
        self.ca_bundle = ca_bundle

    def advisories(self, queries: Sequence[Query]) -> dict[Query, list[Advisory]]:
        return run_sync(self._advisories(list(dict.fromkeys(queries))))

    async def _advisories(self, queries: list[Query]) -> dict[Query, list[Advisory]]:
        cached_ids = self.cache.get_many(_query_key(q) for q in queries) if self.cache else {}
        ids: dict[Query, list[str]] = {
            q: list(cached_ids[_query_key(q)]) for q in queries if _query_key(q) in cached_ids
        }
        todo = [q for q in queries if q not in ids]
        async with client_session(self.ca_bundle, timeout=self.timeout) as session:
            for i in range(0, len(todo), self.batch_size):
                ids.update(await self._batch(session, todo[i : i + self.batch_size]))
            if self.cache and todo:
                self.cache.set_many({_query_key(q): ids[q] for q in todo}, QUERY_TTL)
            details = await self._details(session, sorted({i for v in ids.values() for i in v}))
        return {q: [details[i] for i in ids.get(q, []) if i in details] for q in queries}

    async def _batch(self, session: aiohttp.ClientSession, batch: list[Query]) -> dict[Query, list[str]]:
        found: dict[Query, list[str]] = {q: [] for q in batch}
        pending: list[tuple[Query, str | None]] = [(q, None) for q in batch]
        for _page in range(MAX_PAGES):
            if not pending:
                return found
            body = {"queries": [_query_body(q, token) for q, token in pending]}
            data = await self._request(session, "POST", "/v1/querybatch", body)
            results = data.get("results") if isinstance(data, dict) else None
            if not isinstance(results, list) or len(results) != len(pending):
                raise SourceError("OSV API: querybatch answered with a malformed body")
            nxt: list[tuple[Query, str | None]] = []
            for (q, _), res in zip(pending, results, strict=True):
                if not isinstance(res, dict):
                    raise SourceError("OSV API: querybatch answered with a malformed body")
                for vuln in res.get("vulns") or []:
                    if isinstance(vuln, dict) and isinstance(vuln.get("id"), str):
                        # "id|modified": a changed advisory is fetched again, not served stale
                        found[q].append(f"{vuln['id']}|{vuln.get('modified', '')}")
                token = res.get("next_page_token")
                if token:
                    nxt.append((q, str(token)))
            pending = nxt
        if not pending:
            return found
        raise SourceError(f"OSV API: querybatch still paginating after {MAX_PAGES} pages")

    async def _details(self, session: aiohttp.ClientSession, ids: list[str]) -> dict[str, Advisory]:
        keys = {i: f"osv:vuln:{i}" for i in ids}
        cached = self.cache.get_many(keys.values()) if self.cache else {}
        out: dict[str, Advisory] = {i: cached[k] for i, k in keys.items() if k in cached}
        missing = [i for i in ids if i not in out]
        semaphore = asyncio.Semaphore(self.concurrency)

        async def fetch(vuln_id: str) -> tuple[str, Any]:
            async with semaphore:
                path = f"/v1/vulns/{quote(vuln_id.split('|', 1)[0], safe='')}"
                return vuln_id, await self._request(session, "GET", path, None, missing_ok=True)

        answers = await asyncio.gather(*(fetch(i) for i in missing))
        # an advisory gone since the query (404) is skipped; a malformed one too
        fetched = {i: doc for i, doc in answers if isinstance(doc, dict) and "id" in doc}
        if self.cache and fetched:
            self.cache.set_many({keys[i]: v for i, v in fetched.items()}, VULN_TTL)
        out.update(fetched)
        return out

    async def _request(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        body: Any,
        *,
        missing_ok: bool = False,
    ) -> Any:
        url = self.base_url + path
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                async with session.request(method, url, json=body) as resp:
                    if resp.status == 429 or resp.status >= 500:
                        reason = f"HTTP {resp.status}"
                        continue
                    if resp.status == 404 and missing_ok:
                        return None
                    if resp.status >= 400:
                        raise SourceError(f"OSV API {method} {path}: HTTP {resp.status}")
                    try:
                        return await resp.json(content_type=None)
                    except ValueError:
                        raise SourceError(f"OSV API {method} {path}: response is not JSON") from None
            except TimeoutError:
                reason = f"timed out after {self.timeout:g} s"
            except aiohttp.ClientError as exc:
                reason = type(exc).__name__
        where = shown_url(self.base_url)
        raise SourceError(f"OSV API {where} unreachable: {reason} ({self.retries + 1} attempts). "
                          + UNREACHABLE_ADVICE)


def _query_body(q: Query, token: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "package": {"ecosystem": q.ecosystem, "name": q.name},
        "version": q.version,
    }
    if token:
        body["page_token"] = token
    return body
