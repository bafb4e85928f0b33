"""Looking the pinned packages up: advisory sources, version matching, findings.

The `dependencies` scanner imports this only when a change pins packages (version schemes and
the OSV matching are a few hundredths of a second to load, which a change without a lockfile
need not pay).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mergegate.core.findings import Finding, ScannerError, ScanNote, ScanResult
from mergegate.scanners.dependencies import osv_match
from mergegate.scanners.dependencies.model import GO, Dependency
from mergegate.scanners.dependencies.osv_offline import gc_paused
from mergegate.scanners.dependencies.routing import RoutedSource
from mergegate.scanners.dependencies.sources import AdvisorySource, Query, SourceError
from mergegate.scanners.dependencies.vulnerabilities import Match, build_findings

Source = AdvisorySource | RoutedSource


def check(source: Source, pinned: Sequence[Dependency], is_new: Callable[[Dependency], bool],
          scanner: str, result: ScanResult) -> None:
    """Add to `result` the findings, errors and notes of looking `pinned` up in `source`."""
    parts, missing = _routes(source, pinned)
    if isinstance(source, RoutedSource):
        used = {d.ecosystem for d in pinned}
        result.notes.extend(
            ScanNote(f"{eco} advisories were downloaded {days} days ago: run `mergegate db "
                     f"update --ecosystem {eco}`") for eco, days in source.stale if eco in used)
    for ecosystem in missing:
        count = sum(1 for d in pinned if d.ecosystem == ecosystem)
        result.notes.append(ScanNote(
            f"offline: no {ecosystem} advisories in the cache, {count} package(s) not "
            f"checked; run `mergegate db update --ecosystem {ecosystem}`", unscanned=True))
    for part, deps in parts:
        try:
            result.findings.extend(find_vulnerabilities(part, deps, is_new))
        except SourceError as exc:
            result.errors.append(ScannerError(scanner, str(exc)))
            continue
        skipped = getattr(part, "skipped", None)
        if skipped:
            result.notes.append(ScanNote(f"{len(skipped)} advisory files unreadable, skipped"))


def _routes(source: Source, pinned: Sequence[Dependency]
            ) -> tuple[list[tuple[AdvisorySource, list[Dependency]]], list[str]]:
    """The dependencies each advisory source answers for, and the ecosystems none holds."""
    if not isinstance(source, RoutedSource):
        return [(source, list(pinned))], []
    routes, missing = source.route({d.ecosystem for d in pinned})
    return [(src, [d for d in pinned if d.ecosystem in ecosystems]) for src, ecosystems in routes], missing


def find_vulnerabilities(
    source: AdvisorySource, pinned: Sequence[Dependency], is_new: Callable[[Dependency], bool]
) -> list[Finding]:
    """Findings for the pinned dependencies that advisories affect; raises SourceError.

    The cyclic GC is paused meanwhile: thousands of advisories are parsed and matched, none
    of them holds a cycle, and collections would otherwise walk the cached ones repeatedly.
    """
    with gc_paused():
        # in a function of its own, so that its temporaries are freed before the GC resumes
        return _find(source, pinned, is_new)


def _find(
    source: AdvisorySource, pinned: Sequence[Dependency], is_new: Callable[[Dependency], bool]
) -> list[Finding]:
    queries = [(d, Query(d.ecosystem, d.key[1], _query_version(d))) for d in pinned]
    candidates = source.advisories(sorted({q for _, q in queries}, key=_query_order))
    matches: list[Match] = []
    for dep, query in queries:
        hits = []
        fixes: dict[str, tuple[str, ...]] = {}
        for adv in candidates.get(query, []):
            if adv.get("withdrawn"):
                continue
            hit = osv_match.affects(adv, dep.ecosystem, dep.name, query.version)
            if hit.affected or source.prematched:
                hits.append(adv)
                fixes[str(adv["id"])] = hit.fixed_versions
        if hits:
            matches.append(Match(dep, tuple(hits), fixes, is_new(dep)))
    return build_findings(matches)


def _query_version(dep: Dependency) -> str:
    """OSV's Go advisories (and OSV.dev's API) write module versions without the "v"."""
    version = str(dep.version)
    return version[1:] if dep.ecosystem == GO and version.startswith("v") else version


def _query_order(q: Query) -> tuple[str, str, str]:
    return (q.ecosystem, q.name, q.version)
