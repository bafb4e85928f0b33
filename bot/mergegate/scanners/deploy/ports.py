"""The one exposed-port violation every manifest kind reports, and what counts as exposed.

`deploy.allowed_ports` lists the ports that may be reachable from outside the cluster or host.
When it is set, each of these is a `port-not-allowed` finding unless its port is listed:

- Kubernetes Service of type LoadBalancer: every `ports[].port`;
- Service of type NodePort or LoadBalancer: every `ports[].nodePort`; a NodePort entry without
  one counts as an automatically assigned node port (never allowed);
- Service with `externalIPs` (any type): every `ports[].port`;
- Ingress: 443 when it has a `tls` section, else 80 (plain HTTP);
- Gateway API `Gateway`: every `listeners[].port`; Istio `Gateway`: every
  `servers[].port.number`;
- Pod specs of every workload kind: every `hostPort` (0 and unset do not count), and every
  `containerPort` of a pod with `hostNetwork: true` (it listens on the node's interfaces);
- Compose: every published port (`ports:` short syntax `HOST:CONTAINER`, `IP:HOST:CONTAINER`
  and ranges; long syntax `published`; a bare container port is judged as that port, though
  Docker publishes it on a random host port), except those bound to 127.0.0.1, ::1 or
  localhost; `expose:` does not count;
- Dockerfile `EXPOSE` (each port or range): reported as low, since EXPOSE documents a port
  and publishes nothing by itself.

ClusterIP Services, containerPorts of ordinary pods and Compose `expose:` stay inside the
cluster or host network and are not judged. Without `allowed_ports` no port is judged, except
that the Pod Security Standards' Host Ports control still reports a hostPort (`host-port`).
"""

from __future__ import annotations

from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy.rules import PORT_NOT_ALLOWED, Violation


def port_violation(
    policy: DeployPolicy, line: int, port: int | None, what: str, content: str, how: str
) -> list[Violation]:
    """A violation when `port` (None: an automatically assigned one) is not allowed."""
    allowed = policy.allowed_ports
    if allowed is None or (port is not None and port in allowed):
        return []
    shown = "an automatically assigned node port" if port is None else f"port {port}"
    listed = ", ".join(str(p) for p in allowed) or "none"
    return [
        Violation(
            PORT_NOT_ALLOWED,
            line,
            f"{content} {port if port is not None else 'auto'}",
            f"{what} exposes {shown}, which is not in allowed_ports ({listed}). {how}",
        )
    ]
