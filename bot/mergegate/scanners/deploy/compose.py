"""Docker Compose files: published ports, images, privileges, host access, environment."""

from __future__ import annotations

from yaml.nodes import Node

from mergegate.core.findings import Severity
from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy import yamlsafe as y
from mergegate.scanners.deploy.envsecrets import EnvVar, secret_env_violations
from mergegate.scanners.deploy.images import check_image
from mergegate.scanners.deploy.podspec import DANGEROUS_CAPABILITIES
from mergegate.scanners.deploy.pss_baseline import sensitive_host_path
from mergegate.scanners.deploy.rules import (
    DANGEROUS_CAPABILITY,
    HOST_NAMESPACE,
    HOST_PATH,
    PORT_NOT_ALLOWED,
    PRIVILEGED,
    RUN_AS_ROOT,
    Violation,
)

_LOCAL_IPS = frozenset({"127.0.0.1", "::1", "localhost"})


def is_compose(root: Node) -> bool:
    """A mapping with a `services` mapping whose entries have an image or a build."""
    services = y.get(root, "services")
    if not y.is_map(services):
        return False
    return any(y.get(s, "image") or y.get(s, "build") for _, s in y.items(services))


def _published(spec: str) -> tuple[str | None, range] | None:
    """Host IP and host port range of a short-syntax port (``127.0.0.1:8080:80/tcp``)."""
    spec = spec.split("/", 1)[0].strip()
    ip: str | None = None
    if spec.startswith("["):
        ip, _, spec = spec[1:].partition("]")
        spec = spec.lstrip(":")
    parts = spec.split(":")
    if len(parts) == 3:
        ip, host = parts[0], parts[1]
    elif len(parts) == 2:
        host = parts[0]
    else:
        host = parts[0]  # container port only: published on a random host port
    low, _, high = host.partition("-")
    if not low.isdigit() or (high and not high.isdigit()):
        return None
    return ip, range(int(low), int(high or low) + 1)


def check_compose(path: str, docs: list[y.Document], policy: DeployPolicy) -> list[Violation]:
    out: list[Violation] = []
    for doc in docs:
        for key, service in y.items(y.get(doc.root, "services")):
            out.extend(_check_service(path, str(key.value), service, policy))
    return out


def _check_ports(service: Node, policy: DeployPolicy, here: str) -> list[Violation]:
    allowed = policy.allowed_ports
    if allowed is None:
        return []
    out: list[Violation] = []
    for item in y.seq(y.get(service, "ports")):
        if y.is_map(item):
            ip = y.string(item, "host_ip")
            raw = y.string(item, "published") or y.string(item, "target") or ""
            parsed = _published(raw)
            ports = parsed[1] if parsed else None
        else:
            parsed = _published(y.text(item) or "")
            ip, ports = (parsed[0], parsed[1]) if parsed else (None, None)
        if ports is None or (ip or "").strip("[]") in _LOCAL_IPS:
            continue
        bad = [p for p in ports if p not in allowed]
        if not bad:
            continue
        shown = str(ports.start) if len(ports) == 1 else f"{ports.start}-{ports.stop - 1}"
        listed = ", ".join(str(p) for p in allowed) or "none"
        out.append(
            Violation(
                PORT_NOT_ALLOWED, y.line_of(item), f"{here} published {shown}",
                f"{here} publishes port {shown} on every host interface, which is not in "
                f"allowed_ports ({listed}). Publish an allowed port, or bind it to "
                "127.0.0.1 for local use.",
            )
        )
    return out


def _check_service(path: str, name: str, service: Node, policy: DeployPolicy) -> list[Violation]:
    here = f"service {name}"
    out: list[Violation] = []
    image = y.get_item(service, "image")
    if image and y.text(image[1]):
        out.extend(check_image(y.text(image[1]) or "", y.line_of(image[0]), policy, here))
    out.extend(_check_ports(service, policy, here))
    priv = y.get_item(service, "privileged")
    if priv and y.boolean(priv[1]):
        out.append(
            Violation(
                PRIVILEGED, y.line_of(priv[0]), f"{here} privileged",
                f"{here} runs privileged. Remove `privileged: true` and add only the "
                "capabilities it needs with cap_add.",
            )
        )
    for cap in y.seq(y.get(service, "cap_add")):
        cap_name = (y.text(cap) or "").upper().removeprefix("CAP_")
        if cap_name in DANGEROUS_CAPABILITIES:
            out.append(
                Violation(
                    DANGEROUS_CAPABILITY, y.line_of(cap), f"{here} cap_add {cap_name}",
                    f"{here} adds the {cap_name} capability. Drop it or grant a narrower one.",
                )
            )
    for field in ("network_mode", "pid", "ipc"):
        item = y.get_item(service, field)
        if item and (y.text(item[1]) or "") == "host":
            out.append(
                Violation(
                    HOST_NAMESPACE, y.line_of(item[0]), f"{here} {field} host",
                    f"{here} sets {field}: host, sharing the host's namespace. Remove it.",
                )
            )
    user = y.get_item(service, "user")
    if user and (y.text(user[1]) or "").split(":")[0] in ("root", "0"):
        out.append(
            Violation(
                RUN_AS_ROOT, y.line_of(user[0]), f"{here} user root",
                f"{here} runs as root. Set `user:` to a non-root UID.",
            )
        )
    for vol in y.seq(y.get(service, "volumes")):
        source = y.string(vol, "source") if y.is_map(vol) else (y.text(vol) or "").split(":")[0]
        if source and sensitive_host_path(source):
            out.append(
                Violation(
                    HOST_PATH, y.line_of(vol), f"{here} bind {source}",
                    f"{here} mounts the host's {source}, a sensitive host path. Mount a named "
                    "volume or a narrower path instead.",
                    severity=Severity.CRITICAL,
                )
            )
    out.extend(secret_env_violations(path, _environment(y.get(service, "environment")), here))
    return out


def _environment(node: Node | None) -> list[EnvVar]:
    out: list[EnvVar] = []
    if y.is_map(node):
        for key, value in y.items(node):
            scalar = y.text(value)
            if scalar:
                out.append(EnvVar(str(key.value), scalar, y.line_of(value)))
    for item in y.seq(node):
        text = y.text(item) or ""
        name, sep, assigned = text.partition("=")
        if sep and assigned:
            out.append(EnvVar(name, assigned, y.line_of(item)))
    return out
