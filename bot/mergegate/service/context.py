"""What every service call needs: the store, the settings, the forges, the scanners."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TypeVar

from mergegate.config import Settings
from mergegate.forge.base import Forge, ForgeError
from mergegate.observability.metrics import Metrics
from mergegate.scan.pool import GateRunner, ThreadRunner
from mergegate.scanners.base import Scanner
from mergegate.store.service_store import Store

log = logging.getLogger(__name__)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


P = ParamSpec("P")
T = TypeVar("T")
DB_THREADS = 4


class RetryLater(Exception):
    """The job cannot run yet (its change is still being scanned): run it again soon."""


@dataclass
class Service:
    store: Store
    settings: Settings
    forges: dict[str, Forge] = field(default_factory=dict)
    scanners: Sequence[Scanner] | None = None  # None: the engine's default scanners
    workdir: Path | None = None  # where changes are fetched (a temp folder when None)
    clock: Callable[[], dt.datetime] = _utcnow
    on_enqueue: Callable[[], None] | None = None  # wakes the job runner
    metrics: Metrics = field(default_factory=Metrics)
    gate_runner: GateRunner = field(default_factory=ThreadRunner)
    _db_pool: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)

    async def db(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking store call in the store's threads: the event loop never waits for
        the database (a lock held by another writer, a PostgreSQL failover)."""
        if self._db_pool is None:
            self._db_pool = ThreadPoolExecutor(DB_THREADS, thread_name_prefix="mergegate-db")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db_pool, functools.partial(call, *args, **kwargs))

    def forge(self, name: str) -> Forge:
        try:
            return self.forges[name]
        except KeyError:
            raise ForgeError(f"no {name} forge is configured") from None

    def notify(self) -> None:
        if self.on_enqueue is not None:
            self.on_enqueue()
