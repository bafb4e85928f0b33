"""The baseline controls of the Pod Security Standards (pod-security-admission v1.37).

Each function checks one control of a `PodSecurityContext` and adds a violation per offending
field, at its line. Capabilities also apply the restricted allow-list when the level is
restricted. Allowed values follow upstream: newest safe sysctls, ``container_engine_t``,
AppArmor by annotation and by field, probe and lifecycle hosts, /proc masks relaxed in user
namespaces (``hostUsers: false``).
"""

from __future__ import annotations

import posixpath

from mergegate.core.findings import Severity
from mergegate.scanners.deploy import yamlsafe as y
from mergegate.scanners.deploy.podcontext import PodSecurityContext, profile_type, pss
from mergegate.scanners.deploy.rules import (
    APPARMOR,
    DANGEROUS_CAPABILITY,
    HOST_NAMESPACE,
    HOST_PATH,
    HOST_PORT,
    HOST_PROCESS,
    PRIVILEGED,
    PROBE_HOST,
    PROC_MOUNT,
    SECCOMP,
    SELINUX,
    UNSAFE_SYSCTL,
)

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


def host_namespaces(pod: PodSecurityContext) -> None:
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        item = y.get_item(pod.spec, field)
        if item and y.boolean(item[1]):
            pod.add(
                HOST_NAMESPACE, item[0], f"{pod.where} {field}",
                f"{pod.where} sets {field}: true, sharing the node's namespace with the "
                f"pod {pss('baseline', 'Host Namespaces')}. Remove {field}.",
            )


def host_process(pod: PodSecurityContext) -> None:
    for who, ctx in pod.contexts():
        item = y.get_item(y.get(ctx, "windowsOptions"), "hostProcess")
        if item and y.boolean(item[1]):
            pod.add(
                HOST_PROCESS, item[0], f"{who} hostProcess",
                f"{who} runs as a Windows HostProcess container, with full access to the "
                f"node {pss('baseline', 'HostProcess')}. Remove "
                "windowsOptions.hostProcess.",
            )


def privileged(pod: PodSecurityContext) -> None:
    for _, c in pod.containers:
        item = y.get_item(y.get(c, "securityContext"), "privileged")
        if item and y.boolean(item[1]):
            here = pod.cname(c)
            pod.add(
                PRIVILEGED, item[0], f"{here} privileged",
                f"{here} runs privileged, with every capability and device of the node "
                f"{pss('baseline', 'Privileged Containers')}. Remove `privileged: true` "
                "and add only the capabilities it needs.",
            )


def capabilities(pod: PodSecurityContext) -> None:
    allowed = RESTRICTED_CAPABILITIES if pod.restricted and not pod.windows else None
    level = "restricted" if allowed else "baseline"
    allowed = allowed or BASELINE_CAPABILITIES
    for _, c in pod.containers:
        here = pod.cname(c)
        for cap in y.seq(y.get(y.get(y.get(c, "securityContext"), "capabilities"), "add")):
            name = y.text(cap) or ""
            if name in allowed:
                continue
            plain = name.upper().removeprefix("CAP_")
            hint = (
                f" Write it as {plain}: capability names are compared exactly."
                if plain != name and plain in allowed else ""
            )
            pod.add(
                DANGEROUS_CAPABILITY, cap, f"{here} cap_add {name}",
                f"{here} adds the {name} capability, beyond the {level} level "
                f"{pss(level, 'Capabilities')}.{hint} Drop it, or allow only "
                f"{', '.join(sorted(allowed))}.",
            )


def host_paths(pod: PodSecurityContext) -> None:
    for volume in y.seq(y.get(pod.spec, "volumes")):
        item = y.get_item(volume, "hostPath")
        if not item:
            continue
        host = y.string(item[1], "path") or "?"
        sensitive = sensitive_host_path(host)
        what = "a sensitive node path, which hands over the node" if sensitive else "a node path"
        pod.add(
            HOST_PATH, item[0], f"{pod.where} hostPath {host}",
            f"{pod.where} mounts {host} from the node (hostPath), {what} "
            f"{pss('baseline', 'HostPath Volumes')}. Use a PersistentVolumeClaim, "
            "emptyDir, ConfigMap or Secret volume instead.",
            Severity.CRITICAL if sensitive else None,
        )


def host_ports(pod: PodSecurityContext) -> None:
    for _, c in pod.containers:
        here = pod.cname(c)
        for port in y.seq(y.get(c, "ports")):
            item = y.get_item(port, "hostPort")
            number = y.integer(item[1]) if item else None
            if not item or number == 0:
                continue
            if pod.policy.allowed_ports is not None:
                continue  # exposure: `port-not-allowed` judges it against the known list
            pod.add(
                HOST_PORT, item[0], f"{here} hostPort {number}",
                f"{here} opens hostPort {number} on the node "
                f"{pss('baseline', 'Host Ports')}. Expose it through a Service, or list "
                "the port in deploy.allowed_ports.",
            )


