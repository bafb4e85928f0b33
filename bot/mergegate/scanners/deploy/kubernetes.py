"""Kubernetes manifests: workload pod specs, Services, Ingresses, Gateways, Kustomizations.

Pure: takes composed YAML documents and the deploy policy, returns violations with the exact
line of the offending key or value. Pod and container checks live in `podspec`.
"""

from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import Node

from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy import yamlsafe as y
from mergegate.scanners.deploy.images import check_image
from mergegate.scanners.deploy.podspec import check_pod
from mergegate.scanners.deploy.ports import port_violation
from mergegate.scanners.deploy.psp import check_psp
from mergegate.scanners.deploy.rules import Violation

_TEMPLATE_KINDS = frozenset(
    {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"}
)


def is_manifest(root: Node) -> bool:
    """A Kubernetes object: a mapping with `apiVersion` and `kind`."""
    return y.string(root, "apiVersion") is not None and y.string(root, "kind") is not None


def is_kubernetes(root: Node) -> bool:
    """A manifest, a `List` (with or without its own kind), or a YAML/JSON list of manifests."""
    if is_manifest(root):
        return True
    items = y.seq(y.get(root, "items")) if y.is_map(root) else y.seq(root)
    return bool(items) and any(is_manifest(i) for i in items)


def _objects(root: Node) -> Iterator[Node]:
    if is_manifest(root) and not (y.string(root, "kind") or "").endswith("List"):
        yield root
        return
    items = y.seq(y.get(root, "items")) if y.is_map(root) else y.seq(root)
    for item in items:
        if is_kubernetes(item):
            yield from _objects(item)


def pod_template(obj: Node) -> tuple[Node | None, Node] | None:
    """The pod metadata and pod spec of a workload object, or None for other kinds.

    Known workload kinds, and any other object whose ``spec.template.spec`` has containers.
    """
    kind = y.string(obj, "kind")
    spec = y.get(obj, "spec")
    template: Node | None = None
    if kind == "Pod":
        return (y.get(obj, "metadata"), spec) if spec is not None and y.is_map(spec) else None
    if kind in _TEMPLATE_KINDS:
        template = y.get(spec, "template")
    elif kind == "CronJob":
        template = y.get(y.get(y.get(spec, "jobTemplate"), "spec"), "template")
    elif kind == "PodTemplate":
        template = y.get(obj, "template")
    else:  # DeploymentConfig, Argo Rollout, Knative Service...: any spec.template of a pod
        template = y.get(spec, "template")
        if not y.is_seq(y.get(y.get(template, "spec"), "containers")):
            return None
    pod_spec = y.get(template, "spec")
    if pod_spec is None or not y.is_map(pod_spec):
        return None
    return y.get(template, "metadata"), pod_spec


def check_kubernetes(path: str, docs: list[y.Document], policy: DeployPolicy) -> list[Violation]:
    out: list[Violation] = []
    for doc in docs:
        for obj in _objects(doc.root):
            out.extend(_check_object(path, obj, policy))
    return out


def _check_object(path: str, obj: Node, policy: DeployPolicy) -> list[Violation]:
    kind = y.string(obj, "kind") or ""
    name = y.string(y.get(obj, "metadata"), "name") or "(unnamed)"
    where = f"{kind}/{name}"
    out: list[Violation] = []
    template = pod_template(obj)
    if template is not None:
        out.extend(check_pod(path, template[1], template[0], policy, where))
    if kind == "Service":
        out.extend(_check_service(obj, policy, where))
    elif kind == "Ingress":
        out.extend(_check_ingress(obj, policy, where))
    elif kind == "Gateway":
        out.extend(_check_gateway(obj, policy, where))
    elif kind == "Kustomization":
        out.extend(_check_kustomization(obj, policy, where))
    elif kind == "PodSecurityPolicy":
        out.extend(check_psp(obj, policy, where))
    return out


def _check_service(obj: Node, policy: DeployPolicy, where: str) -> list[Violation]:
    spec = y.get(obj, "spec")
    svc_type = y.string(spec, "type") or "ClusterIP"
    external_ips = bool(y.seq(y.get(spec, "externalIPs")))
    out: list[Violation] = []
    how = (
        "Serve it on an allowed port, or keep the Service internal (type: ClusterIP) "
        "behind an approved ingress."
    )
    for item in y.seq(y.get(spec, "ports")):
        port_item = y.get_item(item, "port")
        node_port_item = y.get_item(item, "nodePort")
        if port_item and (svc_type == "LoadBalancer" or external_ips):
            key, value = port_item
            out.extend(
                port_violation(
                    policy, y.line_of(key), y.integer(value),
                    f"{where} ({svc_type})", f"{where} {svc_type} port", how,
                )
            )
        if svc_type in ("NodePort", "LoadBalancer"):
            if node_port_item:
                key, value = node_port_item
                out.extend(
                    port_violation(
                        policy, y.line_of(key), y.integer(value),
                        f"{where} ({svc_type})", f"{where} nodePort", how,
                    )
                )
            elif svc_type == "NodePort":
                out.extend(
                    port_violation(
                        policy, y.line_of(item), None,
                        f"{where} (NodePort)", f"{where} nodePort", how,
                    )
                )
    return out


def _check_ingress(obj: Node, policy: DeployPolicy, where: str) -> list[Violation]:
    spec = y.get(obj, "spec")
    tls = y.get_item(spec, "tls")
    if tls and y.seq(tls[1]):
        return port_violation(
            policy, y.line_of(tls[0]), 443, where, f"{where} tls", "Expose it on an allowed port."
        )
    anchor = y.get_item(spec, "rules") or y.get_item(spec, "defaultBackend")
    line = y.line_of(anchor[0]) if anchor else y.line_of(obj)
    return port_violation(
        policy, line, 80, f"{where} without tls", f"{where} plain-http",
        "Add a `tls:` section with a certificate so it serves HTTPS.",
    )


def _check_gateway(obj: Node, policy: DeployPolicy, where: str) -> list[Violation]:
    spec = y.get(obj, "spec")
    out: list[Violation] = []
    for listener in y.seq(y.get(spec, "listeners")):  # Gateway API
        item = y.get_item(listener, "port")
        if item:
            out.extend(
                port_violation(
                    policy, y.line_of(item[0]), y.integer(item[1]), where,
                    f"{where} listener", "Listen on an allowed port.",
                )
            )
    for server in y.seq(y.get(spec, "servers")):  # Istio Gateway
        item = y.get_item(y.get(server, "port"), "number")
        if item:
            out.extend(
                port_violation(
                    policy, y.line_of(item[0]), y.integer(item[1]), where,
                    f"{where} server", "Listen on an allowed port.",
                )
            )
    return out


def _check_kustomization(obj: Node, policy: DeployPolicy, where: str) -> list[Violation]:
    out: list[Violation] = []
    for entry in y.seq(y.get(obj, "images")):
        name_item = y.get_item(entry, "newName") or y.get_item(entry, "name")
        if not name_item:
            continue
        ref = y.text(name_item[1]) or ""
        tag = y.string(entry, "newTag")
        digest = y.string(entry, "digest")
        if digest:
            ref += "@" + digest
        elif tag:
            ref += ":" + tag
        elif y.get(entry, "newName") is None:
            continue  # only renames nothing: the manifests' own tags stay
        out.extend(check_image(ref, y.line_of(name_item[0]), policy, f"{where} images"))
    return out


