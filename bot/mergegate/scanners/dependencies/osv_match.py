"""OSV matching with the schema's exact semantics, and what a match means (severity, fix).

An advisory affects a package version when one of its `affected[]` entries names the package
and either a range (`ECOSYSTEM` or `SEMVER`; `GIT` ranges are ignored) contains the version or
the explicit `versions` list holds it. Events are evaluated in version order: `introduced`
opens (inclusive), `fixed` closes (exclusive), `last_affected` closes after itself (inclusive),
and a `limit` bounds the whole range from above. Withdrawn advisories affect nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cvss import CVSS3, CVSS4

from mergegate.core.findings import Severity
from mergegate.scanners.dependencies.model import mapping, normalize_name, sequence
from mergegate.scanners.dependencies.versions import (
    SEMVER,
    canonical,
    parse_version,
    supported,
    version_set,
)

Advisory = Mapping[str, Any]

_GHSA_SEVERITY = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}


@dataclass(frozen=True, slots=True)
class RangeHit:
    affected: bool
    fixed_versions: tuple[str, ...] = ()


@lru_cache(maxsize=50_000)
def _compiled(kind: str, events: tuple[tuple[str, str], ...]) -> tuple[Any, ...]:
    """A range's events with parsed versions, in version order ("0" first), then its
    limits: ((kind, version|None)..., ), (limit versions | None for "*")."""
    ordinary: list[tuple[int, Any, str]] = []
    limits: list[Any] = []
    for name, value in events:
        if name == "limit":
            limits.append(None if value == "*" else parse_version(kind, value))
        elif name == "introduced" and value == "0":
            ordinary.append((0, None, name))
        elif name in ("introduced", "fixed", "last_affected"):
            ordinary.append((1, parse_version(kind, value), name))
    # At equal versions a fix sorts before an introduction: "introduced X, fixed X" (an
    # advisory that affects no release of X) must not leave a range open.
    ordinary.sort(key=lambda e: (e[0], e[1], e[2] == "introduced") if e[1] is not None
                  else (0, 0, False))
    return tuple((name, parsed) for _, parsed, name in ordinary), tuple(limits)


def range_affects(kind: str, events: Iterable[Mapping[str, str]], version: str) -> bool:
    """Evaluate one range's events for `version` (raises ValueError if unorderable)."""
    v = parse_version(kind, version)
    key = tuple((str(k), str(v)) for event in events if isinstance(event, Mapping) for k, v in event.items())
    ordered, limits = _compiled(kind, key)
    if limits and not any(lim is None or v < lim for lim in limits):
        return False
    affected = False
    for name, parsed in ordered:
        if name == "introduced":
            if parsed is None or v >= parsed:
                affected = True
        elif name == "fixed":
            if v >= parsed:
                affected = False
        elif v > parsed:  # last_affected
            affected = False
    return affected


def _names_package(entry: Mapping[str, Any], ecosystem: str, name: str) -> bool:
    pkg = mapping(entry.get("package"))
    eco = str(pkg.get("ecosystem", "")).split(":", 1)[0]
    return eco == ecosystem and normalize_name(ecosystem, str(pkg.get("name", ""))) == name


def affected_entries(advisory: Advisory, ecosystem: str, name: str) -> list[Mapping[str, Any]]:
    norm = normalize_name(ecosystem, name)
    entries = sequence(advisory.get("affected"))
    return [e for e in entries if isinstance(e, Mapping) and _names_package(e, ecosystem, norm)]


def affects(advisory: Advisory, ecosystem: str, name: str, version: str) -> RangeHit:
    """Whether `advisory` affects ecosystem/name@version, and its fixed versions if so."""
    if advisory.get("withdrawn"):
        return RangeHit(False)
    return entries_affect(affected_entries(advisory, ecosystem, name), ecosystem, version)


def entries_affect(entries: Iterable[Mapping[str, Any]], ecosystem: str, version: str) -> RangeHit:
    """Whether any of one package's `affected` entries holds `version`, and the fixed
    versions of the ranges that do."""
    hit = False
    fixes: list[str] = []
    for entry in entries:
        for rng in sequence(entry.get("ranges")):
            if not isinstance(rng, Mapping):
                continue
            rtype = rng.get("type")
            kind = SEMVER if rtype == "SEMVER" else ecosystem if rtype == "ECOSYSTEM" else None
            if kind is None or not supported(kind):
                continue
            events = [e for e in sequence(rng.get("events")) if isinstance(e, Mapping)]
            try:
                if range_affects(kind, events, version):
                    hit = True
                    fixes.extend(str(e["fixed"]) for e in events if "fixed" in e)
            except ValueError:
                continue  # an unorderable version: the `versions` list may still decide
        listed = sequence(entry.get("versions"))
        if not hit and listed:
            hit = canonical(ecosystem, version) in version_set(ecosystem, tuple(map(str, listed)))
    return RangeHit(hit, tuple(fixes))


def lowest_fix_above(ecosystem: str, current: str, fixes: Iterable[str]) -> str | None:
    """The lowest fixed version strictly above `current`, or None when there is none."""
    best: tuple[Any, str] | None = None
    for fix in fixes:
        try:
            cur, parsed = parse_version(ecosystem, current), parse_version(ecosystem, fix)
        except ValueError:
            continue
        if parsed > cur and (best is None or parsed < best[0]):
            best = (parsed, fix)
    return best[1] if best else None


def highest(ecosystem: str, versions: Iterable[str]) -> str | None:
    best: tuple[Any, str] | None = None
    for v in versions:
        try:
            parsed = parse_version(ecosystem, v)
        except ValueError:
            continue
        if best is None or parsed > best[0]:
            best = (parsed, v)
    return best[1] if best else None


def severity_of(advisory: Advisory) -> Severity:
    """CVSS v4, else v3 vector in `severity[]`, else GHSA `database_specific.severity`,
    else medium."""
    by_type = {
        str(s.get("type")): str(s.get("score", ""))
        for s in sequence(advisory.get("severity"))
        if isinstance(s, Mapping)
    }
    for kind in ("CVSS_V4", "CVSS_V3"):
        vector = by_type.get(kind)
        found = _cvss_severity(kind, vector) if vector else None
        if found is not None:
            return found
    specific = advisory.get("database_specific") or {}
    label = str(specific.get("severity", "")).upper() if isinstance(specific, dict) else ""
    return _GHSA_SEVERITY.get(label, Severity.MEDIUM)


@lru_cache(maxsize=10_000)
def _cvss_severity(kind: str, vector: str) -> Severity | None:
    try:
        label = CVSS4(vector).severity if kind == "CVSS_V4" else CVSS3(vector).severities()[0]
    except Exception:  # cvss raises several error types for malformed vectors
        return None
    return Severity.INFO if label == "None" else Severity.parse(label)


def cwe_ids(advisory: Advisory) -> tuple[str, ...]:
    specific = advisory.get("database_specific") or {}
    ids = specific.get("cwe_ids") if isinstance(specific, dict) else None
    return tuple(str(i) for i in ids) if isinstance(ids, list) else ()
