"""PodSecurityPolicy objects (policy/v1beta1) that admit pods the Pod Security level forbids.

A PodSecurityPolicy is the cluster's gate: one that allows privileged pods, host namespaces or
hostPath volumes lets any workload bound to it take the node. Each permissive field is one
`permissive-psp` violation at its line, as severe as the pod control it opens up: critical for
privileged, host namespaces and unrestricted or sensitive hostPath; high for host ports, extra
capabilities, unconfined seccomp, unmasked /proc, unsafe sysctls and other hostPath; medium
for what only the restricted level requires (non-root users, dropping ALL capabilities,
privilege escalation off, restricted volume types). SELinux ``RunAsAny`` is not reported: the
upstream restricted example policy uses it on AppArmor nodes.
"""

from __future__ import annotations

from yaml.nodes import Node

from mergegate.core.findings import Severity
from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy import yamlsafe as y
from mergegate.scanners.deploy.pss_baseline import (
    BASELINE_CAPABILITIES,
    RESTRICTED_CAPABILITIES,
    SAFE_SYSCTLS,
    sensitive_host_path,
)
from mergegate.scanners.deploy.pss_restricted import RESTRICTED_VOLUME_SOURCES
from mergegate.scanners.deploy.rules import PERMISSIVE_PSP, Violation

_SECCOMP_NAMES = "seccomp.security.alpha.kubernetes.io/allowedProfileNames"


