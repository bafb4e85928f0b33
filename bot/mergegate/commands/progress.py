"""What `mergegate scan` shows on a terminal while it works: which scanners are running.

One status line on stderr, rewritten in place, and cleared when the scan ends; nothing at all
when stderr is not a terminal (CI logs and pipes stay clean).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TextIO

from mergegate.core.findings import ScanResult
from mergegate.core.policy import Policy
from mergegate.scanners.base import Scanner
from mergegate.workspace import Workspace

_CLEAR = "\r\x1b[K"


class ScanProgress:
    """Wraps scanners so that starting and finishing one redraws the status line."""

    def __init__(self, stream: TextIO, names: Sequence[str]) -> None:
        self.stream = stream
        self.names = list(names)
        self.running: list[str] = []
        self.done = 0
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="scan-progress", daemon=True)

    def __enter__(self) -> ScanProgress:
        self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                self._draw()

    def wrap(self, scanners: Sequence[Scanner]) -> list[Scanner]:
        return [_Watched(s, self) for s in scanners]

    def start(self, name: str) -> None:
        with self._lock:
            self.running.append(name)
            self._draw()

    def finish(self, name: str) -> None:
        with self._lock:
            if name in self.running:
                self.running.remove(name)
            self.done += 1
            self._draw()

    def status(self) -> str:
        seconds = time.monotonic() - self.started
        running = ", ".join(self.running) or "judging"
        return f"mergegate: scanning: {running} ({self.done}/{len(self.names)} done, {seconds:.0f} s)"

    def _draw(self) -> None:
        self.stream.write(_CLEAR + self.status())
        self.stream.flush()

    def close(self) -> None:
        self._stop.set()
        if self._ticker.is_alive():
            self._ticker.join()
        with self._lock:
            self.stream.write(_CLEAR)
            self.stream.flush()


class _Watched:
    def __init__(self, scanner: Scanner, progress: ScanProgress) -> None:
        self.name = scanner.name
        self._scanner = scanner
        self._progress = progress

    def load(self) -> None:
        """Build the wrapped scanner now when it is lazy (the engine orders the builds)."""
        load = getattr(self._scanner, "load", None)
        if load is not None:
            load()

    def scan(self, workspace: Workspace, policy: Policy) -> ScanResult:
        self._progress.start(self.name)
        try:
            return self._scanner.scan(workspace, policy)
        finally:
            self._progress.finish(self.name)
