"""One pod spec under the Pod Security Standards checks: who sets what, and where findings go.

The controls (`pss_baseline`, `pss_restricted`) read a `PodSecurityContext` and add their
violations to it; `podsecurity.check_pod_security` runs them for the chosen level.
"""

from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import Node

from mergegate.core.findings import Severity
from mergegate.core.policy import DeployPolicy, PodSecurityLevel
from mergegate.scanners.deploy import yamlsafe as y
from mergegate.scanners.deploy.rules import Rule, Violation

CONTAINER_GROUPS = ("initContainers", "containers", "ephemeralContainers")


def pss(level: str, control: str) -> str:
    """How a message names the control and its level."""
    return f"({level} Pod Security Standard, {control} control)"


class PodSecurityContext:
    """One pod spec checked at one level; `out` collects the violations."""

    def __init__(
        self, spec: Node, meta: Node | None, level: PodSecurityLevel, policy: DeployPolicy,
        where: str,
    ) -> None:
        self.spec = spec
        self.meta = meta
        self.restricted = level == "restricted"
        self.policy = policy
        self.where = where
        self.ctx = y.get(spec, "securityContext")
        self.windows = (y.string(y.get(spec, "os"), "name") or "").lower() == "windows"
        host_users = y.get(spec, "hostUsers")
        self.user_namespace = y.boolean(host_users) is False
        self.containers = [
            (group, c) for group in CONTAINER_GROUPS for c in y.seq(y.get(spec, group))
        ]
        self.out: list[Violation] = []

    def add(
        self, rule: Rule, node: Node, content: str, message: str,
        severity: Severity | None = None,
    ) -> None:
        self.out.append(Violation(rule, y.line_of(node), content, message, severity=severity))

    def cname(self, c: Node) -> str:
        return f"{self.where} container {y.string(c, 'name') or '(unnamed)'}"

    def contexts(self) -> Iterator[tuple[str, Node | None]]:
        """The pod's security context, then each container's, with who sets it."""
        yield self.where, self.ctx
        for _, c in self.containers:
            yield self.cname(c), y.get(c, "securityContext")


def profile_type(
    ctx: Node | None, field: str, allowed: frozenset[str]
) -> tuple[Node, str] | None:
    """Where a seccomp or AppArmor profile of `ctx` sets a type not `allowed`, and the type."""
    item = y.get_item(ctx, field)
    if item is None or not y.is_map(item[1]):
        return None
    type_item = y.get_item(item[1], "type")
    kind = (y.text(type_item[1]) if type_item else None) or ""
    if kind in allowed:
        return None
    return (type_item[0] if type_item else item[0]), kind or "(no type)"


def uid(ctx: Node | None) -> int | None:
    item = y.get_item(ctx, "runAsUser")
    return y.integer(item[1]) if item else None
