"""A gidgethub client with GitHub API etiquette: retries, backoff with jitter, rate limits.

- 5xx answers and connection errors: retried with exponential backoff and full jitter.
- 403/429 secondary rate limits (``retry-after``, or ``x-ratelimit-remaining: 0`` with
  ``x-ratelimit-reset``): wait as told (capped), then retry.
- Everything else propagates as gidgethub's exceptions; 401 is handled a level up (`Api`)
  by refreshing the installation token.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import gidgethub
import gidgethub.aiohttp

from mergegate.observability.metrics import Metrics

log = logging.getLogger(__name__)

USER_AGENT = "mergegate"


class RetryPolicy:
    def __init__(
        self,
        attempts: int = 5,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        max_rate_limit_wait: float = 120.0,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_rate_limit_wait = max_rate_limit_wait
        self.rand = rand

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**(attempt-1))]."""
        return float(self.rand() * min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

    def rate_limit_wait(self, headers: Mapping[str, str], now: float) -> float | None:
        """How long a 403/429 asks us to wait, or None when it is not a rate limit."""
        retry_after = headers.get("retry-after")
        if retry_after is not None:
            try:
                return min(self.max_rate_limit_wait, max(0.0, float(retry_after)))
            except ValueError:
                return self.base_delay
        if headers.get("x-ratelimit-remaining") == "0":
            try:
                reset = float(headers.get("x-ratelimit-reset", ""))
            except ValueError:
                return self.base_delay
            return min(self.max_rate_limit_wait, max(0.0, reset - now) + 1.0)
        return None


class GitHubClient(gidgethub.aiohttp.GitHubAPI):
    """gidgethub over aiohttp, retrying what GitHub asks to be retried."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        metrics: Metrics | None = None,
    ) -> None:
        super().__init__(session, USER_AGENT, base_url=base_url)
        self.session = session
        self.retry = retry or RetryPolicy()
        self._clock = clock
        self.retries = 0  # for tests and metrics
        self.metrics = metrics  # every call and the remaining rate limit are recorded here

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        attempt = 0
        while True:
            attempt += 1
            try:
                status, answer_headers, answer = await super()._request(
                    method, url, headers, body
                )
            except (TimeoutError, aiohttp.ClientConnectionError) as exc:
                if self.metrics is not None:
                    self.metrics.record_api_call("github", method, None)
                if attempt >= self.retry.attempts:
                    raise
                delay = self.retry.backoff(attempt)
                log.warning("GitHub connection error on %s, retrying in %.2fs: %r",
                            method, delay, exc)
                self.retries += 1
                await self.sleep(delay)
                continue
            if self.metrics is not None:
                self.metrics.record_api_call("github", method, status)
                self.metrics.observe_rate_limit("github", answer_headers)
            return status, answer_headers, answer

    async def handle_rate_limit_error(
        self, *, method: str, url: str, exception: gidgethub.HTTPException, attempt: int
    ) -> bool:
        if attempt >= self.retry.attempts:
            return False
        status = int(exception.status_code)
        delay: float | None = None
        if status >= 500:
            delay = self.retry.backoff(attempt)
        elif status in (403, 429):
            delay = self.retry.rate_limit_wait(exception.headers, self._clock())
        if delay is None:
            return False
        log.warning("GitHub answered %s to %s %s, retrying in %.2fs",
                    status, method, _path(url), delay)
        self.retries += 1
        await self.sleep(delay)
        return True


def _path(url: str) -> str:
    """The URL without its query (which never holds secrets here, but stays out of logs)."""
    return url.split("?", 1)[0]


def status_of(exc: BaseException) -> int | None:
    if isinstance(exc, gidgethub.HTTPException):
        return int(exc.status_code)
    return None


def is_not_found(exc: BaseException) -> bool:
    return status_of(exc) == 404


JSONValue = Any
