"""Version ordering per ecosystem, with well-kept libraries (`packaging`, `univers`).

`parse_version` raises ValueError for a version its ecosystem cannot order; callers decide
what an unorderable version means (a range that cannot be evaluated is skipped, not guessed).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from packaging.utils import canonicalize_version
from packaging.version import Version as Pep440Version
from univers import versions as uv

from mergegate.scanners.dependencies.model import CARGO, GO, MAVEN, NPM, NUGET, PACKAGIST, PYPI, RUBYGEMS

SEMVER = "SEMVER"  # the OSV range type, ordered by SemVer 2.0 whatever the ecosystem

_PARSERS: dict[str, Callable[[str], Any]] = {
    PYPI: Pep440Version,
    NPM: uv.SemverVersion,
    CARGO: uv.SemverVersion,
    GO: uv.SemverVersion,
    SEMVER: uv.SemverVersion,
    MAVEN: uv.MavenVersion,
    RUBYGEMS: uv.RubygemsVersion,
    NUGET: uv.NugetVersion,
    PACKAGIST: uv.ComposerVersion,
}


def supported(kind: str) -> bool:
    return kind in _PARSERS


def _clean(kind: str, version: str) -> str:
    version = version.strip()
    if kind in (GO, SEMVER, NPM, CARGO, PACKAGIST) and version[:1] in ("v", "V"):
        return version[1:]
    return version


@lru_cache(maxsize=200_000)
def parse_version(kind: str, version: str) -> Any:
    """A comparable value for `version` in ecosystem (or range type) `kind`."""
    parser = _PARSERS.get(kind)
    if parser is None:
        raise ValueError(f"no version ordering for {kind}")
    try:
        return parser(_clean(kind, version))
    except Exception as exc:  # each library raises its own InvalidVersion
        raise ValueError(f"invalid {kind} version {version!r}") from exc


def canonical(ecosystem: str, version: str) -> str:
    """The form versions are compared in for equality (PEP 440 normal form for PyPI)."""
    if ecosystem == PYPI:
        try:
            return canonicalize_version(parse_version(PYPI, version))
        except ValueError:
            return version
    return _clean(ecosystem, version)


@lru_cache(maxsize=20_000)
def version_set(ecosystem: str, listed: tuple[str, ...]) -> frozenset[str]:
    """An advisory's explicit `versions` list in canonical form, for membership tests."""
    return frozenset(canonical(ecosystem, v) for v in listed)
