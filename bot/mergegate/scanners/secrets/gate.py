"""One search per line that says which of our plugins could match it.

Every plugin lists keywords (case-insensitive literals) and gates (case-sensitive regular
expressions); a line runs a plugin only when one of them occurs in it. A literal that contains
another (`sk-ant-` contains `sk-`) opens both plugins' gates, since the search reports only
the longest alternative at one place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .plugins.base import TokenDetector


class Gate:
    def __init__(self, plugins: Sequence[TokenDetector]) -> None:
        literals: dict[str, set[int]] = {}
        fragments: list[tuple[str, set[int]]] = []
        for index, plugin in enumerate(plugins):
            for keyword in plugin.keywords:
                literals.setdefault(keyword.lower(), set()).add(index)
            for fragment in plugin.gates:
                fragments.append((fragment, {index}))
        alternatives: list[str] = []
        self._owners: list[tuple[TokenDetector, ...]] = []
        for literal in sorted(literals, key=lambda k: (-len(k), k)):
            owners = set().union(*(ids for other, ids in literals.items() if other in literal))
            alternatives.append(f"(?i:{re.escape(literal)})")
            self._owners.append(tuple(plugins[i] for i in sorted(owners)))
        for fragment, owners in fragments:
            alternatives.append(f"(?:{fragment})")
            self._owners.append(tuple(plugins[i] for i in sorted(owners)))
        self._search = re.compile(
            "|".join(f"(?P<g{i}>{alt})" for i, alt in enumerate(alternatives))
        ).finditer

    def plugins_for(self, line: str) -> list[TokenDetector]:
        """The plugins whose keyword or gate occurs in the line, in their declared order."""
        found: dict[int, TokenDetector] = {}
        for match in self._search(line):
            for plugin in self._owners[int(match.lastgroup[1:])]:  # type: ignore[index]
                found.setdefault(id(plugin), plugin)
        return list(found.values())
