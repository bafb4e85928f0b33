"""A gate runner that reports each scan to the metrics: every scanner's duration and the
findings by scanner and severity. It wraps any runner (threads or scanner processes), since
the measurements travel back in the ``GateResult``."""

from __future__ import annotations

from typing import Any

from mergegate.config import Settings
from mergegate.core.policy import Policy
from mergegate.observability.metrics import Metrics
from mergegate.scan.gate import GateResult
from mergegate.scan.pool import GateRunner
from mergegate.workspace import Workspace


class MeteredGateRunner:
    """``inner`` with ``scan_duration_seconds`` and ``findings_total`` recorded per scan."""

    def __init__(self, inner: GateRunner, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics

    async def run(
        self, workspace: Workspace, policy: Policy, settings: Settings, **kwargs: Any
    ) -> GateResult:
        try:
            result = await self.inner.run(workspace, policy, settings, **kwargs)
        except Exception as exc:
            self.metrics.record_error("scan", exc)
            raise
        self.metrics.observe_scan(result.durations)
        self.metrics.record_findings(result.findings)
        for error in result.errors:
            self.metrics.record_error(f"scanner_{error.scanner}")
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()
