"""Pod specs and their containers: host access, privileges, users, ports, limits, regions,
images and secrets in the environment."""

from __future__ import annotations

from yaml.nodes import Node

from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy import yamlsafe as y
from mergegate.scanners.deploy.envsecrets import EnvVar, secret_env_violations
from mergegate.scanners.deploy.images import check_image
from mergegate.scanners.deploy.ports import port_violation
from mergegate.scanners.deploy.regions import forbidden_region
from mergegate.scanners.deploy.rules import (
    DANGEROUS_CAPABILITY,
    FORBIDDEN_REGION,
    HOST_NAMESPACE,
    HOST_PATH,
    MISSING_LIMITS,
    PRIVILEGE_ESCALATION,
    PRIVILEGED,
    RUN_AS_ROOT,
    Violation,
)

REGION_LABELS = (
    "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region",
    "topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone",
)
DANGEROUS_CAPABILITIES = frozenset(
    {
        "ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "SYS_BOOT",
        "SYS_TIME", "DAC_READ_SEARCH", "BPF", "PERFMON", "MAC_ADMIN", "MAC_OVERRIDE",
    }
)


def check_pod(path: str, spec: Node, policy: DeployPolicy, where: str) -> list[Violation]:
    out: list[Violation] = []
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        item = y.get_item(spec, field)
        if item and y.boolean(item[1]):
            out.append(
                Violation(
                    HOST_NAMESPACE, y.line_of(item[0]), f"{where} {field}",
                    f"{where} sets {field}: true, sharing the node's namespace with the pod. "
                    f"Remove {field} (or set it to false).",
                )
            )
    for volume in y.seq(y.get(spec, "volumes")):
        item = y.get_item(volume, "hostPath")
        if item:
            host = y.string(item[1], "path") or "?"
            out.append(
                Violation(
                    HOST_PATH, y.line_of(item[0]), f"{where} hostPath {host}",
                    f"{where} mounts the node's {host} (hostPath). Use a PersistentVolumeClaim, "
                    "emptyDir, ConfigMap or Secret volume instead.",
                )
            )
    out.extend(_check_regions(spec, policy, where))
    pod_ctx = y.get(spec, "securityContext")
    for group in ("containers", "initContainers", "ephemeralContainers"):
        for container in y.seq(y.get(spec, group)):
            out.extend(_check_container(path, container, pod_ctx, policy, where, group))
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
    path: str, c: Node, pod_ctx: Node | None, policy: DeployPolicy, where: str, group: str
) -> list[Violation]:
    cname = y.string(c, "name") or "(unnamed)"
    here = f"{where} container {cname}"
    out: list[Violation] = []
    image = y.get_item(c, "image")
    if image and y.text(image[1]):
        out.extend(check_image(y.text(image[1]) or "", y.line_of(image[0]), policy, here))
    ctx = y.get(c, "securityContext")
    priv = y.get_item(ctx, "privileged")
    if priv and y.boolean(priv[1]):
        out.append(
            Violation(
                PRIVILEGED, y.line_of(priv[0]), f"{here} privileged",
                f"{here} runs privileged, with every capability of the node. Remove "
                "`privileged: true` and add only the capabilities it needs.",
            )
        )
    esc = y.get_item(ctx, "allowPrivilegeEscalation")
    if esc and y.boolean(esc[1]):
        out.append(
            Violation(
                PRIVILEGE_ESCALATION, y.line_of(esc[0]), f"{here} allowPrivilegeEscalation",
                f"{here} sets allowPrivilegeEscalation: true. Set it to false.",
            )
        )
    for cap in y.seq(y.get(y.get(ctx, "capabilities"), "add")):
        name = (y.text(cap) or "").upper().removeprefix("CAP_")
        if name in DANGEROUS_CAPABILITIES:
            out.append(
                Violation(
                    DANGEROUS_CAPABILITY, y.line_of(cap), f"{here} cap_add {name}",
                    f"{here} adds the {name} capability, close to root on the node. Drop it, "
                    "or grant a narrower capability.",
                )
            )
    out.extend(_check_root(c, ctx, pod_ctx, here))
    for port in y.seq(y.get(c, "ports")):
        item = y.get_item(port, "hostPort")
        if item:
            out.extend(
                port_violation(
                    policy, y.line_of(item[0]), y.integer(item[1]), here,
                    f"{here} hostPort", "Remove hostPort and expose it through a Service.",
                )
            )
    if group != "ephemeralContainers":
        out.extend(_check_limits(c, here))
    env = [
        EnvVar(y.string(e, "name") or "", y.string(e, "value") or "", y.line_of(v))
        for e in y.seq(y.get(c, "env"))
        if (v := y.get(e, "value")) is not None and y.text(v)
    ]
    out.extend(secret_env_violations(path, env, here))
    return out


def _check_root(c: Node, ctx: Node | None, pod_ctx: Node | None, here: str) -> list[Violation]:
    user = y.get_item(ctx, "runAsUser") or y.get_item(pod_ctx, "runAsUser")  # container wins
    uid = y.integer(user[1]) if user else None
    if user and uid == 0:
        return [
            Violation(
                RUN_AS_ROOT, y.line_of(user[0]), f"{here} runAsUser 0",
                f"{here} runs as user 0 (root). Run as a non-zero UID and set "
                "runAsNonRoot: true.",
            )
        ]
    if uid is not None and uid > 0:
        return []
    for scope in (ctx, pod_ctx):
        nonroot = y.get_item(scope, "runAsNonRoot")
        if nonroot is None:
            continue
        if y.boolean(nonroot[1]):
            return []
        return [
            Violation(
                RUN_AS_ROOT, y.line_of(nonroot[0]), f"{here} runAsNonRoot false",
                f"{here} sets runAsNonRoot: false. Set runAsNonRoot: true and run as a "
                "non-zero UID.",
            )
        ]
    return [
        Violation(
            RUN_AS_ROOT, y.line_of(c), f"{here} runAsNonRoot missing",
            f"{here} does not set runAsNonRoot, so its image may run it as root. Set "
            "securityContext.runAsNonRoot: true (on the pod or the container).",
        )
    ]


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
