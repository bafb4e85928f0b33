"""The restricted controls of the Pod Security Standards (pod-security-admission v1.37).

Privilege escalation, running as non-root and the non-root user also run at the baseline level,
where they report only what a manifest switches off explicitly (never a mere absence). Windows
pods (``os.name: windows``) are exempt from the Linux-only controls; pods in a user namespace
(``hostUsers: false``) from the root controls.
"""

from __future__ import annotations

from mergegate.core.findings import Severity
from mergegate.scanners.deploy import yamlsafe as y
from mergegate.scanners.deploy.podcontext import PodSecurityContext, pss, uid
from mergegate.scanners.deploy.rules import (
    CAPABILITIES_NOT_DROPPED,
    PRIVILEGE_ESCALATION,
    RUN_AS_NON_ROOT,
    RUN_AS_ROOT,
    SECCOMP_NOT_SET,
    VOLUME_TYPE,
)

RESTRICTED_VOLUME_SOURCES = frozenset({
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
    "persistentVolumeClaim", "projected", "secret",
})


def volume_types(pod: PodSecurityContext) -> None:
    for volume in y.seq(y.get(pod.spec, "volumes")):
        sources = [k for k, _ in y.items(volume) if k.value != "name"]
        if not sources or any(k.value in RESTRICTED_VOLUME_SOURCES for k in sources):
            continue
        if any(k.value == "hostPath" for k in sources):
            continue  # reported as host-path
        kind = str(sources[0].value)
        name = y.string(volume, "name") or "(unnamed)"
        pod.add(
            VOLUME_TYPE, sources[0], f"{pod.where} volume {name} {kind}",
            f"{pod.where} volume {name} is a {kind} volume "
            f"{pss('restricted', 'Volume Types')}. Use a PersistentVolumeClaim, csi, "
            "ephemeral, emptyDir, configMap, secret, projected or downwardAPI volume.",
        )


def privilege_escalation(pod: PodSecurityContext) -> None:
    for _, c in pod.containers:
        here = pod.cname(c)
        ctx_item = y.get_item(c, "securityContext")
        item = y.get_item(ctx_item[1], "allowPrivilegeEscalation") if ctx_item else None
        value = y.boolean(item[1]) if item else None
        if item and value:
            pod.add(
                PRIVILEGE_ESCALATION, item[0], f"{here} allowPrivilegeEscalation",
                f"{here} sets allowPrivilegeEscalation: true, so setuid binaries can gain "
                f"root {pss('restricted', 'Privilege Escalation')}. Set it to false.",
                Severity.HIGH,
            )
        elif value is None and pod.restricted and not pod.windows:
            anchor = ctx_item[0] if ctx_item else c
            pod.add(
                PRIVILEGE_ESCALATION, anchor, f"{here} allowPrivilegeEscalation unset",
                f"{here} does not set allowPrivilegeEscalation: false "
                f"{pss('restricted', 'Privilege Escalation')}. Set "
                "securityContext.allowPrivilegeEscalation: false.",
            )


def run_as_non_root(pod: PodSecurityContext) -> None:
    if pod.user_namespace:
        return
    pod_item = y.get_item(pod.ctx, "runAsNonRoot")
    pod_value = y.boolean(pod_item[1]) if pod_item else None
    control = pss("restricted", "Running as Non-root")
    if pod_item and pod_value is False:
        pod.add(
            RUN_AS_NON_ROOT, pod_item[0], f"{pod.where} runAsNonRoot false",
            f"{pod.where} sets runAsNonRoot: false {control}. Set runAsNonRoot: true and "
            "run as a non-zero UID.",
        )
    pod_uid = uid(pod.ctx)
    for _, c in pod.containers:
        here = pod.cname(c)
        ctx = y.get(c, "securityContext")
        item = y.get_item(ctx, "runAsNonRoot")
        value = y.boolean(item[1]) if item else None
        if item and value is False:
            pod.add(
                RUN_AS_NON_ROOT, item[0], f"{here} runAsNonRoot false",
                f"{here} sets runAsNonRoot: false {control}. Set runAsNonRoot: true and "
                "run as a non-zero UID.",
            )
            continue
        if value or pod_value or not pod.restricted:
            continue
        user = uid(ctx)
        if user is None:
            user = pod_uid
        if user == 0:
            continue  # reported as run-as-root
        pod.add(
            RUN_AS_NON_ROOT, c, f"{here} runAsNonRoot missing",
            f"{here} does not set runAsNonRoot, so its image may run it as root "
            f"{control}. Set securityContext.runAsNonRoot: true (on the pod or the "
            "container).",
        )


def run_as_user(pod: PodSecurityContext) -> None:
    if pod.user_namespace:
        return
    for who, ctx in pod.contexts():
        item = y.get_item(ctx, "runAsUser")
        if item and y.integer(item[1]) == 0:
            pod.add(
                RUN_AS_ROOT, item[0], f"{who} runAsUser 0",
                f"{who} runs as user 0 (root) "
                f"{pss('restricted', 'Running as Non-root user')}. Run as a non-zero UID "
                "and set runAsNonRoot: true.",
            )


def seccomp_required(pod: PodSecurityContext) -> None:
    if pod.windows or y.is_map(y.get(pod.ctx, "seccompProfile")):
        return  # a pod-level profile covers every container (a bad one is `seccomp`)
    for _, c in pod.containers:
        if y.is_map(y.get(y.get(c, "securityContext"), "seccompProfile")):
            continue
        here = pod.cname(c)
        pod.add(
            SECCOMP_NOT_SET, c, f"{here} seccompProfile unset",
            f"{here} runs without a seccomp profile "
            f"{pss('restricted', 'Seccomp')}. Set securityContext.seccompProfile.type: "
            "RuntimeDefault on the pod or the container.",
        )


def capabilities_dropped(pod: PodSecurityContext) -> None:
    if pod.windows:
        return
    for _, c in pod.containers:
        ctx_item = y.get_item(c, "securityContext")
        caps_item = y.get_item(ctx_item[1], "capabilities") if ctx_item else None
        drop = y.get(caps_item[1], "drop") if caps_item else None
        if any(y.text(d) == "ALL" for d in y.seq(drop)):
            continue
        here = pod.cname(c)
        anchor = caps_item[0] if caps_item else ctx_item[0] if ctx_item else c
        pod.add(
            CAPABILITIES_NOT_DROPPED, anchor, f"{here} capabilities drop ALL missing",
            f"{here} does not drop ALL capabilities {pss('restricted', 'Capabilities')}. "
            "Set securityContext.capabilities.drop: [ALL] and add back only "
            "NET_BIND_SERVICE if needed.",
        )


# Restricted controls that also report explicit opt-outs at the baseline level.
EXPLICIT_CONTROLS = (privilege_escalation, run_as_non_root, run_as_user)
RESTRICTED_ONLY_CONTROLS = (volume_types, seccomp_required, capabilities_dropped)
