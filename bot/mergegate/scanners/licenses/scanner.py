"""The `licenses` scanner: each new package's license judged against `licenses:` policy.

A license comes from, in order of precedence: the policy's `licenses.packages` overrides,
the lockfile (npm v2/v3 and composer carry one), the store's cache, then deps.dev (online).
Pre-existing packages of a diff-aware scan are judged only when their license is known
without a network call, and never reported as unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from mergegate.core.findings import Finding, Package, ScanNote, ScanResult, Severity, fingerprint
from mergegate.core.policy import LicensesPolicy, Policy
from mergegate.scanners.dependencies.inventory import collect
from mergegate.scanners.dependencies.model import Dependency, normalize_name
from mergegate.scanners.licenses.expression import (
    UNRESOLVED,
    LicenseJudgement,
    LicenseRules,
    Status,
    judge,
    unknown_policy_entries,
)
from mergegate.workspace import Workspace

if TYPE_CHECKING:
    from mergegate.scanners.licenses.deps_dev import DepsDev

NAME = "licenses"
UNKNOWN_SEVERITY = {"block": Severity.HIGH, "warn": Severity.LOW}


def override_for(dep: Dependency, overrides: Mapping[str, str]) -> str | None:
    """The policy's license for a package: by exact name, then by normalised name."""
    if dep.name in overrides:
        return overrides[dep.name]
    norm = normalize_name(dep.ecosystem, dep.name).lower()
    for key, value in overrides.items():
        if normalize_name(dep.ecosystem, key).lower() == norm:
            return value
    return None


def resolve(
    deps: list[Dependency],
    overrides: Mapping[str, str],
    deps_dev: DepsDev | None,
    *,
    online_for: Callable[[Dependency], bool],
) -> dict[Dependency, str | None]:
    """Each dependency's license text (None: unresolved)."""
    # The deps.dev client (asyncio, aiohttp's URLs) is loaded once there are packages.
    from mergegate.scanners.licenses.deps_dev import Coordinate

    out: dict[Dependency, str | None] = {}
    lookup: dict[Dependency, Coordinate] = {}
    for dep in deps:
        text = override_for(dep, overrides) or dep.license
        if text is not None:
            out[dep] = text
        else:
            lookup[dep] = Coordinate(dep.ecosystem, dep.key[1], str(dep.version))
    if deps_dev is not None and lookup:
        known = deps_dev.cached(list(lookup.values()))
        online = [c for d, c in lookup.items() if c not in known and online_for(d)]
        if online:
            known.update(deps_dev.licenses(online))
        for dep, coord in lookup.items():
            out[dep] = known.get(coord)
    return out


def _finding(dep: Dependency, j: LicenseJudgement, policy: LicensesPolicy, new: bool) -> Finding | None:
    pkg = f"{dep.name} {dep.version}"
    if j.status is Status.DENIED:
        rule, severity = "license-denied", Severity.HIGH
        title = f"{pkg}: license {', '.join(j.culprits)} is denied"
        why = f"its license {j.expression} is denied by licenses.deny"
    elif j.status is Status.NOT_ALLOWED:
        rule, severity = "license-not-allowed", Severity.HIGH
        title = f"{pkg}: license {', '.join(j.culprits)} is not allowed"
        why = f"its license {j.expression} is not in licenses.allow"
    elif j.status is Status.UNKNOWN:
        if policy.unknown == "allow":
            return None
        rule, severity = "license-unknown", UNKNOWN_SEVERITY[policy.unknown]
        if j.expression == UNRESOLVED:
            title = f"{pkg}: license unknown"
            why = "no license was found (lockfile, cache, deps.dev)"
        else:
            title = f"{pkg}: license {j.expression!r} not recognised"
            why = f"its license {j.expression!r} is not a known SPDX expression"
        why += "; set it under licenses.packages if you know it"
    else:
        return None
    return Finding(
        scanner=NAME,
        rule=rule,
        severity=severity,
        title=title[:250],
        message=f"{pkg} in {dep.path}: {why}. Replace the package or change the policy.",
        path=dep.path,
        line=dep.line,
        end_line=dep.line,
        fingerprint=fingerprint(NAME, rule, dep.path, f"{dep.ecosystem}\x1e{dep.name}\x1e{j.expression}"),
        new=new,
        package=Package(dep.ecosystem, dep.name, str(dep.version)),
    )


class LicenseScanner:
    name = NAME

    def __init__(self, deps_dev: Callable[[], DepsDev | None]) -> None:
        # A factory: a scan without lockfiles opens no store and contacts nobody.
        self._deps_dev_factory = deps_dev
        self._deps_dev: DepsDev | None = None
        self._made = False

    def deps_dev(self) -> DepsDev | None:
        if not self._made:
            self._deps_dev, self._made = self._deps_dev_factory(), True
        if self._deps_dev is not None:
            self._deps_dev.problem = None
        return self._deps_dev

    def scan(self, workspace: Workspace, policy: Policy) -> ScanResult:
        inv = collect(workspace, NAME)
        result = ScanResult(errors=list(inv.errors))
        deps = [d for d in inv.dependencies if d.version is not None]
        if not deps:
            return result
        lp = policy.licenses
        rules = LicenseRules.from_policy(lp.allow, lp.deny)
        for key, entries in (("allow", lp.allow or ()), ("deny", lp.deny)):
            for entry in unknown_policy_entries(entries):
                result.notes.append(ScanNote(f"licenses.{key}: {entry!r} is not a known SPDX license id"))
        deps_dev = self.deps_dev()
        licenses = resolve(deps, lp.packages, deps_dev, online_for=inv.is_new)
        if deps_dev is not None and deps_dev.problem:
            result.notes.append(ScanNote(f"licenses of some packages are unknown: {deps_dev.problem}"))
        seen: set[str] = set()
        for dep in deps:
            new = inv.is_new(dep)
            j = judge(licenses.get(dep), rules)
            if not new and j.status is Status.UNKNOWN:
                continue
            f = _finding(dep, j, lp, new)
            if f is None or f.fingerprint in seen:
                continue
            seen.add(f.fingerprint)
            result.findings.append(f)
        return result
