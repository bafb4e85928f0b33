"""Parse `.mergegate.yml` into a `Policy`, with every error at its file:line:column.

Parsing never raises on bad input: it returns a `PolicyLoad` whose `errors` say what is wrong
and whose `policy` is the safe default, so a broken file becomes a failing check, not a crash.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from mergegate.core.findings import SCANNERS, Severity
from mergegate.core.globs import GlobError, compile_glob
from mergegate.core.policy import (
    DEFAULT_POLICY,
    POD_SECURITY_LEVELS,
    DependenciesPolicy,
    DeployPolicy,
    DismissPolicy,
    EnvironmentPolicy,
    ExternalPolicy,
    ExternalToolPolicy,
    IgnoreRule,
    LicensesPolicy,
    Policy,
    RiskPolicy,
    SastPolicy,
    SecretsPolicy,
    threshold_label,
)

MAX_POLICY_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class PolicyError:
    path: str
    line: int
    column: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class PolicyLoad:
    policy: Policy
    errors: tuple[PolicyError, ...] = ()
    source: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


DEFAULT_LOAD = PolicyLoad(DEFAULT_POLICY, (), None)


class _Invalid(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[PolicyError] = []
        self._constructor = yaml.SafeLoader("")

    def error(self, node: yaml.Node, key: str, message: str) -> None:
        mark = node.start_mark
        self.errors.append(PolicyError(self.source, mark.line + 1, mark.column + 1, key, message))

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
            raise _Invalid(node, f"expected a single value, got {kind}")
        try:
            return self._constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError):
            raise _Invalid(node, f"invalid value {node.value!r}") from None

    # value readers: each returns the parsed value or raises _Invalid at the node
    def boolean(self, node: yaml.Node) -> bool:
        value = self.scalar(node)
        if not isinstance(value, bool):
            raise _Invalid(node, f"expected true or false, got {value!r}")
        return value

    def string(self, node: yaml.Node) -> str:
        value = self.scalar(node)
        if not isinstance(value, str) or not value.strip():
            raise _Invalid(node, f"expected a non-empty string, got {value!r}")
        return value

    def integer(self, node: yaml.Node, low: int, high: int) -> int:
        value = self.scalar(node)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(node, f"expected an integer, got {value!r}")
        if not low <= value <= high:
            raise _Invalid(node, f"expected an integer from {low} to {high}, got {value}")
        return value

    def choice(self, node: yaml.Node, options: tuple[str, ...]) -> str:
        value = self.scalar(node)
        if not isinstance(value, str) or value.lower() not in options:
            raise _Invalid(node, f"expected one of {'|'.join(options)}, got {value!r}")
        return value.lower()

    def threshold(self, node: yaml.Node) -> Severity | None:
        value = self.scalar(node)
        if isinstance(value, str) and value.lower() == "never":
            return None
        try:
            return Severity.parse(str(value))
        except ValueError:
            raise _Invalid(
                node, f"expected critical|high|medium|low|info|never, got {value!r}"
            ) from None

    def date(self, node: yaml.Node) -> dt.date:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":timestamp"):
            try:
                return dt.date.fromisoformat(str(node.value)[:10])
            except ValueError:
                raise _Invalid(node, f"expected a date YYYY-MM-DD, got {node.value!r}") from None
        value = self.scalar(node)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise _Invalid(node, f"expected a date YYYY-MM-DD, got {value!r}")

    def glob(self, node: yaml.Node) -> str:
        value = self.string(node)
        try:
            compile_glob(value)
        except GlobError as exc:
            raise _Invalid(node, str(exc)) from None
        return value

    def items(self, node: yaml.Node, read: Callable[[yaml.Node], Any], key: str) -> tuple[Any, ...]:
        return self.keyed_items(node, lambda n, k: read(n), key)

    def keyed_items(
        self, node: yaml.Node, read: Callable[[yaml.Node, str], Any], key: str
    ) -> tuple[Any, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise _Invalid(node, "expected a list")
        out = []
        for i, item in enumerate(node.value):
            try:
                out.append(read(item, f"{key}[{i}]"))
            except _Invalid as exc:
                self.error(exc.node, f"{key}[{i}]", exc.message)
        return tuple(out)

    def mapping(
        self, node: yaml.Node, key: str, fields: dict[str, Callable[[yaml.Node, str], Any]]
    ) -> dict[str, Any]:
        """Read a mapping whose keys are known; unknown keys and bad values are errors."""
        if not isinstance(node, yaml.MappingNode):
            raise _Invalid(node, "expected a mapping")
        out: dict[str, Any] = {}
        for k_node, v_node in node.value:
            name = k_node.value if isinstance(k_node, yaml.ScalarNode) else None
            dotted = f"{key}.{name}" if key else str(name)
            if name not in fields:
                known = ", ".join(sorted(fields))
                self.error(k_node, dotted, f"unknown key (known keys: {known})")
                continue
            if name in out:
                self.error(k_node, dotted, "duplicate key")
                continue
            try:
                out[name] = fields[name](v_node, dotted)
            except _Invalid as exc:
                self.error(exc.node, dotted, exc.message)
        return out

    def section(
        self, node: yaml.Node, key: str, fields: dict[str, Callable[[yaml.Node, str], Any]]
    ) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return {}
        return self.mapping(node, key, fields)


def _no_aliases(text: str, source: str) -> PolicyError | None:
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            m = event.start_mark
            line, col = (m.line + 1, m.column + 1) if m is not None else (1, 1)
            return PolicyError(source, line, col, "", "YAML aliases are not allowed")
    return None


def parse_policy(text: str, source: str = ".mergegate.yml") -> PolicyLoad:
    """Parse a policy file's text; never raises for bad content."""
    if len(text.encode("utf-8", "replace")) > MAX_POLICY_BYTES:
        return PolicyLoad(
            DEFAULT_POLICY,
            (PolicyError(source, 1, 1, "", f"file is larger than {MAX_POLICY_BYTES} bytes"),),
            source,
        )
    try:
        alias_error = _no_aliases(text, source)
        if alias_error:
            return PolicyLoad(DEFAULT_POLICY, (alias_error,), source)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        return PolicyLoad(
            DEFAULT_POLICY, (PolicyError(source, line, col, "", f"invalid YAML: {problem}"),), source
        )
    except yaml.YAMLError as exc:
        return PolicyLoad(
            DEFAULT_POLICY, (PolicyError(source, 1, 1, "", f"invalid YAML: {exc}"),), source
        )
    if root is None:
        return PolicyLoad(DEFAULT_POLICY, (), source)
    p = _Parser(source)
    try:
        policy = _read_policy(p, root)
    except _Invalid as exc:
        p.error(exc.node, "", f"the policy must be a mapping of keys ({exc.message})")
    if p.errors:
        return PolicyLoad(DEFAULT_POLICY, tuple(p.errors), source)
    return PolicyLoad(policy, (), source)


