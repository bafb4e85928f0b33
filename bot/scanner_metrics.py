"""Scanners that report to the metrics: each scan's duration and its findings by severity.

A :class:`TimedScanner` builds a fresh scanner per scan, exactly as the engine does when it is
given no scanners, so wrapping changes nothing but the measurements.
"""

from __future__ import annotations

import time

from bot.config import Settings
from bot.core.findings import ScanResult
from bot.core.policy import Policy
from bot.engine import ScannerFactory, scanner_factories
from bot.metrics import Metrics
from bot.workspace import Workspace


class TimedScanner:
    """A scanner (made by ``factory``) whose runs are timed and counted in ``metrics``."""

    def __init__(
        self, name: str, factory: ScannerFactory, settings: Settings, metrics: Metrics
    ) -> None:
        self.name = name
        self._factory = factory
        self._settings = settings
        self._metrics = metrics

    def scan(self, workspace: Workspace, policy: Policy) -> ScanResult:
        started = time.perf_counter()
        try:
            result = self._factory(self._settings).scan(workspace, policy)
        except Exception as exc:
            self._metrics.record_error("scanner", exc)
            raise
        finally:
            self._metrics.observe_scan({self.name: time.perf_counter() - started})
        self._metrics.record_findings(result.findings)
        for _ in result.errors:
            self._metrics.record_error(f"scanner_{self.name}")
        return result


def timed_scanners(settings: Settings, metrics: Metrics) -> list[TimedScanner]:
    """Every scanner the engine knows, in its order, timed."""
    return [
        TimedScanner(name, factory, settings, metrics)
        for name, factory in scanner_factories().items()
    ]
