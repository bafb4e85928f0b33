"""Kubernetes Pod Security Standards: every control of the chosen level, over one pod spec.

`deploy.pod_security` names the level: ``privileged`` (no control), ``baseline`` (the default)
or ``restricted`` (baseline plus the restricted controls). The controls and allowed values follow
the upstream pod-security-admission checks at their newest version (v1.37), including the
user-namespace relaxations (``hostUsers: false``) and the Windows exemptions (``os.name:
windows``). Each control has its own rule; the message names the control and its level.

Baseline controls (rule, severity):
  privileged containers (``privileged``, critical); host namespaces (``host-namespace``,
  critical); Windows HostProcess (``host-process``, critical); hostPath volumes (``host-path``:
  critical for a sensitive path, high otherwise); added capabilities beyond the default set
  (``dangerous-capability``, high); host ports (``host-port``, high, or ``port-not-allowed``
  when `allowed_ports` is set); AppArmor (``apparmor``, high); SELinux (``selinux``, high);
  /proc mount (``proc-mount``, high); seccomp ``Unconfined`` (``seccomp``, high); sysctls
  (``unsafe-sysctl``, high); probe and lifecycle hosts (``probe-host``, medium).
Restricted controls (medium unless said):
  volume types (``volume-type``); privilege escalation (``privilege-escalation``); running as
  non-root (``run-as-non-root``); non-root user (``run-as-root``); seccomp profile required
  (``seccomp-not-set``); capabilities dropped (``capabilities-not-dropped``; adding any but
  NET_BIND_SERVICE is ``dangerous-capability``, high); /proc mount even in a user namespace
  (``proc-mount``).
At the baseline level MergeGate also reports three restricted controls when a manifest switches
them off explicitly, never for a mere absence: ``allowPrivilegeEscalation: true`` (high: it
re-enables setuid escalation on purpose), ``runAsNonRoot: false`` and ``runAsUser: 0`` (medium).
"""

from __future__ import annotations

from yaml.nodes import Node

from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy.podcontext import CONTAINER_GROUPS, PodSecurityContext
from mergegate.scanners.deploy.ports import port_violation
from mergegate.scanners.deploy.pss_baseline import BASELINE_CONTROLS
from mergegate.scanners.deploy.pss_restricted import EXPLICIT_CONTROLS, RESTRICTED_ONLY_CONTROLS
from mergegate.scanners.deploy.rules import Violation

__all__ = ["CONTAINER_GROUPS", "check_pod_security", "host_port_violation"]


def check_pod_security(
    spec: Node, meta: Node | None, policy: DeployPolicy, where: str
) -> list[Violation]:
    """Violations of the pod spec `spec` (with its pod `meta`data) at `policy.pod_security`."""
    level = policy.pod_security
    if level == "privileged":
        return []
    pod = PodSecurityContext(spec, meta, level, policy, where)
    for control in (*BASELINE_CONTROLS, *EXPLICIT_CONTROLS):
        control(pod)
    if pod.restricted:
        for control in RESTRICTED_ONLY_CONTROLS:
            control(pod)
    return pod.out


def host_port_violation(
    policy: DeployPolicy, line: int, port: int | None, here: str
) -> list[Violation]:
    """A hostPort judged against `allowed_ports` (None: the PSS Host Ports control decides)."""
    if policy.allowed_ports is None or not port:
        return []
    return port_violation(
        policy, line, port, here, f"{here} hostPort",
        "Remove hostPort and expose it through a Service.",
    )
