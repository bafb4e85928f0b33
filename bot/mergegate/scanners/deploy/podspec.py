"""Pod specs and their containers: Pod Security Standards (in `podsecurity`), exposed ports,
limits, regions, images and secrets in the environment."""

from __future__ import annotations

from yaml.nodes import Node

from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy import yamlsafe as y
from mergegate.scanners.deploy.envsecrets import EnvVar, secret_env_violations
from mergegate.scanners.deploy.images import check_image
from mergegate.scanners.deploy.podsecurity import (
    CONTAINER_GROUPS,
    check_pod_security,
    host_port_violation,
)
from mergegate.scanners.deploy.ports import port_violation
from mergegate.scanners.deploy.regions import forbidden_region
from mergegate.scanners.deploy.rules import FORBIDDEN_REGION, MISSING_LIMITS, Violation

REGION_LABELS = (
    "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region",
    "topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone",
)
# Capabilities close to root on the host (Compose `cap_add`; Kubernetes uses the PSS sets).
DANGEROUS_CAPABILITIES = frozenset(
    {
        "ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "SYS_BOOT",
        "SYS_TIME", "DAC_READ_SEARCH", "BPF", "PERFMON", "MAC_ADMIN", "MAC_OVERRIDE",
    }
)


def check_pod(
    path: str, spec: Node, meta: Node | None, policy: DeployPolicy, where: str
) -> list[Violation]:
    """Every check of one pod spec; `meta` is the pod's (template's) metadata."""
    out = check_pod_security(spec, meta, policy, where)
    out.extend(_check_regions(spec, policy, where))
    host_network = bool(y.boolean(y.get(spec, "hostNetwork")))
    for group in CONTAINER_GROUPS:
        for container in y.seq(y.get(spec, group)):
            out.extend(_check_container(path, container, policy, where, group, host_network))
    return out


def _region_violation(
    policy: DeployPolicy, line: int, value: str, where: str
) -> list[Violation]:
    region = forbidden_region(value, policy.forbidden_regions)
    if region is None:
        return []
    return [
        Violation(
            FORBIDDEN_REGION, line, f"{where} region {value}",
            f"{where} is scheduled in {value}, and {region} is a forbidden region. "
            "Select nodes in an allowed region.",
        )
    ]


def _check_regions(spec: Node, policy: DeployPolicy, where: str) -> list[Violation]:
    if not policy.forbidden_regions:
        return []
    out: list[Violation] = []
    for key, value in y.items(y.get(spec, "nodeSelector")):
        text = y.text(value)
        if key.value in REGION_LABELS and text:
            out.extend(_region_violation(policy, y.line_of(key), text, where))
    affinity = y.get(y.get(spec, "affinity"), "nodeAffinity")
    required = y.get(affinity, "requiredDuringSchedulingIgnoredDuringExecution")
    terms = list(y.seq(y.get(required, "nodeSelectorTerms")))
    for pref in y.seq(y.get(affinity, "preferredDuringSchedulingIgnoredDuringExecution")):
        terms.append(y.get(pref, "preference") or pref)
    for term in terms:
        for expr in y.seq(y.get(term, "matchExpressions")):
            if y.string(expr, "key") not in REGION_LABELS or y.string(expr, "operator") != "In":
                continue
            for value in y.seq(y.get(expr, "values")):
                text = y.text(value)
                if text:
                    out.extend(_region_violation(policy, y.line_of(value), text, where))
    return out


def _check_container(
    path: str, c: Node, policy: DeployPolicy, where: str, group: str, host_network: bool
) -> list[Violation]:
    cname = y.string(c, "name") or "(unnamed)"
    here = f"{where} container {cname}"
    out: list[Violation] = []
    image = y.get_item(c, "image")
    if image and y.text(image[1]):
        out.extend(check_image(y.text(image[1]) or "", y.line_of(image[0]), policy, here))
    out.extend(_check_ports(c, policy, here, host_network))
    if group != "ephemeralContainers":
        out.extend(_check_limits(c, here))
    env = [
        EnvVar(y.string(e, "name") or "", y.string(e, "value") or "", y.line_of(v))
        for e in y.seq(y.get(c, "env"))
        if (v := y.get(e, "value")) is not None and y.text(v)
    ]
    out.extend(secret_env_violations(path, env, here))
    return out


def _check_ports(c: Node, policy: DeployPolicy, here: str, host_network: bool) -> list[Violation]:
    """hostPorts, and every container port of a hostNetwork pod (it listens on the node)."""
    out: list[Violation] = []
    for port in y.seq(y.get(c, "ports")):
        host_item = y.get_item(port, "hostPort")
        host_port = y.integer(host_item[1]) if host_item else None
        if host_item and host_port:
            out.extend(host_port_violation(policy, y.line_of(host_item[0]), host_port, here))
            continue
        item = y.get_item(port, "containerPort")
        if host_network and item:
            out.extend(
                port_violation(
                    policy, y.line_of(item[0]), y.integer(item[1]), f"{here} (hostNetwork)",
                    f"{here} hostNetwork port",
                    "A hostNetwork pod listens on the node's own interfaces: drop hostNetwork "
                    "and expose the port through a Service.",
                )
            )
    return out


def _check_limits(c: Node, here: str) -> list[Violation]:
    resources = y.get_item(c, "resources")
    limits = y.get(resources[1], "limits") if resources else None
    missing = [r for r in ("cpu", "memory") if y.get(limits, r) is None]
    if not missing:
        return []
    line = y.line_of(resources[0]) if resources else y.line_of(c)
    return [
        Violation(
            MISSING_LIMITS, line, f"{here} limits missing {' '.join(missing)}",
            f"{here} has no {' and '.join(missing)} limit. Set resources.limits."
            f"{' and resources.limits.'.join(missing)} so one pod cannot starve the node.",
        )
    ]
