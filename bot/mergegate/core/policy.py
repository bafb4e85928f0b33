"""The policy a repository commits in `.mergegate.yml`, as values with their defaults.

Parsing (with file:line:column errors) lives in `policy_parse`; this module is the model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from mergegate.core.findings import Severity

POLICY_PATHS: tuple[str, ...] = (".mergegate.yml", ".github/mergegate.yml")
ORG_POLICY_PATH = "mergegate/policy.yml"

ScannerErrorMode = Literal["fail", "neutral", "pass"]
UnscannedMode = Literal["fail", "warn"]
UnknownLicenseMode = Literal["block", "warn", "allow"]
# Kubernetes Pod Security Standards level the deploy scanner enforces.
PodSecurityLevel = Literal["privileged", "baseline", "restricted"]
POD_SECURITY_LEVELS: tuple[PodSecurityLevel, ...] = ("privileged", "baseline", "restricted")
DISMISS_REASONS: tuple[str, ...] = ("false-positive", "wont-fix", "test-code", "accepted-risk")
ROLES: tuple[str, ...] = ("read", "triage", "write", "maintain", "admin")

# ``None`` as a threshold means "never block".
Threshold = Severity | None


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """A dependency advisory ignored by policy, until it expires."""

    id: str
    reason: str
    expires: dt.date | None = None

    def active(self, today: dt.date) -> bool:
        return self.expires is None or today <= self.expires


@dataclass(frozen=True, slots=True)
class SastPolicy:
    enabled: bool = True
    rules: tuple[str, ...] = ()
    exclude_rules: tuple[str, ...] = ()
    block_on: Threshold | Literal["inherit"] = "inherit"


@dataclass(frozen=True, slots=True)
class SecretsPolicy:
    enabled: bool = True
    baseline: str = ".secrets.baseline"
    block_on: Threshold | Literal["inherit"] = "inherit"


@dataclass(frozen=True, slots=True)
class DependenciesPolicy:
    enabled: bool = True
    block_on: Threshold | Literal["inherit"] = "inherit"
    ignore: tuple[IgnoreRule, ...] = ()


@dataclass(frozen=True, slots=True)
class LicensesPolicy:
    enabled: bool = True
    allow: tuple[str, ...] | None = None
    deny: tuple[str, ...] = ()
    unknown: UnknownLicenseMode = "warn"
    packages: Mapping[str, str] = field(default_factory=dict)
    block_on: Threshold | Literal["inherit"] = "inherit"


@dataclass(frozen=True, slots=True)
class EnvironmentPolicy:
    require_checks: tuple[str, ...] = ()
    require_clean: bool = True
    region: str | None = None


@dataclass(frozen=True, slots=True)
class DeployPolicy:
    enabled: bool = True
    manifests: tuple[str, ...] | None = None
    allowed_ports: tuple[int, ...] | None = None
    allowed_registries: tuple[str, ...] | None = None
    forbidden_regions: tuple[str, ...] = ()
    allow_latest: bool = False
    allow_mutable_tags: bool = True
    pod_security: PodSecurityLevel = "baseline"
    environments: Mapping[str, EnvironmentPolicy] = field(default_factory=dict)
    block_on: Threshold | Literal["inherit"] = "inherit"

    def environment(self, name: str) -> EnvironmentPolicy:
        """The policy of a deployment environment; unnamed ones need a clean verdict."""
        return self.environments.get(name, EnvironmentPolicy())


@dataclass(frozen=True, slots=True)
class ExternalToolPolicy:
    """Overrides for one external tool's findings (`external.tools.<tool>`)."""

    enabled: bool = True
    block_on: Threshold | Literal["inherit"] = "inherit"


DEFAULT_EXTERNAL_ARTIFACTS: tuple[str, ...] = ("**/*.sarif", "gl-*-report.json")


@dataclass(frozen=True, slots=True)
class ExternalPolicy:
    """Results of other scanners (SARIF, GitLab reports): findings of scanner `external:<tool>`.

    A tool's `block_on` overrides `external.block_on`, which overrides the global one.
    """

    enabled: bool = True
    artifacts: tuple[str, ...] = DEFAULT_EXTERNAL_ARTIFACTS
    block_on: Threshold | Literal["inherit"] = "inherit"
    tools: Mapping[str, ExternalToolPolicy] = field(default_factory=dict)

    def tool(self, name: str) -> ExternalToolPolicy:
        return self.tools.get(name.lower(), ExternalToolPolicy())


EXTERNAL_PREFIX = "external:"


@dataclass(frozen=True, slots=True)
class DismissPolicy:
    allowed: tuple[str, ...] = ("maintain", "admin")
    require_reason: bool = True
    max_days: int = 90
    self_dismiss: bool = False


@dataclass(frozen=True, slots=True)
class RiskPolicy:
    block_at: Literal["low", "medium", "high"] | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    version: int = 1
    block_on: Threshold = Severity.HIGH
    new_findings_only: bool = True
    on_scanner_error: ScannerErrorMode = "fail"
    # content that could not be (fully) scanned: a blocking note, or only a warning
    on_unscanned: UnscannedMode = "fail"
    paths_ignore: tuple[str, ...] = ()
    sast: SastPolicy = field(default_factory=SastPolicy)
    secrets: SecretsPolicy = field(default_factory=SecretsPolicy)
    dependencies: DependenciesPolicy = field(default_factory=DependenciesPolicy)
    licenses: LicensesPolicy = field(default_factory=LicensesPolicy)
    deploy: DeployPolicy = field(default_factory=DeployPolicy)
    dismiss: DismissPolicy = field(default_factory=DismissPolicy)
    external: ExternalPolicy = field(default_factory=ExternalPolicy)
    risk: RiskPolicy = field(default_factory=RiskPolicy)
    # Only in an organization policy: the keys repositories cannot weaken (dotted paths).
    enforce: tuple[str, ...] = ()

    def scanner_enabled(self, scanner: str) -> bool:
        if scanner.startswith(EXTERNAL_PREFIX):
            tool = scanner.removeprefix(EXTERNAL_PREFIX)
            return self.external.enabled and self.external.tool(tool).enabled
        section = getattr(self, scanner, None)
        return bool(getattr(section, "enabled", True))

    def threshold_for(self, scanner: str) -> Threshold:
        """The lowest blocking severity for a scanner's findings (its own or the global one).

        For `external:<tool>`: the tool's override, else `external.block_on`, else the global.
        """
        if scanner.startswith(EXTERNAL_PREFIX):
            tool = self.external.tool(scanner.removeprefix(EXTERNAL_PREFIX))
            for choice in (tool.block_on, self.external.block_on):
                if not isinstance(choice, str):
                    return choice
            return self.block_on
        section = getattr(self, scanner, None)
        own: Threshold | str = getattr(section, "block_on", "inherit")
        if isinstance(own, str):
            return self.block_on
        return own


DEFAULT_POLICY = Policy()


def threshold_label(threshold: Threshold) -> str:
    return "never" if threshold is None else threshold.label
