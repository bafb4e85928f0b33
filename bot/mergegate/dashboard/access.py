"""Which repositories a signed-in person may read, asked of the forge and kept briefly.

The answer is cached per forge, login and token for `TTL` seconds, so a page does not wait
for the forge each time, and a person who loses access stops seeing the repository within
that time (or at once on signing in again).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable

from mergegate.dashboard.oauth import Provider
from mergegate.dashboard.session import Session

TTL = 300.0
MAX_ENTRIES = 10_000


class AccessCache:
    def __init__(self, providers: dict[str, Provider], ttl: float = TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.providers = providers
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, tuple[float, frozenset[str]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @staticmethod
    def _key(session: Session) -> str:
        digest = hashlib.sha256(session.token.encode()).hexdigest()
        return f"{session.forge}:{session.login}:{digest}"

    async def readable(self, session: Session) -> frozenset[str]:
        """Store keys of the repositories the person can read (``github:owner/name``)."""
        key = self._key(session)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # one look-up per person at a time, not one per concurrent page
            hit = self._entries.get(key)
            if hit is not None and hit[0] > self.clock():
                return hit[1]
            repos = await self.providers[session.forge].readable_repos(session.token)
            if len(self._entries) >= MAX_ENTRIES:
                self._drop_expired()
            self._entries[key] = (self.clock() + self.ttl, repos)
            return repos

    def forget(self, session: Session) -> None:
        self._entries.pop(self._key(session), None)

    def _drop_expired(self) -> None:
        now = self.clock()
        for key in [k for k, (until, _) in self._entries.items() if until <= now]:
            del self._entries[key]
            self._locks.pop(key, None)
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
