"""The `dependencies` scanner: lockfiles at head and base, advisories, findings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mergegate.core.findings import ScanResult
from mergegate.core.policy import Policy
from mergegate.scanners.dependencies.inventory import collect
from mergegate.workspace import Workspace

if TYPE_CHECKING:
    from mergegate.scanners.dependencies.lookup import Source

NAME = "dependencies"


class DependencyScanner:
    name = NAME

    def __init__(self, source: Callable[[], Source]) -> None:
        # A factory, so that a scan without lockfiles never opens (or contacts) a source.
        self._source_factory = source
        self._source: Source | None = None

    def source(self) -> Source:
        if self._source is None:
            self._source = self._source_factory()
        return self._source

    def scan(self, workspace: Workspace, policy: Policy) -> ScanResult:
        inv = collect(workspace, NAME)
        result = ScanResult(errors=list(inv.errors), notes=list(inv.notes))
        pinned = [d for d in inv.dependencies if d.version is not None]
        if not pinned:
            return result
        # The advisory matching is imported here, once there are packages to look up.
        from mergegate.scanners.dependencies.lookup import check

        check(self.source(), pinned, inv.is_new, NAME, result)
        return result
