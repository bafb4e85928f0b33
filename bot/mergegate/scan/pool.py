"""Where the scanners run: a pool of worker processes at lower CPU priority, or threads.

In `mergegate serve` the gate runs in separate processes, so scanning never holds the web
server's interpreter lock: webhooks are acknowledged at once while scans run. The pool starts
on the first scan and stops after `idle_timeout` seconds without one (idle memory stays that
of the web process). A workspace crosses to a process with its base content prefetched (the
forge reader belongs to the web process's event loop). Tests use threads (`ThreadRunner`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from mergegate.config import Settings
from mergegate.core.policy import Policy
from mergegate.scan.gate import GateResult, run_gate
from mergegate.workspace import Workspace

log = logging.getLogger(__name__)

SCAN_NICENESS = 10
PREFETCH_CONCURRENCY = 8


class GateRunner(Protocol):
    async def run(self, workspace: Workspace, policy: Policy, settings: Settings,
                  **kwargs: Any) -> GateResult: ...

    def shutdown(self) -> None: ...


def _lower_priority() -> None:
    """Scans yield the CPU to the web server (Linux: per thread, inherited by children)."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SCAN_NICENESS)


def _gate_in_thread(*args: Any, **kwargs: Any) -> GateResult:
    _lower_priority()
    return run_gate(*args, **kwargs)


class ThreadRunner:
    """The gate in a thread of this process."""

    async def run(self, workspace: Workspace, policy: Policy, settings: Settings,
                  **kwargs: Any) -> GateResult:
        return await asyncio.to_thread(_gate_in_thread, workspace, policy, settings, **kwargs)

    def shutdown(self) -> None:
        return None


@dataclasses.dataclass(frozen=True)
class MappingReader:
    """A picklable base reader over prefetched contents."""

    contents: Mapping[str, bytes | None]

    def __call__(self, path: str) -> bytes | None:
        return self.contents.get(path)


async def prefetch_base(workspace: Workspace) -> Workspace:
    """A copy of the workspace whose base reader holds the base of every changed file."""
    reader = workspace.base_reader
    if reader is None:
        return workspace
    gate = asyncio.Semaphore(PREFETCH_CONCURRENCY)
    sources = sorted({f.old_path or f.path for f in workspace.files
                      if f.status in ("modified", "renamed")})

    async def one(path: str) -> bytes | None:
        async with gate:
            return await asyncio.to_thread(reader, path)

    contents = await asyncio.gather(*(one(p) for p in sources))
    return dataclasses.replace(workspace, base_reader=MappingReader(dict(zip(sources, contents,
                                                                            strict=True))),
                               _base_cache={})


class ProcessRunner:
    """The gate in a pool of ``workers`` processes, started lazily, stopped when idle."""

    def __init__(self, workers: int, idle_timeout: float = 120.0) -> None:
        self.workers = workers
        self.idle_timeout = idle_timeout
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._active = 0
        self._idle_handle: asyncio.TimerHandle | None = None

    def _get_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_lower_priority,
            )
        return self._pool

    async def run(self, workspace: Workspace, policy: Policy, settings: Settings,
                  **kwargs: Any) -> GateResult:
        loop = asyncio.get_running_loop()
        portable = await prefetch_base(workspace)
        if self._idle_handle is not None:
            self._idle_handle.cancel()
            self._idle_handle = None
        self._active += 1
        try:
            return await loop.run_in_executor(
                self._get_pool(), _call_gate, portable, policy, settings, kwargs
            )
        except concurrent.futures.process.BrokenProcessPool:
            self.shutdown()  # a scanner process died (out of memory, say): a new pool next time
            raise
        finally:
            self._active -= 1
            if self._active == 0:
                self._idle_handle = loop.call_later(self.idle_timeout, self._stop_if_idle)

    def _stop_if_idle(self) -> None:
        if self._active == 0:
            log.info("scanner processes idle for %ss: stopped", self.idle_timeout)
            self.shutdown()

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _call_gate(workspace: Workspace, policy: Policy, settings: Settings,
               kwargs: dict[str, Any]) -> GateResult:
    return run_gate(workspace, policy, settings, **kwargs)


def runner_for(settings: Settings, *, processes: bool, idle_timeout: float = 120.0) -> GateRunner:
    return ProcessRunner(settings.workers, idle_timeout) if processes else ThreadRunner()


__all__: Sequence[str] = ("GateRunner", "ProcessRunner", "ThreadRunner", "prefetch_base",
                          "runner_for")
