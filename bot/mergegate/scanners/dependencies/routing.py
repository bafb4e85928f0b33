"""Which advisory source answers for which ecosystem.

With archives downloaded by `mergegate db update`, the ecosystems they cover are answered
from them, without network; the others from the OSV.dev API, or, offline (`scan --offline`),
from nowhere: those ecosystems are reported as not checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mergegate.scanners.dependencies.sources import AdvisorySource


@dataclass(frozen=True)
class RoutedSource:
    local: AdvisorySource | None  # the downloaded archives
    local_ecosystems: frozenset[str]
    online: AdvisorySource | None  # None: offline
    stale: tuple[tuple[str, int], ...] = ()  # (ecosystem, days since its download), when old

    def route(self, ecosystems: Iterable[str]) -> tuple[list[tuple[AdvisorySource, set[str]]], list[str]]:
        """The ecosystems each source answers for, and those no source holds."""
        wanted = set(ecosystems)
        local = wanted & self.local_ecosystems
        rest = wanted - local
        parts: list[tuple[AdvisorySource, set[str]]] = []
        if local and self.local is not None:
            parts.append((self.local, local))
        if rest and self.online is not None:
            parts.append((self.online, rest))
            rest = set()
        return parts, sorted(rest)
