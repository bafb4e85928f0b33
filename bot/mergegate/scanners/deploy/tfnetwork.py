"""Terraform firewall rules open to the whole internet on ports outside `allowed_ports`.

Covered: AWS `aws_security_group` (``ingress`` blocks or list), `aws_security_group_rule`
(``type = "ingress"``), `aws_vpc_security_group_ingress_rule`; GCP `google_compute_firewall`
(ingress, not disabled; no source ranges, tags or service accounts means 0.0.0.0/0);
Azure `azurerm_network_security_rule` and `azurerm_network_security_group` ``security_rule``
(Inbound, Allow). A rule is open when a source is ``0.0.0.0/0`` or ``::/0`` (Azure also ``*``,
``Internet``, ``Any``). Its ports are judged against `allowed_ports`; without it, only a rule on
every port or on an administration/database port is reported. ICMP rules carry no port.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy import hcl
from mergegate.scanners.deploy.rules import OPEN_SECURITY_GROUP, Violation

WORLD = frozenset({"0.0.0.0/0", "::/0"})
AZURE_WORLD = WORLD | {"*", "internet", "any", "0.0.0.0"}  # noqa: S104 - a value we look for
ALL_PORTS = (0, 65535)
# Ports that should never face the internet whatever the policy: remote shells and desktops,
# databases, caches, search, container and cluster control planes.
ADMIN_PORTS = frozenset({
    22, 23, 135, 139, 445, 1433, 1521, 2375, 2376, 2379, 2380, 3306, 3389, 5432, 5900, 5984,
    6379, 6443, 9042, 9200, 9300, 10250, 11211, 27017,
})
_ALL_PROTOCOLS = frozenset({"-1", "all", "*"})


def _attr(block: hcl.Block, name: str, scope: hcl.Scope) -> Any:
    attr = block.attributes.get(name)
    return hcl.evaluate(attr.expr, scope) if attr else None


def _line(block: hcl.Block, *names: str) -> int:
    for name in names:
        if name in block.attributes:
            return block.attributes[name].line
    return block.line


def _port_range(low: Any, high: Any, protocol: Any) -> tuple[int, int] | None:
    """The ports of an AWS-style rule; None when unknown or portless (ICMP)."""
    proto = str(protocol).lower() if isinstance(protocol, str | int) else ""
    if proto in _ALL_PROTOCOLS:
        return ALL_PORTS
    if proto in ("icmp", "icmpv6", "1", "58"):
        return None
    if isinstance(low, int) and isinstance(high, int):
        if low == 0 and high in (0, 65535):
            return ALL_PORTS
        return (max(low, 0), min(max(high, low), 65535))
    return None


def _parse_ports(spec: Any) -> tuple[int, int] | None:
    """``"22"``, ``"8000-9000"``, ``"*"`` or a number, as a range."""
    if isinstance(spec, int) and not isinstance(spec, bool):
        return (spec, spec)
    if not isinstance(spec, str):
        return None
    text = spec.strip()
    if text in ("*", ""):
        return ALL_PORTS
    low, _, high = text.partition("-")
    if low.strip().isdigit() and (not high or high.strip().isdigit()):
        return (int(low), int(high or low))
    return None


def _bad_ports(ranges: Iterable[tuple[int, int]], policy: DeployPolicy) -> list[tuple[int, int]]:
    allowed = policy.allowed_ports
    bad = []
    for low, high in ranges:
        if allowed is None:
            if (low, high) == ALL_PORTS or high - low >= 1024 or any(
                low <= p <= high for p in ADMIN_PORTS
            ):
                bad.append((low, high))
        elif high - low + 1 > len(allowed) or any(p not in allowed for p in range(low, high + 1)):
            bad.append((low, high))
    return bad


def _shown(ranges: list[tuple[int, int]]) -> str:
    parts = [
        "every port" if r == ALL_PORTS else str(r[0]) if r[0] == r[1] else f"{r[0]}-{r[1]}"
        for r in ranges
    ]
    return ", ".join(parts)


def _violation(
    where: str, line: int, sources: list[str], ranges: list[tuple[int, int]],
    policy: DeployPolicy,
) -> Violation:
    listed = (
        f"not in allowed_ports ({', '.join(str(p) for p in policy.allowed_ports) or 'none'})"
        if policy.allowed_ports is not None
        else "every port or an administration port"
    )
    ports = _shown(ranges)
    return Violation(
        OPEN_SECURITY_GROUP, line, f"{where} open {' '.join(sorted(sources))} {ports}",
        f"{where} lets the whole internet ({', '.join(sorted(sources))}) reach {ports}, "
        f"{listed}. Narrow the source ranges to known networks, or put the service behind a "
        "load balancer on an allowed port.",
    )


def _strings(value: Any) -> list[str]:
    return [s.strip() for s in hcl.strings_in(value)]


def _aws_rule(
    where: str, rule: hcl.Block | dict[str, Any], scope: hcl.Scope, policy: DeployPolicy,
    line: int,
) -> list[Violation]:
    if isinstance(rule, hcl.Block):
        def get(name: str) -> Any:
            return _attr(rule, name, scope)
        line = _line(rule, "cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6")
    else:
        def get(name: str) -> Any:
            return rule.get(name)
    sources = [
        s for name in ("cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6")
        for s in _strings(get(name)) if s in WORLD
    ]
    if not sources:
        return []
    protocol = get("protocol") if get("protocol") is not None else get("ip_protocol")
    ports = _port_range(get("from_port"), get("to_port"), protocol)
    bad = _bad_ports([ports], policy) if ports else []
    return [_violation(where, line, sources, bad, policy)] if bad else []


def check_firewalls(block: hcl.Block, scope: hcl.Scope, policy: DeployPolicy) -> list[Violation]:
    """Open-to-the-internet rules of one `resource` block."""
    kind = block.labels[0] if block.labels else ""
    where = block.header
    out: list[Violation] = []
    if kind == "aws_security_group":
        for rule in block.children("ingress"):
            out.extend(_aws_rule(where, rule, scope, policy, rule.line))
        listed = block.attributes.get("ingress")
        if listed is not None:
            for item in hcl.evaluate(listed.expr, scope) or []:
                if isinstance(item, dict):
                    out.extend(_aws_rule(where, item, scope, policy, listed.line))
    elif kind == "aws_security_group_rule":
        if _attr(block, "type", scope) == "ingress":
            out.extend(_aws_rule(where, block, scope, policy, block.line))
    elif kind == "aws_vpc_security_group_ingress_rule":
        out.extend(_aws_rule(where, block, scope, policy, block.line))
    elif kind == "google_compute_firewall":
        out.extend(_gcp_firewall(where, block, scope, policy))
    elif kind == "azurerm_network_security_rule":
        out.extend(_azure_rule(where, block, scope, policy))
    elif kind == "azurerm_network_security_group":
        for rule in block.children("security_rule"):
            out.extend(_azure_rule(where, rule, scope, policy))
    return out


def _gcp_firewall(
    where: str, block: hcl.Block, scope: hcl.Scope, policy: DeployPolicy
) -> list[Violation]:
    direction = str(_attr(block, "direction", scope) or "INGRESS").upper()
    if direction != "INGRESS" or _attr(block, "disabled", scope) is True:
        return []
    ranges_attr = block.attributes.get("source_ranges")
    if ranges_attr is None:
        narrowed = any(
            name in block.attributes for name in ("source_tags", "source_service_accounts")
        )
        sources, line = ([] if narrowed else ["0.0.0.0/0 (no source_ranges)"]), block.line
    else:
        sources = [s for s in _strings(hcl.evaluate(ranges_attr.expr, scope)) if s in WORLD]
        line = ranges_attr.line
    if not sources:
        return []
    ports: list[tuple[int, int]] = []
    for allow in block.children("allow"):
        protocol = str(_attr(allow, "protocol", scope) or "").lower()
        if protocol in ("icmp", "ipv6-icmp", "58", "1"):
            continue
        listed = _attr(allow, "ports", scope)
        if listed is None or protocol == "all":
            ports.append(ALL_PORTS)
        else:
            ports.extend(r for r in (_parse_ports(p) for p in listed or []) if r)
    bad = _bad_ports(ports, policy)
    return [_violation(where, line, sources, bad, policy)] if bad else []


def _azure_rule(
    where: str, rule: hcl.Block, scope: hcl.Scope, policy: DeployPolicy
) -> list[Violation]:
    direction = str(_attr(rule, "direction", scope) or "").lower()
    access = str(_attr(rule, "access", scope) or "").lower()
    if direction != "inbound" or access != "allow":
        return []
    sources = [
        s for name in ("source_address_prefix", "source_address_prefixes")
        for s in _strings(_attr(rule, name, scope)) if s.lower() in AZURE_WORLD
    ]
    if not sources:
        return []
    protocol = str(_attr(rule, "protocol", scope) or "").lower()
    if protocol == "icmp":
        return []
    ports = [
        r for name in ("destination_port_range", "destination_port_ranges")
        for r in (_parse_ports(p) for p in _strings(_attr(rule, name, scope))) if r
    ]
    bad = _bad_ports(ports, policy)
    line = _line(rule, "source_address_prefix", "source_address_prefixes")
    return [_violation(where, line, sources, bad, policy)] if bad else []
