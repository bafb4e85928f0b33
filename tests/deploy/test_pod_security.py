"""`deploy.pod_security`: controls per level, severities, every workload kind, PSPs, lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from mergegate.core.policy import DeployPolicy
from mergegate.policy_file import parse_policy

from tests.deploy.support import scan_files, triples

RESTRICTED = DeployPolicy(pod_security="restricted")

CRITICAL_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: node-shell
  annotations:
    container.apparmor.security.beta.kubernetes.io/shell: unconfined
spec:
  hostPID: true
  securityContext:
    seccompProfile: {type: Unconfined}
    sysctls:
    - {name: kernel.msgmax, value: "65536"}
    - {name: net.ipv4.tcp_keepalive_time, value: "600"}
    windowsOptions: {hostProcess: true}
  volumes:
  - name: docker
    hostPath: {path: /var/run/docker.sock}
  - name: logs
    hostPath: {path: /var/log/app}
  - name: run
    hostPath: {path: /var/run/}
  containers:
  - name: shell
    image: ghcr.io/acme/shell:1
    securityContext:
      procMount: Unmasked
      seLinuxOptions: {type: spc_t}
      appArmorProfile: {type: Unconfined}
      capabilities:
        add: [NET_RAW, CHOWN]
    resources: {limits: {cpu: 1, memory: 1Gi}}
"""


def by_rule(result: object) -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    for f in result.findings:  # type: ignore[attr-defined]
        out.setdefault(f.rule.removeprefix("deploy."), []).append((f.line, f.severity.label))
    return {k: sorted(v) for k, v in out.items()}


def test_baseline_controls_with_their_severities_and_lines(tmp_path: Path) -> None:
    result = scan_files(tmp_path, {"pod.yaml": CRITICAL_POD})
    assert by_rule(result) == {
        "apparmor": [(6, "high"), (28, "high")],
        "host-namespace": [(8, "critical")],
        "seccomp": [(10, "high")],
        "unsafe-sysctl": [(12, "high")],
        "host-process": [(14, "critical")],
        "host-path": [(17, "critical"), (19, "high"), (21, "critical")],
        "proc-mount": [(26, "high")],
        "selinux": [(27, "high")],
        "dangerous-capability": [(30, "high")],
    }
    messages = {f.rule: f.message for f in result.findings}
    assert "(baseline Pod Security Standard, Host Namespaces control)" in messages[
        "deploy.host-namespace"]
    assert "sensitive node path" in next(
        f.message for f in result.findings if f.line == 17)


def test_privileged_level_turns_pod_security_off(tmp_path: Path) -> None:
    result = scan_files(tmp_path, {"pod.yaml": CRITICAL_POD}, DeployPolicy(pod_security="privileged"))
    assert result.findings == []


def test_capability_names_are_compared_exactly(tmp_path: Path) -> None:
    pod = CRITICAL_POD.replace("add: [NET_RAW, CHOWN]", "add: [chown, CAP_KILL]")
    found = [f for f in scan_files(tmp_path, {"p.yaml": pod}).findings
             if f.rule == "deploy.dangerous-capability"]
    assert len(found) == 2
    assert "Write it as CHOWN" in found[0].message
    assert "Write it as KILL" in found[1].message


HARDENED_RESTRICTED = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/api: runtime/default
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      volumes:
      - {name: tmp, emptyDir: {}}
      - {name: cfg, configMap: {name: api}}
      containers:
      - name: api
        image: ghcr.io/acme/api:1.2.3
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
        resources: {limits: {cpu: 100m, memory: 64Mi}}
