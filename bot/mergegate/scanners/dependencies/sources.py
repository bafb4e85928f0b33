"""The one interface both advisory sources (the OSV.dev API, an offline database) keep."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from mergegate.scanners.dependencies.osv_match import Advisory


@dataclass(frozen=True, slots=True)
class Query:
    ecosystem: str
    name: str  # as normalize_name gives it
    version: str


class SourceError(RuntimeError):
    """The advisory source cannot answer; the scan must not pass because of it."""


class AdvisorySource(Protocol):
    # True when the source has already matched versions (the OSV.dev API); the scanner then
    # keeps every advisory it returns and only computes fixes locally.
    prematched: bool

    def advisories(self, queries: Sequence[Query]) -> dict[Query, list[Advisory]]:
        """Candidate advisories for each query; raise SourceError when unreachable."""
        ...
