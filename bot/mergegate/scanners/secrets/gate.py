"""One search per line that says which of our plugins could match it.

Every plugin lists keywords (case-insensitive literals) and gates (case-sensitive regular
expressions); a line runs a plugin only when one of them occurs in it. The literals are looked
for with `in` on the lower-cased line: a substring search in C per literal beats one regular
expression alternating over all of them, by far on long lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .plugins.base import TokenDetector


class Gate:
    def __init__(self, plugins: Sequence[TokenDetector]) -> None:
        literals: dict[str, set[int]] = {}
        for index, plugin in enumerate(plugins):
            for keyword in plugin.keywords:
                literals.setdefault(keyword.lower(), set()).add(index)
        self._plugins = tuple(plugins)
        self._literals = tuple((literal, tuple(sorted(ids))) for literal, ids in literals.items())
        fragments = [(fragment, index) for index, plugin in enumerate(plugins)
                     for fragment in plugin.gates]
        self._fragment_owner = [index for _, index in fragments]
        self._fragments = (
            re.compile("|".join(f"(?P<f{i}>{f})" for i, (f, _) in enumerate(fragments))).finditer
            if fragments else None
        )

    def plugins_for(self, line: str) -> list[TokenDetector]:
        """The plugins whose keyword or gate occurs in the line, in their declared order."""
        found: set[int] = set()
        lowered = line.lower()
        for literal, owners in self._literals:
            if literal in lowered:
                found.update(owners)
        if self._fragments is not None:
            for match in self._fragments(line):
                found.add(self._fragment_owner[int(match.lastgroup[1:])])  # type: ignore[index]
        return [self._plugins[i] for i in sorted(found)]