"""


def test_a_restricted_manifest_is_clean_at_every_level(tmp_path: Path) -> None:
    for level in ("privileged", "baseline", "restricted"):
        policy = DeployPolicy(pod_security=level)  # type: ignore[arg-type]
        assert scan_files(tmp_path, {"d.yaml": HARDENED_RESTRICTED}, policy).findings == []


def test_restricted_controls_are_medium_and_point_at_the_container(tmp_path: Path) -> None:
    manifest = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      volumes:
      - name: data
        nfs: {server: nfs.internal, path: /db}
      containers:
      - name: db
        image: ghcr.io/acme/db:1
        securityContext:
          runAsUser: 0
        resources: {limits: {cpu: 1, memory: 1Gi}}
"""
    # At baseline only the explicit runAsUser: 0 is reported; restricted adds the rest.
    assert by_rule(scan_files(tmp_path, {"s.yaml": manifest})) == {"run-as-root": [(14, "medium")]}
    assert by_rule(scan_files(tmp_path, {"s.yaml": manifest}, RESTRICTED)) == {
        "volume-type": [(9, "medium")],
        "privilege-escalation": [(13, "medium")],
        "run-as-root": [(14, "medium")],
        "seccomp-not-set": [(11, "medium")],
        "capabilities-not-dropped": [(13, "medium")],
    }


def test_explicit_opt_outs_are_reported_at_baseline(tmp_path: Path) -> None:
    manifest = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext: {runAsNonRoot: false}
  containers:
  - name: c
    image: ghcr.io/acme/c:1
    securityContext: {allowPrivilegeEscalation: true, runAsUser: 0}
    resources: {limits: {cpu: 1, memory: 1Gi}}
"""
    assert by_rule(scan_files(tmp_path, {"p.yaml": manifest})) == {
        "run-as-non-root": [(5, "medium")],
        "privilege-escalation": [(9, "high")],
        "run-as-root": [(9, "medium")],
    }


def test_user_namespaces_relax_proc_mount_and_root_controls(tmp_path: Path) -> None:
    manifest = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostUsers: false
  securityContext: {seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: ghcr.io/acme/c:1
    securityContext:
      procMount: Unmasked
      runAsUser: 0
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
    resources: {limits: {cpu: 1, memory: 1Gi}}
"""
    assert scan_files(tmp_path, {"p.yaml": manifest}).findings == []
    assert by_rule(scan_files(tmp_path, {"p.yaml": manifest}, RESTRICTED)) == {
        "proc-mount": [(11, "medium")],
    }


def test_windows_pods_skip_the_linux_only_restricted_controls(tmp_path: Path) -> None:
    manifest = """\
apiVersion: v1
kind: Pod
metadata: {name: w}
spec:
  os: {name: windows}
  securityContext: {runAsNonRoot: true}
  containers:
  - {name: c, image: "ghcr.io/acme/w:1", resources: {limits: {cpu: 1, memory: 1Gi}}}
"""
    assert scan_files(tmp_path, {"w.yaml": manifest}, RESTRICTED).findings == []


CONTAINER = (
    "{name: c, image: 'ghcr.io/acme/c:1', securityContext: {privileged: true}, "
    "resources: {limits: {cpu: 1, memory: 1Gi}}}"
)


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("Pod", f"spec: {{containers: [{CONTAINER}]}}"),
        ("Deployment", f"spec: {{template: {{spec: {{containers: [{CONTAINER}]}}}}}}"),
        ("StatefulSet", f"spec: {{template: {{spec: {{containers: [{CONTAINER}]}}}}}}"),
        ("DaemonSet", f"spec: {{template: {{spec: {{containers: [{CONTAINER}]}}}}}}"),
        ("ReplicaSet", f"spec: {{template: {{spec: {{containers: [{CONTAINER}]}}}}}}"),
        ("Job", f"spec: {{template: {{spec: {{containers: [{CONTAINER}]}}}}}}"),
        ("ReplicationController", f"spec: {{template: {{spec: {{containers: [{CONTAINER}]}}}}}}"),
        ("CronJob", "spec: {jobTemplate: {spec: {template: {spec: {containers: ["
                    f"{CONTAINER}]}}}}}}}}}}"),
        ("PodTemplate", f"template: {{spec: {{containers: [{CONTAINER}]}}}}"),
        ("Rollout", f"spec: {{template: {{spec: {{containers: [{CONTAINER}]}}}}}}"),
        ("Pod", f"spec: {{containers: [], initContainers: [{CONTAINER}]}}"),
        ("Pod", f"spec: {{containers: [], ephemeralContainers: [{CONTAINER}]}}"),
    ],
)
def test_every_workload_kind_and_container_group(tmp_path: Path, kind: str, body: str) -> None:
    text = f"apiVersion: v1\nkind: {kind}\nmetadata: {{name: w}}\n{body}\n"
    result = scan_files(tmp_path, {"w.yaml": text})
    assert triples(result) == {("deploy.privileged", "w.yaml", 4)}
    assert result.findings[0].severity.label == "critical"


