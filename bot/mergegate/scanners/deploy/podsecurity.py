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

import posixpath
from collections.abc import Iterator

from yaml.nodes import Node

from mergegate.core.findings import Severity
from mergegate.core.policy import DeployPolicy, PodSecurityLevel
from mergegate.scanners.deploy import yamlsafe as y
from mergegate.scanners.deploy.ports import port_violation
from mergegate.scanners.deploy.rules import (
    APPARMOR,
    CAPABILITIES_NOT_DROPPED,
    DANGEROUS_CAPABILITY,
    HOST_NAMESPACE,
    HOST_PATH,
    HOST_PORT,
    HOST_PROCESS,
    PRIVILEGE_ESCALATION,
    PRIVILEGED,
    PROBE_HOST,
    PROC_MOUNT,
    RUN_AS_NON_ROOT,
    RUN_AS_ROOT,
    SECCOMP,
    SECCOMP_NOT_SET,
    SELINUX,
    UNSAFE_SYSCTL,
    VOLUME_TYPE,
    Rule,
    Violation,
)

RANK: dict[str, int] = {"privileged": 0, "baseline": 1, "restricted": 2}
CONTAINER_GROUPS = ("initContainers", "containers", "ephemeralContainers")
BASELINE_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})
RESTRICTED_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})
SAFE_SYSCTLS = frozenset({
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem", "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
})
SELINUX_TYPES = frozenset(
    {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
)
SECCOMP_TYPES = frozenset({"RuntimeDefault", "Localhost"})
APPARMOR_TYPES = frozenset({"RuntimeDefault", "Localhost"})
RESTRICTED_VOLUME_SOURCES = frozenset({
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
    "persistentVolumeClaim", "projected", "secret",
})
# Host paths whose mount hands over the node: these, anything under them, and their parents.
SENSITIVE_HOST_PATHS = (
    "/etc", "/proc", "/sys", "/dev", "/root", "/boot", "/var/run/docker.sock",
    "/run/docker.sock", "/var/run/containerd", "/run/containerd", "/var/run/crio",
    "/run/crio", "/var/run/cri-dockerd.sock", "/var/lib/kubelet", "/var/lib/docker",
    "/var/lib/containerd",
)
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"
_HANDLERS = ("httpGet", "tcpSocket")
_PROBES = frozenset({"livenessProbe", "readinessProbe", "startupProbe"})
_HOOKS = frozenset({"postStart", "preStop"})


def sensitive_host_path(path: str) -> bool:
    """`/`, a path in SENSITIVE_HOST_PATHS, one under it, or a parent of one (`/var/run`)."""
    if not path.startswith("/"):
        return False
    p = posixpath.normpath(path)
    p = "/" if p.startswith("//") else p
    if p == "/":
        return True
    return any(p == s or p.startswith(s + "/") or s.startswith(p + "/") for s in SENSITIVE_HOST_PATHS)


def _pss(level: str, control: str) -> str:
    return f"({level} Pod Security Standard, {control} control)"


class _Pod:
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

    # Baseline controls.

    def host_namespaces(self) -> None:
        for field in ("hostNetwork", "hostPID", "hostIPC"):
            item = y.get_item(self.spec, field)
            if item and y.boolean(item[1]):
                self.add(
                    HOST_NAMESPACE, item[0], f"{self.where} {field}",
                    f"{self.where} sets {field}: true, sharing the node's namespace with the "
                    f"pod {_pss('baseline', 'Host Namespaces')}. Remove {field}.",
                )

    def host_process(self) -> None:
        for who, ctx in self.contexts():
            item = y.get_item(y.get(ctx, "windowsOptions"), "hostProcess")
            if item and y.boolean(item[1]):
                self.add(
                    HOST_PROCESS, item[0], f"{who} hostProcess",
                    f"{who} runs as a Windows HostProcess container, with full access to the "
                    f"node {_pss('baseline', 'HostProcess')}. Remove "
                    "windowsOptions.hostProcess.",
                )

    def privileged(self) -> None:
        for _, c in self.containers:
            item = y.get_item(y.get(c, "securityContext"), "privileged")
            if item and y.boolean(item[1]):
                here = self.cname(c)
                self.add(
                    PRIVILEGED, item[0], f"{here} privileged",
                    f"{here} runs privileged, with every capability and device of the node "
                    f"{_pss('baseline', 'Privileged Containers')}. Remove `privileged: true` "
                    "and add only the capabilities it needs.",
                )

    def capabilities(self) -> None:
        allowed = RESTRICTED_CAPABILITIES if self.restricted and not self.windows else None
        level = "restricted" if allowed else "baseline"
        allowed = allowed or BASELINE_CAPABILITIES
        for _, c in self.containers:
            here = self.cname(c)
            for cap in y.seq(y.get(y.get(y.get(c, "securityContext"), "capabilities"), "add")):
                name = y.text(cap) or ""
                if name in allowed:
                    continue
                plain = name.upper().removeprefix("CAP_")
                hint = (
                    f" Write it as {plain}: capability names are compared exactly."
                    if plain != name and plain in allowed else ""
                )
                self.add(
                    DANGEROUS_CAPABILITY, cap, f"{here} cap_add {name}",
                    f"{here} adds the {name} capability, beyond the {level} level "
                    f"{_pss(level, 'Capabilities')}.{hint} Drop it, or allow only "
                    f"{', '.join(sorted(allowed))}.",
                )

    def host_paths(self) -> None:
        for volume in y.seq(y.get(self.spec, "volumes")):
            item = y.get_item(volume, "hostPath")
            if not item:
                continue
            host = y.string(item[1], "path") or "?"
            sensitive = sensitive_host_path(host)
            what = "a sensitive node path, which hands over the node" if sensitive else "a node path"
            self.add(
                HOST_PATH, item[0], f"{self.where} hostPath {host}",
                f"{self.where} mounts {host} from the node (hostPath), {what} "
                f"{_pss('baseline', 'HostPath Volumes')}. Use a PersistentVolumeClaim, "
                "emptyDir, ConfigMap or Secret volume instead.",
                Severity.CRITICAL if sensitive else None,
            )

    def host_ports(self) -> None:
        for _, c in self.containers:
            here = self.cname(c)
            for port in y.seq(y.get(c, "ports")):
                item = y.get_item(port, "hostPort")
                number = y.integer(item[1]) if item else None
                if not item or number == 0:
                    continue
                if self.policy.allowed_ports is not None:
                    continue  # exposure: `port-not-allowed` judges it against the known list
                self.add(
                    HOST_PORT, item[0], f"{here} hostPort {number}",
                    f"{here} opens hostPort {number} on the node "
                    f"{_pss('baseline', 'Host Ports')}. Expose it through a Service, or list "
                    "the port in deploy.allowed_ports.",
                )

    def apparmor(self) -> None:
        for key, value in y.items(y.get(self.meta, "annotations")):
            name = str(key.value)
            profile = y.text(value) or ""
            if not name.startswith(APPARMOR_ANNOTATION):
                continue
            if profile in ("", "runtime/default") or profile.startswith("localhost/"):
                continue
            target = name[len(APPARMOR_ANNOTATION):]
            self.add(
                APPARMOR, key, f"{self.where} apparmor {target} {profile}",
                f"{self.where} sets the AppArmor profile of container {target} to {profile} "
                f"{_pss('baseline', 'AppArmor')}. Use runtime/default or a localhost/ "
                "profile.",
            )
        for who, ctx in self.contexts():
            found = _profile_type(ctx, "appArmorProfile", APPARMOR_TYPES)
            if found:
                anchor, kind = found
                self.add(
                    APPARMOR, anchor, f"{who} appArmorProfile {kind}",
                    f"{who} sets appArmorProfile.type: {kind} "
                    f"{_pss('baseline', 'AppArmor')}. Use RuntimeDefault or Localhost.",
                )

    def selinux(self) -> None:
        for who, ctx in self.contexts():
            opts = y.get(ctx, "seLinuxOptions")
            for field in ("type", "user", "role"):
                item = y.get_item(opts, field)
                value = (y.text(item[1]) or "") if item else ""
                if item is None or not value or (field == "type" and value in SELINUX_TYPES):
                    continue
                allowed = (
                    "Use container_t, container_init_t, container_kvm_t or container_engine_t."
                    if field == "type" else f"Leave seLinuxOptions.{field} unset."
                )
                self.add(
                    SELINUX, item[0], f"{who} seLinuxOptions {field} {value}",
                    f"{who} sets seLinuxOptions.{field}: {value} "
                    f"{_pss('baseline', 'SELinux')}. {allowed}",
                )

    def proc_mount(self) -> None:
        if self.user_namespace and not self.restricted:
            return  # baseline allows any /proc mount in a user namespace
        for _, c in self.containers:
            item = y.get_item(y.get(c, "securityContext"), "procMount")
            value = y.text(item[1]) if item else None
            if not item or value in (None, "Default"):
                continue
            here = self.cname(c)
            level = "restricted" if self.user_namespace else "baseline"
            self.add(
                PROC_MOUNT, item[0], f"{here} procMount {value}",
                f"{here} sets procMount: {value}, exposing the node's /proc paths "
                f"{_pss(level, '/proc Mount Type')}. Remove procMount (Default).",
                Severity.MEDIUM if self.user_namespace else None,
            )

    def seccomp(self) -> None:
        for who, ctx in self.contexts():
            found = _profile_type(ctx, "seccompProfile", SECCOMP_TYPES)
            if found:
                anchor, kind = found
                self.add(
                    SECCOMP, anchor, f"{who} seccompProfile {kind}",
                    f"{who} sets seccompProfile.type: {kind}, so every system call is allowed "
                    f"{_pss('baseline', 'Seccomp')}. Use RuntimeDefault or Localhost.",
                )
        for key, value in y.items(y.get(self.meta, "annotations")):
            name = str(key.value)
            profile = y.text(value) or ""
            legacy = name == SECCOMP_POD_ANNOTATION or name.startswith(SECCOMP_CONTAINER_ANNOTATION)
            if not legacy or profile in ("runtime/default", "docker/default"):
                continue
            if profile.startswith("localhost/"):
                continue
            self.add(
                SECCOMP, key, f"{self.where} {name} {profile}",
                f"{self.where} sets {name}: {profile} {_pss('baseline', 'Seccomp')}. Use "
                "securityContext.seccompProfile.type: RuntimeDefault.",
            )

    def sysctls(self) -> None:
        for item in y.seq(y.get(self.ctx, "sysctls")):
            name_item = y.get_item(item, "name")
            name = y.text(name_item[1]) if name_item else None
            if name_item is None or name is None or name in SAFE_SYSCTLS:
                continue
            self.add(
                UNSAFE_SYSCTL, name_item[1], f"{self.where} sysctl {name}",
                f"{self.where} sets the sysctl {name}, outside the safe, namespaced set "
                f"{_pss('baseline', 'Sysctls')}. Remove it or tune the node instead.",
            )

    def probe_hosts(self) -> None:
        for _, c in self.containers:
            here = self.cname(c)
            handlers = [
                v for k, v in y.items(c) if k.value in _PROBES
            ] + [v for k, v in y.items(y.get(c, "lifecycle")) if k.value in _HOOKS]
            for handler in handlers:
                for kind in _HANDLERS:
                    item = y.get_item(y.get(handler, kind), "host")
                    host = y.text(item[1]) if item else None
                    if item and host:
                        self.add(
                            PROBE_HOST, item[0], f"{here} {kind} host {host}",
                            f"{here} has the kubelet connect to {host} from the node "
                            f"{_pss('baseline', 'Host Probes / Lifecycle Hooks')}. Remove "
                            "`host` so it targets the pod's own IP.",
                        )

    # Restricted controls (and the explicit opt-outs reported at baseline too).

    def volume_types(self) -> None:
        for volume in y.seq(y.get(self.spec, "volumes")):
            sources = [k for k, _ in y.items(volume) if k.value != "name"]
            if not sources or any(k.value in RESTRICTED_VOLUME_SOURCES for k in sources):
                continue
            if any(k.value == "hostPath" for k in sources):
                continue  # reported as host-path
            kind = str(sources[0].value)
            name = y.string(volume, "name") or "(unnamed)"
            self.add(
                VOLUME_TYPE, sources[0], f"{self.where} volume {name} {kind}",
                f"{self.where} volume {name} is a {kind} volume "
                f"{_pss('restricted', 'Volume Types')}. Use a PersistentVolumeClaim, csi, "
                "ephemeral, emptyDir, configMap, secret, projected or downwardAPI volume.",
            )

    def privilege_escalation(self) -> None:
        for _, c in self.containers:
            here = self.cname(c)
            ctx_item = y.get_item(c, "securityContext")
            item = y.get_item(ctx_item[1], "allowPrivilegeEscalation") if ctx_item else None
            value = y.boolean(item[1]) if item else None
            if item and value:
                self.add(
                    PRIVILEGE_ESCALATION, item[0], f"{here} allowPrivilegeEscalation",
                    f"{here} sets allowPrivilegeEscalation: true, so setuid binaries can gain "
                    f"root {_pss('restricted', 'Privilege Escalation')}. Set it to false.",
                    Severity.HIGH,
                )
            elif value is None and self.restricted and not self.windows:
                anchor = ctx_item[0] if ctx_item else c
                self.add(
                    PRIVILEGE_ESCALATION, anchor, f"{here} allowPrivilegeEscalation unset",
                    f"{here} does not set allowPrivilegeEscalation: false "
                    f"{_pss('restricted', 'Privilege Escalation')}. Set "
                    "securityContext.allowPrivilegeEscalation: false.",
                )

    def run_as_non_root(self) -> None:
        if self.user_namespace:
            return
        pod_item = y.get_item(self.ctx, "runAsNonRoot")
        pod_value = y.boolean(pod_item[1]) if pod_item else None
        control = _pss("restricted", "Running as Non-root")
        if pod_item and pod_value is False:
            self.add(
                RUN_AS_NON_ROOT, pod_item[0], f"{self.where} runAsNonRoot false",
                f"{self.where} sets runAsNonRoot: false {control}. Set runAsNonRoot: true and "
                "run as a non-zero UID.",
            )
        pod_uid = _uid(self.ctx)
        for _, c in self.containers:
            here = self.cname(c)
            ctx = y.get(c, "securityContext")
            item = y.get_item(ctx, "runAsNonRoot")
            value = y.boolean(item[1]) if item else None
            if item and value is False:
                self.add(
                    RUN_AS_NON_ROOT, item[0], f"{here} runAsNonRoot false",
                    f"{here} sets runAsNonRoot: false {control}. Set runAsNonRoot: true and "
                    "run as a non-zero UID.",
                )
                continue
            if value or pod_value or not self.restricted:
                continue
            uid = _uid(ctx)
            if uid is None:
                uid = pod_uid
            if uid == 0:
                continue  # reported as run-as-root
            self.add(
                RUN_AS_NON_ROOT, c, f"{here} runAsNonRoot missing",
                f"{here} does not set runAsNonRoot, so its image may run it as root "
                f"{control}. Set securityContext.runAsNonRoot: true (on the pod or the "
                "container).",
            )

    def run_as_user(self) -> None:
        if self.user_namespace:
            return
        for who, ctx in self.contexts():
            item = y.get_item(ctx, "runAsUser")
            if item and y.integer(item[1]) == 0:
                self.add(
                    RUN_AS_ROOT, item[0], f"{who} runAsUser 0",
                    f"{who} runs as user 0 (root) "
                    f"{_pss('restricted', 'Running as Non-root user')}. Run as a non-zero UID "
                    "and set runAsNonRoot: true.",
                )

    def seccomp_required(self) -> None:
        if self.windows or y.is_map(y.get(self.ctx, "seccompProfile")):
            return  # a pod-level profile covers every container (a bad one is `seccomp`)
        for _, c in self.containers:
            if y.is_map(y.get(y.get(c, "securityContext"), "seccompProfile")):
                continue
            here = self.cname(c)
            self.add(
                SECCOMP_NOT_SET, c, f"{here} seccompProfile unset",
                f"{here} runs without a seccomp profile "
                f"{_pss('restricted', 'Seccomp')}. Set securityContext.seccompProfile.type: "
                "RuntimeDefault on the pod or the container.",
            )

    def capabilities_dropped(self) -> None:
        if self.windows:
            return
        for _, c in self.containers:
            ctx_item = y.get_item(c, "securityContext")
            caps_item = y.get_item(ctx_item[1], "capabilities") if ctx_item else None
            drop = y.get(caps_item[1], "drop") if caps_item else None
            if any(y.text(d) == "ALL" for d in y.seq(drop)):
                continue
            here = self.cname(c)
            anchor = caps_item[0] if caps_item else ctx_item[0] if ctx_item else c
            self.add(
                CAPABILITIES_NOT_DROPPED, anchor, f"{here} capabilities drop ALL missing",
                f"{here} does not drop ALL capabilities {_pss('restricted', 'Capabilities')}. "
                "Set securityContext.capabilities.drop: [ALL] and add back only "
                "NET_BIND_SERVICE if needed.",
            )


def _profile_type(
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


def _uid(ctx: Node | None) -> int | None:
    item = y.get_item(ctx, "runAsUser")
    return y.integer(item[1]) if item else None


def check_pod_security(
    spec: Node, meta: Node | None, policy: DeployPolicy, where: str
) -> list[Violation]:
    """Violations of the pod spec `spec` (with its pod `meta`data) at `policy.pod_security`."""
    level = policy.pod_security
    if RANK[level] < RANK["baseline"]:
        return []
    pod = _Pod(spec, meta, level, policy, where)
    pod.host_namespaces()
    pod.host_process()
    pod.privileged()
    pod.capabilities()
    pod.host_paths()
    pod.host_ports()
    pod.apparmor()
    pod.selinux()
    pod.proc_mount()
    pod.seccomp()
    pod.sysctls()
    pod.probe_hosts()
    pod.privilege_escalation()
    pod.run_as_non_root()
    pod.run_as_user()
    if pod.restricted:
        pod.volume_types()
        pod.seccomp_required()
        pod.capabilities_dropped()
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
