"""CycloneDX 1.6 JSON of the packages a repository's lockfiles pin, with purls, licenses and,
optionally, the advisories that affect them.

`repository_inventory` reads every lockfile under a folder (never running project code);
`build_bom` is pure: inventory, licenses and findings in, a `Bom` out.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from cyclonedx.model import Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from license_expression import LicenseSymbol
from packageurl import PackageURL

from mergegate import __version__
from mergegate.core.findings import Finding, Severity
from mergegate.scanners.dependencies import lockfiles
from mergegate.scanners.dependencies.inventory import Inventory, collect
from mergegate.scanners.dependencies.model import (
    CARGO,
    GO,
    MAVEN,
    NPM,
    NUGET,
    PACKAGIST,
    PYPI,
    RUBYGEMS,
    Dependency,
    normalize_name,
)
from mergegate.scanners.licenses.expression import licensing
from mergegate.scanners.licenses.expression import parse as parse_license
from mergegate.workspace import CandidateFile, Workspace, build_workspace

SKIPPED_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".hg"})
_PURL_TYPES = {
    PYPI: "pypi",
    NPM: "npm",
    GO: "golang",
    CARGO: "cargo",
    RUBYGEMS: "gem",
    PACKAGIST: "composer",
    MAVEN: "maven",
    NUGET: "nuget",
}
_SEVERITIES = {
    Severity.CRITICAL: VulnerabilitySeverity.CRITICAL,
    Severity.HIGH: VulnerabilitySeverity.HIGH,
    Severity.MEDIUM: VulnerabilitySeverity.MEDIUM,
    Severity.LOW: VulnerabilitySeverity.LOW,
    Severity.INFO: VulnerabilitySeverity.INFO,
}


def repository_workspace(root: Path, max_file_bytes: int = 16 * 1024 * 1024) -> Workspace:
    """A full (not diff-aware) workspace of every lockfile under `root`."""
    candidates: list[CandidateFile] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in files:
            rel = (Path(folder) / name).relative_to(root).as_posix()
            if lockfiles.is_lockfile(rel):
                candidates.append(CandidateFile(rel, "unchanged"))
    return build_workspace(root, candidates, diff_aware=False, max_file_bytes=max_file_bytes)


def repository_inventory(root: Path) -> Inventory:
    return collect(repository_workspace(root), "sbom")


def purl(dep: Dependency) -> PackageURL:
    kind = _PURL_TYPES[dep.ecosystem]
    namespace: str | None = None
    name = dep.name
    if kind == "pypi":
        name = dep.key[1]
    elif kind == "maven" and ":" in name:
        namespace, name = name.split(":", 1)
    elif kind in ("npm", "golang", "composer") and "/" in name:
        namespace, name = name.rsplit("/", 1)
    return PackageURL(type=kind, namespace=namespace, name=name, version=dep.version)


def _licenses(text: str | None) -> list[DisjunctiveLicense | LicenseExpression]:
    if not text:
        return []
    expr = parse_license(text)
    if expr is not None and "LicenseRef-" in text:
        return [LicenseExpression(text.strip())]  # as the policy or package wrote it
    if expr is None or licensing().unknown_license_keys(expr):
        return [DisjunctiveLicense(name=text)]
    if isinstance(expr, LicenseSymbol) and not str(expr).startswith("LicenseRef-"):
        return [DisjunctiveLicense(id=str(expr))]
    return [LicenseExpression(str(expr))]


def build_bom(
    inventory: Inventory,
    project: str,
    licenses: Mapping[Dependency, str | None] | None = None,
    findings: Sequence[Finding] = (),
) -> Bom:
    """One component per package and version (its places as properties); a vulnerability
    per dependency finding, pointing at the component it affects."""
    bom = Bom()
    root = Component(type=ComponentType.APPLICATION, name=project, bom_ref=f"project:{project}")
    bom.metadata.component = root
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="mergegate", version=__version__)
    )
    by_key: dict[tuple[str, str, str | None], Component] = {}
    direct: list[Component] = []
    for dep in inventory.dependencies:
        component = by_key.get(dep.key)
        if component is None:
            p = purl(dep)
            props = [] if dep.version else [Property(name="mergegate:unpinned", value=str(dep.spec))]
            component = Component(
                type=ComponentType.LIBRARY,
                name=dep.name,
                version=dep.version,
                purl=p,
                bom_ref=p.to_string() if dep.version else f"{p.to_string()}@unpinned",
                licenses=_licenses((licenses or {}).get(dep, dep.license)),
                properties=props,
            )
            by_key[dep.key] = component
            bom.components.add(component)
        component.properties.add(Property(name="mergegate:location", value=f"{dep.path}:{dep.line}"))
        if dep.direct and component not in direct:
            direct.append(component)
    bom.register_dependency(root, direct)
    for f in findings:
        if f.package is None:
            continue
        pkg = f.package
        target = by_key.get((pkg.ecosystem, normalize_name(pkg.ecosystem, pkg.name), pkg.version))
        vuln_id = f.rule
        existing = next((v for v in bom.vulnerabilities if v.id == vuln_id), None)
        if existing is None:
            existing = Vulnerability(
                bom_ref=vuln_id,
                id=vuln_id,
                source=VulnerabilitySource(name="OSV", url=XsUri(f"https://osv.dev/vulnerability/{vuln_id}")),
                references=[
                    VulnerabilityReference(id=a, source=VulnerabilitySource(name="OSV")) for a in f.aliases
                ],
                ratings=[VulnerabilityRating(severity=_SEVERITIES[f.severity])],
                cwes=[int(c.split("-", 1)[1]) for c in f.cwe if c.split("-", 1)[-1].isdigit()],
                description=f.title,
                recommendation=f.fix,
            )
            bom.vulnerabilities.add(existing)
        if target is not None:
            existing.affects.add(BomTarget(ref=str(target.bom_ref.value)))
    return bom


def render_bom(bom: Bom) -> str:
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"
