"""What a lockfile holds once parsed: dependencies with their place, and parse problems."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# OSV ecosystem names, the one spelling used everywhere in this package.
PYPI = "PyPI"
NPM = "npm"
GO = "Go"
CARGO = "crates.io"
RUBYGEMS = "RubyGems"
PACKAGIST = "Packagist"
MAVEN = "Maven"
NUGET = "NuGet"
ECOSYSTEMS: tuple[str, ...] = (PYPI, NPM, GO, CARGO, RUBYGEMS, PACKAGIST, MAVEN, NUGET)

_PEP503 = re.compile(r"[-_.]+")


@lru_cache(maxsize=100_000)
def normalize_name(ecosystem: str, name: str) -> str:
    """The name as advisories index it and OSV.dev expects it: PEP 503 for PyPI,
    unchanged elsewhere (OSV names are case-sensitive outside PyPI)."""
    if ecosystem == PYPI:
        return _PEP503.sub("-", name).lower()
    return name


@dataclass(frozen=True, slots=True)
class Dependency:
    """One package at one version, as a lockfile or manifest pins it.

    ``version`` is None when the file does not pin one (a range, a URL, a property):
    ``spec`` then says what was written, and the package is reported, never guessed.
    ``direct`` is None when the file does not say.
    """

    ecosystem: str
    name: str
    version: str | None
    path: str
    line: int
    direct: bool | None = None
    spec: str | None = None
    license: str | None = None

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.ecosystem, normalize_name(self.ecosystem, self.name), self.version)

    @property
    def pinned(self) -> bool:
        return self.version is not None


def mapping(value: object) -> dict[Any, Any]:
    """`value` when it is a JSON/TOML/YAML object, else an empty one (bad shapes are skipped)."""
    return value if isinstance(value, dict) else {}


def sequence(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


class LockfileError(ValueError):
    """A file that cannot be read as the lockfile it claims to be; names its line."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


@dataclass(slots=True)
class ParsedFile:
    path: str
    dependencies: list[Dependency] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def pinned(self) -> list[Dependency]:
        return [d for d in self.dependencies if d.pinned]


class LineIndex:
    """Line numbers for offsets in a text, and the line of a key.

    Lockfiles list their packages in the order parsers visit them, so each search starts
    where the previous one matched (wrapping around once): one pass over the text for the
    whole file instead of one per package.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0]
        self._starts.extend(m.end() for m in re.finditer("\n", text))
        self._cursor = 0

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def _scan(self, needle: str, near: str | None, window: int, lo: int, hi: int) -> int | None:
        pos = self.text.find(needle, lo, hi)
        while pos >= 0:
            if near is None or near in self.text[pos : pos + window]:
                return pos
            pos = self.text.find(needle, pos + 1, hi)
        return None

    def find(self, needle: str, near: str | None = None, window: int = 600, start: int | None = None) -> int:
        """The line of the next `needle` (followed within `window` characters by `near` if
        given) from `start` or the previous match, wrapping around; else the line of the
        first `needle` anywhere; else line 1."""
        origin = self._cursor if start is None else start
        pos = self._scan(needle, near, window, origin, len(self.text))
        if pos is None and origin:
            pos = self._scan(needle, near, window, 0, min(len(self.text), origin + len(needle)))
        if pos is None:
            first = self.text.find(needle)
            return self.line_of(first) if first >= 0 else 1
        if start is None:
            self._cursor = pos + 1
        return self.line_of(pos)
