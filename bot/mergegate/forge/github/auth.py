"""GitHub App authentication: installation tokens (obtained with an App JWT through
`gidgethub.apps`) cached until near expiry.

A token is refreshed when it is within `REFRESH_MARGIN` of its expiry, or at once when GitHub
answers 401 (`invalidate`). Tokens live only in memory: never in logs or the store.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

REFRESH_MARGIN = 300.0  # seconds before expiry when a cached token is renewed

TokenFetcher = Callable[[str], Awaitable[dict[str, str]]]  # installation id -> token answer


@dataclass
class _Token:
    value: str
    expires_at: float  # time.time() seconds


def parse_expiry(expires_at: str | None, now: float) -> float:
    """GitHub's ``expires_at`` (ISO 8601) as epoch seconds; one hour when absent or bad."""
    if expires_at:
        try:
            return dt.datetime.fromisoformat(expires_at.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return now + 3600.0


def _keep_out_of_logs(secret: str) -> None:
    try:
        from mergegate.observability.logs import register_secret
    except ImportError:  # pragma: no cover - logging setup is optional
        return
    register_secret(secret)


class AppAuth:
    """Issues App JWTs and caches installation tokens per installation."""

    def __init__(
        self,
        app_id: str,
        fetch_token: TokenFetcher,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app_id = app_id
        self._fetch = fetch_token
        self._clock = clock
        self._tokens: dict[str, _Token] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.issued = 0  # installation tokens obtained (for tests and metrics)

    def __repr__(self) -> str:
        return f"AppAuth(app_id={self.app_id!r})"

    async def token(self, installation_id: str) -> str:
        cached = self._tokens.get(installation_id)
        if cached and cached.expires_at - REFRESH_MARGIN > self._clock():
            return cached.value
        lock = self._locks.setdefault(installation_id, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(installation_id)
            if cached and cached.expires_at - REFRESH_MARGIN > self._clock():
                return cached.value
            data = await self._fetch(installation_id)
            token = _Token(data["token"], parse_expiry(data.get("expires_at"), self._clock()))
            self._tokens[installation_id] = token
            self.issued += 1
            _keep_out_of_logs(token.value)
            return token.value

    def invalidate(self, installation_id: str, token: str | None = None) -> None:
        """Forget a token GitHub refused (only if it is still the cached one)."""
        cached = self._tokens.get(installation_id)
        if cached and (token is None or cached.value == token):
            del self._tokens[installation_id]
