"""A verdict's blocking findings counted by scanner and severity. Pure.

Stored with each verdict (`scans.blocking`) so the dashboard can sum many changes without
judging their findings again.
"""

from __future__ import annotations

from collections import Counter

from mergegate.core.verdict import Verdict

SEPARATOR = "|"


def blocking_counts(verdict: Verdict) -> dict[str, int]:
    """``{"sast|high": 2, ...}``: blocking findings per scanner and severity label."""
    counts = Counter(f"{j.finding.scanner}{SEPARATOR}{j.finding.severity.label}"
                     for j in verdict.blocking)
    return dict(sorted(counts.items()))


def split_key(key: str) -> tuple[str, str]:
    """``"sast|high"`` into ``("sast", "high")``."""
    scanner, _, severity = key.rpartition(SEPARATOR)
    return scanner, severity
