"""From matched advisories to findings: aliases merged, severity, fix, place, newness."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from mergegate.core.findings import Finding, Package, Severity, dependency_fingerprint
from mergegate.scanners.dependencies import osv_match
from mergegate.scanners.dependencies.model import Dependency, sequence
from mergegate.scanners.dependencies.osv_match import Advisory

_MAX_REFERENCES = 10


def _id_rank(advisory_id: str) -> tuple[int, str]:
    """GHSA first (it spans ecosystems), then the ecosystem's own ids, CVE last."""
    if advisory_id.startswith("GHSA-"):
        return (0, advisory_id)
    if advisory_id.startswith("CVE-"):
        return (2, advisory_id)
    return (1, advisory_id)


def canonical_id(ids: Iterable[str]) -> str:
    """The rule id of a group: its GHSA id when any advisory has or names one (so both
    advisory sources give the same id), else the source's own id, a CVE only as a last
    resort."""
    return min(ids, key=_id_rank)


def _group_ids(group: Sequence[Advisory]) -> set[str]:
    ids = {str(a["id"]) for a in group}
    return ids | {str(x) for a in group for x in sequence(a.get("aliases"))}


def group_by_alias(advisories: Sequence[Advisory]) -> list[list[Advisory]]:
    """Advisories that name each other (or a common CVE) as one group, in a stable order."""
    ids_of = [_group_ids([a]) for a in advisories]
    group_of: dict[str, int] = {}  # id or alias -> group number
    groups: dict[int, list[int]] = {}
    for n, names in enumerate(ids_of):
        joined = sorted({group_of[x] for x in names if x in group_of})
        target = joined[0] if joined else n
        members = groups.setdefault(target, [])
        for other in joined[1:]:
            members.extend(groups.pop(other))
        members.append(n)
        for member in members if len(joined) > 1 else [n]:
            for x in ids_of[member]:
                group_of[x] = target
    ordered = [(canonical_id(set().union(*(ids_of[i] for i in ms))), sorted(ms)) for ms in groups.values()]
    return [[advisories[i] for i in ms] for _, ms in sorted(ordered)]


@dataclass(frozen=True, slots=True)
class Match:
    """One dependency and the advisories that affect it, with their fixed versions."""

    dependency: Dependency
    advisories: tuple[Advisory, ...]
    fixes: Mapping[str, tuple[str, ...]]  # advisory id -> fixed versions of affecting ranges
    new: bool


def _references(group: Sequence[Advisory], rule: str) -> tuple[str, ...]:
    urls = [f"https://osv.dev/vulnerability/{rule}"]
    for adv in group:
        for ref in sequence(adv.get("references")):
            url = ref.get("url") if isinstance(ref, Mapping) else None
            if isinstance(url, str) and url not in urls:
                urls.append(url)
    return tuple(urls[:_MAX_REFERENCES])


def build_findings(matches: Sequence[Match]) -> list[Finding]:
    """One finding per lockfile, package and advisory group. The same package at several
    versions in one lockfile folds into one finding (the fingerprint has no version)."""
    by_identity: dict[tuple[str, str, str, str], list[tuple[Match, list[Advisory]]]] = {}
    for m in matches:
        for group in group_by_alias(m.advisories):
            rule = canonical_id(_group_ids(group))
            key = (m.dependency.path, m.dependency.ecosystem, m.dependency.key[1], rule)
            by_identity.setdefault(key, []).append((m, group))
    findings = []
    for (path, ecosystem, name, rule), items in by_identity.items():
        items.sort(key=lambda it: it[0].dependency.line)
        first, group = items[0]
        dep = first.dependency
        ids = {i for _, g in items for i in _group_ids(g)}
        aliases = tuple(sorted(ids - {rule}, key=_id_rank))
        severity = max((osv_match.severity_of(a) for _, g in items for a in g), default=Severity.MEDIUM)
        versions = sorted({str(m.dependency.version) for m, _ in items})
        fix = _fix_for(ecosystem, [(m, g) for m, g in items])
        summary = _summary(group)
        cwe = tuple(sorted({c for _, g in items for a in g for c in osv_match.cwe_ids(a)}))
        shown = ", ".join(versions)
        title = f"{dep.name} {shown}: {summary or rule}"[:250]
        also = f" (also {', '.join(aliases)})" if aliases else ""
        advice = (
            f"Upgrade {dep.name} to {fix} or later."
            if fix
            else "No fixed version is published; remove the package or dismiss with a reason."
        )
        message = f"{dep.name} {shown} in {path} is affected by {rule}{also}. {advice}"
        findings.append(
            Finding(
                scanner="dependencies",
                rule=rule,
                severity=severity,
                title=title,
                message=message,
                path=path,
                line=dep.line,
                end_line=dep.line,
                fingerprint=dependency_fingerprint(ecosystem, name, rule, path),
                new=any(m.new for m, _ in items),
                fix=f"upgrade to {fix}" if fix else None,
                cwe=cwe,
                references=_references([a for _, g in items for a in g], rule),
                package=Package(ecosystem, dep.name, str(dep.version)),
                aliases=aliases,
            )
        )
    return findings


def _summary(group: Sequence[Advisory]) -> str:
    """An advisory's summary, else the first sentence of its details (shortened)."""
    for adv in group:
        if adv.get("summary"):
            return " ".join(str(adv["summary"]).split())
    for adv in group:
        details = " ".join(str(adv.get("details") or "").split())
        if details:
            sentence = re.split(r"(?<=[.!?])\s", details, maxsplit=1)[0]
            return sentence if len(sentence) <= 120 else sentence[:119].rstrip() + "…"
    return ""


def _fix_for(ecosystem: str, items: Sequence[tuple[Match, list[Advisory]]]) -> str | None:
    """The version that fixes every advisory of the group for every listed version: per
    advisory and version the lowest fixed version above it, then the highest of those."""
    needed: list[str] = []
    for m, group in items:
        current = str(m.dependency.version)
        for adv in group:
            fixes = m.fixes.get(str(adv["id"]), ())
            lowest = osv_match.lowest_fix_above(ecosystem, current, fixes)
            if lowest is None:
                return None
            needed.append(lowest)
    return osv_match.highest(ecosystem, needed)