def apparmor(pod: PodSecurityContext) -> None:
    for key, value in y.items(y.get(pod.meta, "annotations")):
        name = str(key.value)
        profile = y.text(value) or ""
        if not name.startswith(APPARMOR_ANNOTATION):
            continue
        if profile in ("", "runtime/default") or profile.startswith("localhost/"):
            continue
        target = name[len(APPARMOR_ANNOTATION):]
        pod.add(
            APPARMOR, key, f"{pod.where} apparmor {target} {profile}",
            f"{pod.where} sets the AppArmor profile of container {target} to {profile} "
            f"{pss('baseline', 'AppArmor')}. Use runtime/default or a localhost/ "
            "profile.",
        )
    for who, ctx in pod.contexts():
        found = profile_type(ctx, "appArmorProfile", APPARMOR_TYPES)
        if found:
            anchor, kind = found
            pod.add(
                APPARMOR, anchor, f"{who} appArmorProfile {kind}",
                f"{who} sets appArmorProfile.type: {kind} "
                f"{pss('baseline', 'AppArmor')}. Use RuntimeDefault or Localhost.",
            )


def selinux(pod: PodSecurityContext) -> None:
    for who, ctx in pod.contexts():
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
            pod.add(
                SELINUX, item[0], f"{who} seLinuxOptions {field} {value}",
                f"{who} sets seLinuxOptions.{field}: {value} "
                f"{pss('baseline', 'SELinux')}. {allowed}",
            )


def proc_mount(pod: PodSecurityContext) -> None:
    if pod.user_namespace and not pod.restricted:
        return  # baseline allows any /proc mount in a user namespace
    for _, c in pod.containers:
        item = y.get_item(y.get(c, "securityContext"), "procMount")
        value = y.text(item[1]) if item else None
        if not item or value in (None, "Default"):
            continue
        here = pod.cname(c)
        level = "restricted" if pod.user_namespace else "baseline"
        pod.add(
            PROC_MOUNT, item[0], f"{here} procMount {value}",
            f"{here} sets procMount: {value}, exposing the node's /proc paths "
            f"{pss(level, '/proc Mount Type')}. Remove procMount (Default).",
            Severity.MEDIUM if pod.user_namespace else None,
        )


def seccomp(pod: PodSecurityContext) -> None:
    for who, ctx in pod.contexts():
        found = profile_type(ctx, "seccompProfile", SECCOMP_TYPES)
        if found:
            anchor, kind = found
            pod.add(
                SECCOMP, anchor, f"{who} seccompProfile {kind}",
                f"{who} sets seccompProfile.type: {kind}, so every system call is allowed "
                f"{pss('baseline', 'Seccomp')}. Use RuntimeDefault or Localhost.",
            )
    for key, value in y.items(y.get(pod.meta, "annotations")):
        name = str(key.value)
        profile = y.text(value) or ""
        legacy = name == SECCOMP_POD_ANNOTATION or name.startswith(SECCOMP_CONTAINER_ANNOTATION)
        if not legacy or profile in ("runtime/default", "docker/default"):
            continue
        if profile.startswith("localhost/"):
            continue
        pod.add(
            SECCOMP, key, f"{pod.where} {name} {profile}",
            f"{pod.where} sets {name}: {profile} {pss('baseline', 'Seccomp')}. Use "
            "securityContext.seccompProfile.type: RuntimeDefault.",
        )


def sysctls(pod: PodSecurityContext) -> None:
    for item in y.seq(y.get(pod.ctx, "sysctls")):
        name_item = y.get_item(item, "name")
        name = y.text(name_item[1]) if name_item else None
        if name_item is None or name is None or name in SAFE_SYSCTLS:
            continue
        pod.add(
            UNSAFE_SYSCTL, name_item[1], f"{pod.where} sysctl {name}",
            f"{pod.where} sets the sysctl {name}, outside the safe, namespaced set "
            f"{pss('baseline', 'Sysctls')}. Remove it or tune the node instead.",
        )


def probe_hosts(pod: PodSecurityContext) -> None:
    for _, c in pod.containers:
        here = pod.cname(c)
        handlers = [
            v for k, v in y.items(c) if k.value in _PROBES
        ] + [v for k, v in y.items(y.get(c, "lifecycle")) if k.value in _HOOKS]
        for handler in handlers:
            for kind in _HANDLERS:
                item = y.get_item(y.get(handler, kind), "host")
                host = y.text(item[1]) if item else None
                if item and host:
                    pod.add(
                        PROBE_HOST, item[0], f"{here} {kind} host {host}",
                        f"{here} has the kubelet connect to {host} from the node "
                        f"{pss('baseline', 'Host Probes / Lifecycle Hooks')}. Remove "
                        "`host` so it targets the pod's own IP.",
                    )


BASELINE_CONTROLS = (
    host_namespaces, host_process, privileged, capabilities, host_paths, host_ports, apparmor,
    selinux, proc_mount, seccomp, sysctls, probe_hosts,
)
