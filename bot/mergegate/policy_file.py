"""Parse `.mergegate.yml` into a `Policy`, with every error at its file:line:column.

Parsing never raises on bad input: it returns a `PolicyLoad` whose `errors` say what is wrong
and whose `policy` is the safe default, so a broken file becomes a failing check, not a crash.
"""

from __future__ import annotations

import datetime as dt
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


def _read_policy(p: _Parser, root: yaml.Node) -> Policy:
    def ignore_rule(node: yaml.Node, key: str) -> IgnoreRule:
        v = p.mapping(node, key, {
            "id": lambda n, k: p.string(n),
            "reason": lambda n, k: p.string(n),
            "expires": lambda n, k: p.date(n),
        })
        if "id" not in v:
            raise _Invalid(node, "an ignore entry needs an id")
        if "reason" not in v:
            raise _Invalid(node, "an ignore entry needs a reason")
        return IgnoreRule(v["id"], v["reason"], v.get("expires"))

    def strings(n: yaml.Node, k: str) -> tuple[str, ...]:
        return p.items(n, p.string, k)

    def globs(n: yaml.Node, k: str) -> tuple[str, ...]:
        return p.items(n, p.glob, k)

    def enabled(n: yaml.Node, k: str) -> bool:
        return p.boolean(n)

    def block_on(n: yaml.Node, k: str) -> Severity | None:
        return p.threshold(n)

    def environment(n: yaml.Node, k: str) -> EnvironmentPolicy:
        v = p.section(n, k, {
            "require_checks": strings,
            "require_clean": enabled,
            "region": lambda n2, k2: p.string(n2),
        })
        return EnvironmentPolicy(**v)

    def environments(n: yaml.Node, k: str) -> dict[str, EnvironmentPolicy]:
        if not isinstance(n, yaml.MappingNode):
            raise _Invalid(n, "expected a mapping of environment names")
        out: dict[str, EnvironmentPolicy] = {}
        for kn, vn in n.value:
            try:
                out[p.string(kn)] = environment(vn, f"{k}.{kn.value}")
            except _Invalid as exc:
                p.error(exc.node, f"{k}.{kn.value}", exc.message)
        return out

    def license_overrides(n: yaml.Node, k: str) -> dict[str, str]:
        if not isinstance(n, yaml.MappingNode):
            raise _Invalid(n, "expected a mapping of package name to SPDX expression")
        out: dict[str, str] = {}
        for kn, vn in n.value:
            try:
                out[p.string(kn)] = p.string(vn)
            except _Invalid as exc:
                p.error(exc.node, f"{k}.{kn.value}", exc.message)
        return out

    def sub(n: yaml.Node, k: str, fields: dict[str, Any]) -> dict[str, Any]:
        return p.section(n, k, fields)

    def external_tools(n: yaml.Node, k: str) -> dict[str, ExternalToolPolicy]:
        if not isinstance(n, yaml.MappingNode):
            raise _Invalid(n, "expected a mapping of tool name to {block_on, enabled}")
        out: dict[str, ExternalToolPolicy] = {}
        for kn, vn in n.value:
            try:
                name = p.string(kn).strip().lower()
                v = p.section(vn, f"{k}.{name}", {"enabled": enabled, "block_on": block_on})
            except _Invalid as exc:
                p.error(exc.node, f"{k}.{kn.value}", exc.message)
                continue
            if name in out:
                p.error(kn, f"{k}.{name}", "duplicate tool")
                continue
            out[name] = ExternalToolPolicy(**v)
        return out

    top = p.mapping(root, "", {
        "version": lambda n, k: p.integer(n, 1, 1),
        "block_on": block_on,
        "new_findings_only": enabled,
        "on_scanner_error": lambda n, k: p.choice(n, ("fail", "neutral", "pass")),
        "on_unscanned": lambda n, k: p.choice(n, ("fail", "warn")),
        "paths": lambda n, k: sub(n, k, {"ignore": globs}),
        "sast": lambda n, k: sub(n, k, {
            "enabled": enabled, "rules": strings, "exclude_rules": strings, "block_on": block_on,
        }),
        "secrets": lambda n, k: sub(n, k, {
            "enabled": enabled, "baseline": lambda n2, k2: p.string(n2), "block_on": block_on,
        }),
        "dependencies": lambda n, k: sub(n, k, {
            "enabled": enabled, "block_on": block_on,
            "ignore": lambda n2, k2: p.keyed_items(n2, ignore_rule, k2),
        }),
        "licenses": lambda n, k: sub(n, k, {
            "enabled": enabled, "allow": strings, "deny": strings, "block_on": block_on,
            "unknown": lambda n2, k2: p.choice(n2, ("block", "warn", "allow")),
            "packages": license_overrides,
        }),
        "deploy": lambda n, k: sub(n, k, {
            "enabled": enabled, "manifests": globs, "block_on": block_on,
            "allowed_ports": lambda n2, k2: p.items(n2, lambda i: p.integer(i, 1, 65535), k2),
            "allowed_registries": strings, "forbidden_regions": strings,
            "allow_latest": enabled, "allow_mutable_tags": enabled,
            "pod_security": lambda n2, k2: p.choice(n2, POD_SECURITY_LEVELS),
            "environments": environments,
        }),
        "dismiss": lambda n, k: sub(n, k, {
            "allowed": strings, "require_reason": enabled, "self_dismiss": enabled,
            "max_days": lambda n2, k2: p.integer(n2, 1, 3650),
        }),
        "external": lambda n, k: sub(n, k, {
            "enabled": enabled, "artifacts": globs, "block_on": block_on,
            "tools": external_tools,
        }),
        "risk": lambda n, k: sub(n, k, {
            "block_at": lambda n2, k2: p.choice(n2, ("low", "medium", "high", "never")),
        }),
        "enforce": lambda n, k: p.items(n, lambda i: _enforce_key(p, i), k),
    })
    paths = top.get("paths", {})
    risk = top.get("risk", {})
    if risk.get("block_at") == "never":
        risk = {}
    kwargs: dict[str, Any] = {
        k: top[k]
        for k in ("version", "block_on", "new_findings_only", "on_scanner_error", "on_unscanned")
        if k in top
    }
    return Policy(
        **kwargs,
        paths_ignore=paths.get("ignore", ()),
        sast=SastPolicy(**top.get("sast", {})),
        secrets=SecretsPolicy(**top.get("secrets", {})),
        dependencies=DependenciesPolicy(**top.get("dependencies", {})),
        licenses=LicensesPolicy(**top.get("licenses", {})),
        deploy=DeployPolicy(**top.get("deploy", {})),
        dismiss=DismissPolicy(**top.get("dismiss", {})),
        external=ExternalPolicy(**top.get("external", {})),
        risk=RiskPolicy(**risk),
        enforce=top.get("enforce", ()),
    )


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