def test_template_annotations_carry_apparmor_for_workloads(tmp_path: Path) -> None:
    text = HARDENED_RESTRICTED.replace("runtime/default", "unconfined")
    assert triples(scan_files(tmp_path, {"d.yaml": text})) == {("deploy.apparmor", "d.yaml", 8)}


PERMISSIVE_PSP = """\
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: wide-open
  annotations:
    seccomp.security.alpha.kubernetes.io/allowedProfileNames: '*'
spec:
  privileged: true
  allowPrivilegeEscalation: true
  allowedCapabilities: ['*']
  volumes: ['*']
  hostNetwork: true
  hostPorts:
  - {min: 0, max: 65535}
  hostIPC: true
  hostPID: true
  runAsUser: {rule: RunAsAny}
  seLinux: {rule: RunAsAny}
"""
RESTRICTED_PSP = """\
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: restricted}
spec:
  privileged: false
  allowPrivilegeEscalation: false
  requiredDropCapabilities: [ALL]
  volumes: [configMap, emptyDir, projected, secret, downwardAPI, csi, persistentVolumeClaim]
  hostNetwork: false
  hostIPC: false
  hostPID: false
  runAsUser: {rule: MustRunAsNonRoot}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}
  fsGroup: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}
"""


def test_a_permissive_pod_security_policy_is_flagged(tmp_path: Path) -> None:
    result = scan_files(tmp_path, {"psp.yaml": PERMISSIVE_PSP})
    got = {(f.line, f.severity.label) for f in result.findings}
    assert {f.rule for f in result.findings} == {"deploy.permissive-psp"}
    assert got == {
        (6, "high"), (8, "critical"), (9, "high"), (10, "high"), (11, "critical"),
        (12, "critical"), (14, "high"), (15, "critical"), (16, "critical"),
    }
    restricted = scan_files(tmp_path, {"psp.yaml": PERMISSIVE_PSP}, RESTRICTED)
    assert (17, "medium") in {(f.line, f.severity.label) for f in restricted.findings}


def test_a_restricted_pod_security_policy_is_clean(tmp_path: Path) -> None:
    assert scan_files(tmp_path, {"psp.yaml": RESTRICTED_PSP}, RESTRICTED).findings == []


def test_pod_security_policy_key_is_validated() -> None:
    assert parse_policy("deploy: {pod_security: Restricted}\n").policy.deploy.pod_security == (
        "restricted")
    assert parse_policy("version: 1\n").policy.deploy.pod_security == "baseline"
    errors = parse_policy("deploy:\n  pod_security: strict\n").errors
    assert [str(e) for e in errors] == [
        ".mergegate.yml:2:17: deploy.pod_security: expected one of "
        "privileged|baseline|restricted, got 'strict'"
    ]


def test_newer_allowed_values_and_legacy_annotations(tmp_path: Path) -> None:
    manifest = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
    container.seccomp.security.alpha.kubernetes.io/c: runtime/default
spec:
  securityContext:
    seLinuxOptions: {type: container_engine_t}
    appArmorProfile: {type: Localhost, localhostProfile: k8s-apparmor}
    sysctls:
    - {name: net.ipv4.tcp_rmem, value: "4096 87380 6291456"}
    - {name: net.ipv4.ip_local_reserved_ports, value: "30000"}
  containers:
  - name: c
    image: ghcr.io/acme/c:1
    securityContext:
      seccompProfile: {}
    resources: {limits: {cpu: 1, memory: 1Gi}}
"""
    assert by_rule(scan_files(tmp_path, {"p.yaml": manifest})) == {
        "seccomp": [(6, "high"), (19, "high")],  # legacy annotation; a profile without a type
    }
