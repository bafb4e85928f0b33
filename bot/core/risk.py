"""Release risk of a change: a level with the reasons that led to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RiskLevel = Literal["low", "medium", "high"]
RISK_LEVELS: tuple[RiskLevel, ...] = ("low", "medium", "high")


@dataclass(frozen=True, slots=True)
class Risk:
    level: RiskLevel
    score: int
    reasons: tuple[str, ...] = ()
    new_hosts: tuple[str, ...] = ()