class _Psp:
    def __init__(self, obj: Node, spec: Node, policy: DeployPolicy, where: str) -> None:
        self.spec = spec
        self.meta = y.get(obj, "metadata")
        self.restricted = policy.pod_security == "restricted"
        self.policy = policy
        self.where = where
        self.out: list[Violation] = []

    def add(self, node: Node, what: str, level: str, fix: str, severity: Severity) -> None:
        self.out.append(
            Violation(
                PERMISSIVE_PSP, y.line_of(node), f"{self.where} {what}",
                f"{self.where} allows {what}, which the {level} Pod Security Standard forbids; "
                f"every pod this policy admits may use it. {fix}",
                severity=severity,
            )
        )

    def flag(self, field: str) -> Node | None:
        item = y.get_item(self.spec, field)
        return item[0] if item and y.boolean(item[1]) else None

    def baseline(self) -> None:
        if (key := self.flag("privileged")) is not None:
            self.add(key, "privileged containers", "baseline", "Set privileged: false.",
                     Severity.CRITICAL)
        for field in ("hostNetwork", "hostPID", "hostIPC"):
            if (key := self.flag(field)) is not None:
                self.add(key, f"{field}", "baseline", f"Set {field}: false.", Severity.CRITICAL)
        self.host_ports()
        self.host_paths()
        self.capabilities()
        if (key := self.flag("allowPrivilegeEscalation")) is not None:
            self.add(key, "privilege escalation", "restricted",
                     "Set allowPrivilegeEscalation: false.", Severity.HIGH)
        for item in y.seq(y.get(self.spec, "allowedProcMountTypes")):
            if (y.text(item) or "") != "Default":
                self.add(item, f"procMount {y.text(item)}", "baseline",
                         "Allow only the Default proc mount type.", Severity.HIGH)
        for item in y.seq(y.get(self.spec, "allowedUnsafeSysctls")):
            name = y.text(item) or ""
            if name not in SAFE_SYSCTLS:
                self.add(item, f"the unsafe sysctl {name}", "baseline",
                         "Remove it from allowedUnsafeSysctls.", Severity.HIGH)
        for key, value in y.items(y.get(self.meta, "annotations")):
            names = [n.strip() for n in (y.text(value) or "").split(",")]
            if key.value == _SECCOMP_NAMES and ("*" in names or "unconfined" in names):
                self.add(key, "unconfined seccomp profiles", "baseline",
                         "Allow only runtime/default or localhost/ profiles.", Severity.HIGH)

    def host_ports(self) -> None:
        allowed = set(self.policy.allowed_ports or ())
        for item in y.seq(y.get(self.spec, "hostPorts")):
            low = y.integer(y.get(item, "min")) or 0
            high = y.integer(y.get(item, "max")) or low
            if high and any(p not in allowed for p in range(max(low, 1), high + 1)):
                self.add(item, f"host ports {low}-{high}", "baseline",
                         "Remove hostPorts (or list only deploy.allowed_ports).", Severity.HIGH)

    def host_paths(self) -> None:
        volumes = y.get_item(self.spec, "volumes")
        names = {y.text(v) for v in y.seq(volumes[1])} if volumes else set()
        if volumes is None or not names & {"*", "hostPath"}:
            return
        prefixes = [
            (p, y.string(p, "pathPrefix") or "")
            for p in y.seq(y.get(self.spec, "allowedHostPaths"))
        ]
        if not prefixes:
            self.add(volumes[0], "hostPath volumes of any node path", "baseline",
                     "Remove hostPath from volumes, or restrict allowedHostPaths.",
                     Severity.CRITICAL)
            return
        for node, prefix in prefixes:
            sensitive = not prefix or sensitive_host_path(prefix)
            self.add(node, f"hostPath volumes under {prefix or '/'}", "baseline",
                     "Remove hostPath from volumes.",
                     Severity.CRITICAL if sensitive else Severity.HIGH)

    def capabilities(self) -> None:
        allowed = RESTRICTED_CAPABILITIES if self.restricted else BASELINE_CAPABILITIES
        level = "restricted" if self.restricted else "baseline"
        for field in ("allowedCapabilities", "defaultAddCapabilities"):
            for item in y.seq(y.get(self.spec, field)):
                name = y.text(item) or ""
                if name not in allowed:
                    shown = "every capability" if name == "*" else f"the {name} capability"
                    self.add(item, shown, level, f"Remove it from {field}.", Severity.HIGH)

    def restricted_only(self) -> None:
        rule_item = y.get_item(y.get(self.spec, "runAsUser"), "rule")
        if rule_item and (y.text(rule_item[1]) or "") == "RunAsAny":
            self.add(rule_item[1], "containers running as root", "restricted",
                     "Use runAsUser.rule: MustRunAsNonRoot.", Severity.MEDIUM)
        drops = {y.text(d) for d in y.seq(y.get(self.spec, "requiredDropCapabilities"))}
        if "ALL" not in drops:
            anchor = y.get_item(self.spec, "requiredDropCapabilities")
            self.add(anchor[0] if anchor else self.spec, "capabilities kept", "restricted",
                     "Set requiredDropCapabilities: [ALL].", Severity.MEDIUM)
        esc = y.get_item(self.spec, "allowPrivilegeEscalation")
        if esc is None:
            self.add(self.spec, "privilege escalation (allowPrivilegeEscalation unset)",
                     "restricted", "Set allowPrivilegeEscalation: false.", Severity.MEDIUM)
        for item in y.seq(y.get(self.spec, "volumes")):
            name = y.text(item) or ""
            if name not in RESTRICTED_VOLUME_SOURCES and name not in ("*", "hostPath"):
                self.add(item, f"{name} volumes", "restricted",
                         "Allow only configMap, csi, downwardAPI, emptyDir, ephemeral, "
                         "persistentVolumeClaim, projected and secret volumes.",
                         Severity.MEDIUM)


def check_psp(obj: Node, policy: DeployPolicy, where: str) -> list[Violation]:
    """What a PodSecurityPolicy admits beyond `policy.pod_security` (nothing at privileged)."""
    spec = y.get(obj, "spec")
    if policy.pod_security == "privileged" or spec is None or not y.is_map(spec):
        return []
    psp = _Psp(obj, spec, policy, where)
    psp.baseline()
    if psp.restricted:
        psp.restricted_only()
    return psp.out