# --- The policy's keys, as data: the parser reads with it, and the JSON Schema, `init` and
# docs/policy.md are generated from it (mergegate.policy_reference), so they cannot drift.


class Kind:
    """The type of a key's value: how to read it, its JSON Schema, and its default as YAML."""

    doc = "value"

    def read(self, p: _Parser, node: yaml.Node, key: str) -> Any:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def yaml(self, value: Any) -> Any:
        """A model value (a default) as the YAML value that parses to it; None: not shown."""
        return value


class Bool(Kind):
    doc = "boolean"

    def read(self, p: _Parser, node: yaml.Node, key: str) -> bool:
        return p.boolean(node)

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


class Text(Kind):
    doc = "string"

    def read(self, p: _Parser, node: yaml.Node, key: str) -> str:
        return p.string(node)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1}


class Glob(Text):
    doc = "glob"

    def read(self, p: _Parser, node: yaml.Node, key: str) -> str:
        return p.glob(node)


class Int(Kind):
    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high
        self.doc = f"integer {low}..{high}" if low != high else f"{low}"

    def read(self, p: _Parser, node: yaml.Node, key: str) -> int:
        return p.integer(node, self.low, self.high)

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.low, "maximum": self.high}


class Choice(Kind):
    def __init__(self, *options: str) -> None:
        self.options = options
        self.doc = "|".join(options)

    def read(self, p: _Parser, node: yaml.Node, key: str) -> str:
        return p.choice(node, self.options)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.options)}


THRESHOLDS: tuple[str, ...] = (*(s.label for s in sorted(Severity, reverse=True)), "never")


class Threshold(Kind):
    doc = "|".join(THRESHOLDS)

    def read(self, p: _Parser, node: yaml.Node, key: str) -> Severity | None:
        return p.threshold(node)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(THRESHOLDS)}

    def yaml(self, value: Any) -> Any:
        if value == "inherit":
            return None
        return threshold_label(value)


