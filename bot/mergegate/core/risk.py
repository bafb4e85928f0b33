"""Release risk of a change: a level with the reasons that led to it.

`assess_risk` is pure: it scores the new findings by severity, the sensitive areas the change
touches (auth, crypto, CI workflows, Dockerfiles, deployment manifests, the policy file,
CODEOWNERS), dependency files, the size of the change and new outbound hosts. The level is
``high`` from 50 points or with any new critical finding, ``medium`` from 20, else ``low``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from mergegate.core.findings import Finding, Severity

RiskLevel = Literal["low", "medium", "high"]
RISK_LEVELS: tuple[RiskLevel, ...] = ("low", "medium", "high")

MEDIUM_AT = 20
HIGH_AT = 50
SEVERITY_POINTS: dict[Severity, int] = {
    Severity.CRITICAL: 50,
    Severity.HIGH: 20,
    Severity.MEDIUM: 8,
    Severity.LOW: 2,
    Severity.INFO: 0,
}
DEPENDENCY_POINTS = 10
HOST_POINTS = 10
MAX_HOST_POINTS = 30
# (lines changed at least, points, label)
SIZE_STEPS: tuple[tuple[int, int, str], ...] = (
    (1000, 30, "very large change"),
    (500, 20, "large change"),
    (200, 10, "sizeable change"),
)


@dataclass(frozen=True, slots=True)
class Risk:
    level: RiskLevel
    score: int
    reasons: tuple[str, ...] = ()
    new_hosts: tuple[str, ...] = ()
    lines_added: int = 0
    lines_removed: int = 0


@dataclass(frozen=True, slots=True)
class SensitiveArea:
    name: str
    points: int
    pattern: re.Pattern[str]


def _area(name: str, points: int, pattern: str) -> SensitiveArea:
    return SensitiveArea(name, points, re.compile(pattern, re.IGNORECASE))


SENSITIVE_AREAS: tuple[SensitiveArea, ...] = (
    _area("the MergeGate policy", 25, r"^(?:\.github/)?\.?mergegate\.ya?ml$"),
    _area("CODEOWNERS", 25, r"^(?:\.github/|docs/|\.gitlab/)?CODEOWNERS$"),
    _area(
        "CI workflows", 20,
        r"^(?:\.github/workflows/|\.github/actions/|\.circleci/|\.buildkite/|\.ci/)|"
        r"^(?:\.gitlab-ci\.ya?ml|Jenkinsfile|azure-pipelines\.ya?ml|\.travis\.yml|"
        r"bitbucket-pipelines\.yml)$",
    ),
    _area(
        "authentication", 15,
        r"(?:^|[/_.-])(?:auth(?:n|z|entication|enticators?|orization|orizers?)?|"
        r"login|logout|session|sessions|oauth\w*|oidc|saml|sso|jwt|"
        r"passwords?|permissions?|rbac|acl|credentials?)(?:[/_.-]|$)",
    ),
    _area(
        "cryptography", 15,
        r"(?:^|[/_.-])(?:crypto\w*|tls|ssl|certs?|certificates?|keys?|keystore|cipher\w*|"
        r"encrypt\w*|decrypt\w*|hash\w*|signing|signatures?|kms|secrets?)(?:[/_.-]|$)",
    ),
    _area(
        "Dockerfiles", 10,
        r"(?:^|/)(?:dockerfile|containerfile)(?:\.[^/]*)?$|\.(?:dockerfile|containerfile)$",
    ),
    _area(
        "deployment manifests", 10,
        r"(?:^|/)(?:k8s|kubernetes|manifests|deploy|deployment|helm|charts|kustomize|"
        r"terraform|infra)/|\.tf$|\.tfvars$|(?:^|/)kustomization\.ya?ml$|"
        r"(?:^|/)(?:docker-)?compose(?:[.-][^/]*)?\.ya?ml$",
    ),
)
DEPENDENCY_FILES = frozenset(
    {
        "requirements.txt", "requirements-dev.txt", "constraints.txt", "pyproject.toml",
        "setup.py", "setup.cfg", "pipfile", "pipfile.lock", "poetry.lock", "uv.lock",
        "pdm.lock", "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock",
        "pnpm-lock.yaml", "go.mod", "go.sum", "cargo.toml", "cargo.lock", "gemfile",
        "gemfile.lock", "pom.xml", "build.gradle", "build.gradle.kts", "gradle.lockfile",
        "composer.json", "composer.lock", "packages.lock.json", "mix.exs", "mix.lock",
    }
)


def is_dependency_file(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    return name in DEPENDENCY_FILES or bool(re.match(r"^requirements[\w.-]*\.(?:txt|in)$", name))


def level_for(score: int) -> RiskLevel:
    if score >= HIGH_AT:
        return "high"
    if score >= MEDIUM_AT:
        return "medium"
    return "low"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _shown(paths: list[str], limit: int = 3) -> str:
    more = len(paths) - limit
    return ", ".join(paths[:limit]) + (f" and {more} more" if more > 0 else "")


def assess_risk(
    findings: Iterable[Finding],
    *,
    changed_paths: Iterable[str] = (),
    lines_added: int = 0,
    lines_removed: int = 0,
    new_hosts: Iterable[str] = (),
) -> Risk:
    """The release risk of a change from its facts; only new findings count."""
    score = 0
    reasons: list[str] = []
    counts = Counter(f.severity for f in findings if f.new)
    for severity in sorted(counts, reverse=True):
        points = SEVERITY_POINTS[severity] * counts[severity]
        if points:
            score += points
            reasons.append(_plural(counts[severity], f"new {severity.label} finding"))
    paths = sorted(set(changed_paths))
    for area in SENSITIVE_AREAS:
        touched = [p for p in paths if area.pattern.search(p)]
        if touched:
            score += area.points
            reasons.append(f"touches {area.name} ({_shown(touched)})")
    deps = [p for p in paths if is_dependency_file(p)]
    if deps:
        score += DEPENDENCY_POINTS
        reasons.append(f"changes dependencies ({_shown(deps)})")
    changed = lines_added + lines_removed
    for threshold, points, label in SIZE_STEPS:
        if changed >= threshold:
            score += points
            reasons.append(f"{label}: +{lines_added} -{lines_removed} lines")
            break
    hosts = tuple(sorted(set(new_hosts)))
    if hosts:
        score += min(MAX_HOST_POINTS, HOST_POINTS * len(hosts))
        reasons.append(f"{_plural(len(hosts), 'new outbound host')}: {_shown(list(hosts), 5)}")
    level = level_for(score)
    if counts.get(Severity.CRITICAL):
        level = "high"
    return Risk(level, score, tuple(reasons), hosts, lines_added, lines_removed)