class Date(Kind):
    doc = "date YYYY-MM-DD"

    def read(self, p: _Parser, node: yaml.Node, key: str) -> dt.date:
        return p.date(node)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


class Enforceable(Kind):
    doc = "enforceable key"

    def read(self, p: _Parser, node: yaml.Node, key: str) -> str:
        return _enforce_key(p, node)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(ENFORCEABLE_KEYS)}


class ListOf(Kind):
    def __init__(self, item: Kind) -> None:
        self.item = item
        self.doc = f"list of {item.doc}"

    def read(self, p: _Parser, node: yaml.Node, key: str) -> tuple[Any, ...]:
        return p.keyed_items(node, lambda n, k: self.item.read(p, n, k), key)

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": self.item.schema()}

    def yaml(self, value: Any) -> Any:
        return None if value is None else [self.item.yaml(v) for v in value]


class MapOf(Kind):
    """A mapping whose keys the user names (environments, packages, tools)."""

    def __init__(self, value: Kind, names: str, expected: str, *,
                 lower: bool = False, duplicate: str | None = None) -> None:
        self.value, self.names, self.expected = value, names, expected
        self.lower, self.duplicate = lower, duplicate
        self.doc = f"mapping of {names} to {value.doc}"

    def read(self, p: _Parser, node: yaml.Node, key: str) -> dict[str, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise _Invalid(node, self.expected)
        out: dict[str, Any] = {}
        for kn, vn in node.value:
            try:
                name = p.string(kn)
                if self.lower:
                    name = name.strip().lower()
                value = self.value.read(p, vn, f"{key}.{name}")
            except _Invalid as exc:
                p.error(exc.node, f"{key}.{kn.value}", exc.message)
                continue
            if self.duplicate and name in out:
                p.error(kn, f"{key}.{name}", self.duplicate)
                continue
            out[name] = value
        return out

    def schema(self) -> dict[str, Any]:
        return {"type": "object", "propertyNames": {"minLength": 1},
                "additionalProperties": self.value.schema()}

    def yaml(self, value: Any) -> Any:
        return {k: self.value.yaml(v) for k, v in value.items()}


@dataclass(frozen=True)
class Key:
    """One key of the policy: its name, type, meaning, an example, and where its default lives
    in the model (`attr` of the section's default object; None: nothing to show)."""

    name: str
    kind: Kind
    description: str
    example: Any = None
    attr: str | None = ""  # "": the same as name
    absent: str | None = None  # what leaving it out means, when the default is not a value

    @property
    def model_attr(self) -> str | None:
        return self.name if self.attr == "" else self.attr


class Section(Kind):
    """A mapping of known keys; unknown keys and bad values are errors at their place."""

    doc = "mapping"

    def __init__(self, keys: tuple[Key, ...], default: Any, build: Callable[[dict[str, Any]], Any],
                 *, required: tuple[tuple[str, str], ...] = (), nullable: bool = True) -> None:
        self.keys, self.default, self.build = keys, default, build
        self.required, self.nullable = required, nullable

    def read(self, p: _Parser, node: yaml.Node, key: str) -> Any:
        fields: dict[str, Callable[[yaml.Node, str], Any]] = {
            k.name: functools.partial(k.kind.read, p) for k in self.keys}
        values = p.section(node, key, fields) if self.nullable else p.mapping(node, key, fields)
        for name, message in self.required:
            if name not in values:
                raise _Invalid(node, message)
        return self.build(values)

    def schema(self) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for k in self.keys:
            prop = {"description": k.description, **k.kind.schema()}
            default = self.default_of(k)
            if default is not None:
                prop["default"] = default
            properties[k.name] = prop
        out: dict[str, Any] = {"type": ["object", "null"] if self.nullable else "object",
                               "additionalProperties": False, "properties": properties}
        if self.required:
            out["required"] = [name for name, _ in self.required]
        return out

    def default_of(self, key: Key) -> Any:
        """The key's default as YAML (None when absence means something else)."""
        if key.model_attr is None or self.default is None or isinstance(key.kind, Section):
            return None
        return key.kind.yaml(getattr(self.default, key.model_attr))


@dataclass(frozen=True)
class _Paths:
    ignore: tuple[str, ...] = DEFAULT_POLICY.paths_ignore


def _risk(values: dict[str, Any]) -> RiskPolicy:
    return RiskPolicy() if values.get("block_at") == "never" else RiskPolicy(**values)


def _policy(values: dict[str, Any]) -> Policy:
    paths = values.pop("paths", None)
    if paths is not None:
        values["paths_ignore"] = paths.ignore
    return Policy(**values)


_STRINGS = ListOf(Text())
_GLOBS = ListOf(Glob())
_BLOCK_ON = Key("block_on", Threshold(), "this scanner's lowest blocking severity",
                "critical", absent="the top-level block_on")
_ENABLED = Key("enabled", Bool(), "run this scanner", False)
_D = DEFAULT_POLICY

POLICY = Section(default=_D, build=_policy, nullable=False, keys=(
    Key("version", Int(1, 1), "the policy format's version", 1),
    Key("block_on", Threshold(), "lowest blocking severity", "medium"),
    Key("new_findings_only", Bool(), "only findings introduced by the change block", False),
    Key("on_scanner_error", Choice("fail", "neutral", "pass"),
        "what a scanner that could not finish does to the check", "neutral"),
    Key("on_unscanned", Choice("fail", "warn"),
        "content that could not be (fully) scanned: a blocking note, or only a warning", "warn"),
    Key("paths", Section(default=_Paths(), build=lambda v: _Paths(**v), keys=(
        Key("ignore", _GLOBS, "globs of paths whose findings are left out (** spans folders)",
            ["vendor/**", "tests/fixtures/**"]),
    )), "paths the gate leaves out"),
    Key("sast", Section(default=_D.sast, build=lambda v: SastPolicy(**v), keys=(
        _ENABLED,
        Key("rules", _STRINGS, "extra Semgrep rule files in the repository (read from the base)",
            ["ci/semgrep/our-rules.yml"]),
        Key("exclude_rules", _STRINGS, "rule ids not to run",
            ["mergegate.python.insecure-randomness"]),
        _BLOCK_ON,
    )), "Semgrep SAST with MergeGate's rules"),
    Key("secrets", Section(default=_D.secrets, build=lambda v: SecretsPolicy(**v), keys=(
        _ENABLED,
        Key("baseline", Text(), "detect-secrets baseline of known secrets (read from the base)",
            "security/secrets.baseline"),
        _BLOCK_ON,
    )), "credentials on added lines"),
    Key("dependencies", Section(default=_D.dependencies,
                                build=lambda v: DependenciesPolicy(**v), keys=(
        _ENABLED,
        _BLOCK_ON,
        Key("ignore", ListOf(Section(
            default=None, nullable=False,
            build=lambda v: IgnoreRule(v["id"], v["reason"], v.get("expires")),
            required=(("id", "an ignore entry needs an id"),
                      ("reason", "an ignore entry needs a reason")),
            keys=(
                Key("id", Text(), "advisory id or alias (GHSA, CVE, PYSEC…)",
                    "GHSA-xxxx-xxxx-xxxx"),
                Key("reason", Text(), "why it is ignored", "not reachable"),
                Key("expires", Date(), "the last day it is ignored (absent: for good)",
                    "2027-01-31"),
            ))), "advisories not to report",
            [{"id": "GHSA-xxxx-xxxx-xxxx", "reason": "not reachable", "expires": "2027-01-31"}]),
    )), "lockfiles and manifests against OSV advisories"),
    Key("licenses", Section(default=_D.licenses, build=lambda v: LicensesPolicy(**v), keys=(
        _ENABLED,
        Key("allow", _STRINGS, "SPDX licenses allowed", ["MIT", "Apache-2.0", "BSD-3-Clause"],
            absent="everything not denied is allowed"),
        Key("deny", _STRINGS, "SPDX licenses denied (deny beats allow)", ["AGPL-3.0-or-later"]),
        Key("unknown", Choice("block", "warn", "allow"),
            "what a dependency whose license could not be resolved does", "block"),
        Key("packages", MapOf(Text(), "package names", "expected a mapping of package name to "
                              "SPDX expression"),
            "license overrides per package, which win", {"some-lib": "LicenseRef-Commercial"}),
        _BLOCK_ON,
    )), "each dependency's SPDX license"),
    Key("deploy", Section(default=_D.deploy, build=lambda v: DeployPolicy(**v), keys=(
        _ENABLED,
        Key("manifests", _GLOBS, "where deployment manifests are", ["k8s/**", "deploy/**"],
            absent="manifests are detected anywhere"),
        _BLOCK_ON,
        Key("allowed_ports", ListOf(Int(1, 65535)), "ports a service may expose", [443],
            absent="no port restriction"),
        Key("allowed_registries", _STRINGS, "image registry prefixes allowed", ["ghcr.io/acme/"],
            absent="any registry"),
        Key("forbidden_regions", _STRINGS, "cloud regions nothing may be deployed to",
            ["cn-north-1"]),
        Key("allow_latest", Bool(), "allow images tagged :latest or with no tag", True),
        Key("allow_mutable_tags", Bool(), "allow tags; false requires a digest", False),
        Key("pod_security", Choice(*POD_SECURITY_LEVELS),
            "Kubernetes Pod Security Standards level enforced", "restricted"),
        Key("environments", MapOf(
            Section(default=EnvironmentPolicy(), build=lambda v: EnvironmentPolicy(**v), keys=(
                Key("require_checks", _STRINGS, "checks that must have passed", ["tests"]),
                Key("require_clean", Bool(), "the commit's verdict must be clean", False),
                Key("region", Text(), "the environment's region (for forbidden_regions)",
                    "eu-west-1"),
            )), "environment names", "expected a mapping of environment names"),
            "the promotion gate per deployment environment (others need a clean verdict)",
            {"production": {"require_checks": ["tests"], "require_clean": True}}),
    )), "Kubernetes, Compose, Dockerfile and Terraform policies"),
    Key("dismiss", Section(default=_D.dismiss, build=lambda v: DismissPolicy(**v), keys=(
        Key("allowed", _STRINGS, "who may dismiss: a GitHub permission / GitLab role, or @team",
            ["maintain", "admin", "@acme/security"]),
        Key("require_reason", Bool(), "a dismissal must give a reason", False),
        Key("max_days", Int(1, 3650), "a dismissal's `until` is at most this far away", 30),
        Key("self_dismiss", Bool(),
            "a change's author may dismiss blocking findings in their own change", True),
    )), "who may dismiss findings with /mergegate dismiss"),
    Key("external", Section(default=_D.external, build=lambda v: ExternalPolicy(**v), keys=(
        Key("enabled", Bool(), "judge other tools' SARIF and GitLab reports", False),
        Key("artifacts", _GLOBS, "files in CI artifacts read as external results, matched "
            "as artifact/path (GitLab: job/path, or the path)",
            ["trivy-results/**"]),
        _BLOCK_ON,
        Key("tools", MapOf(
            Section(default=ExternalToolPolicy(), build=lambda v: ExternalToolPolicy(**v), keys=(
                Key("enabled", Bool(), "judge this tool's results", False),
                Key("block_on", Threshold(), "this tool's lowest blocking severity", "critical",
                    absent="external.block_on"),
            )), "tool names", "expected a mapping of tool name to {block_on, enabled}",
            lower=True, duplicate="duplicate tool"),
            "per-tool settings, by the tool's name in its report",
            {"trivy": {"block_on": "critical"}}),
    )), "results of other scanners (SARIF, GitLab security reports)"),
    Key("risk", Section(default=_D.risk, build=_risk, keys=(
        Key("block_at", Choice("low", "medium", "high", "never"),
            "the release-risk level that blocks", "high", attr=None, absent="never"),
    )), "release risk of a change"),
    Key("enforce", ListOf(Enforceable()),
        "organization policy only: keys repositories cannot weaken",
        ["block_on", "secrets.enabled", "licenses.deny"]),
))


def _read_policy(p: _Parser, root: yaml.Node) -> Policy:
    policy: Policy = POLICY.read(p, root, "")
    return policy


ENFORCEABLE_KEYS: tuple[str, ...] = (
    "block_on", "new_findings_only", "on_scanner_error", "on_unscanned", "paths.ignore",
    "dismiss", *(f"{s}.enabled" for s in SCANNERS),
    *(f"{s}.block_on" for s in SCANNERS),
    "dependencies.ignore", "licenses.allow", "licenses.deny", "licenses.unknown",
    "licenses.packages", "deploy.allowed_ports", "deploy.allowed_registries",
    "deploy.forbidden_regions", "deploy.allow_latest", "deploy.allow_mutable_tags",
    "deploy.pod_security", "deploy.environments", "risk.block_at",
    "external.enabled", "external.block_on",
)


def _enforce_key(p: _Parser, node: yaml.Node) -> str:
    value = p.string(node)
    if value not in ENFORCEABLE_KEYS:
        raise _Invalid(node, f"{value!r} cannot be enforced (enforceable: {', '.join(ENFORCEABLE_KEYS)})")
    return value
