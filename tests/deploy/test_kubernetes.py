"""Hand-written Kubernetes manifests: one per check, with exact lines."""

from __future__ import annotations

from pathlib import Path

from mergegate.core.policy import DeployPolicy

from tests.deploy.support import scan_files, triples

HARDENED = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
      - name: api
        image: ghcr.io/acme/api:1.2.3
        resources:
          limits: {cpu: 100m, memory: 64Mi}
"""

RISKY_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  hostNetwork: true
  hostPID: true
  hostIPC: false
  volumes:
  - name: root
    hostPath:
      path: /
  containers:
  - name: shell
    image: ghcr.io/acme/shell@sha256:0123456789abcdef0123456789abcdef0123456789abcdef
    securityContext:
      privileged: true
      allowPrivilegeEscalation: true
      runAsUser: 0
      capabilities:
        add:
        - NET_BIND_SERVICE
        - SYS_ADMIN
    ports:
    - containerPort: 8080
      hostPort: 8080
    resources:
      limits:
        memory: 64Mi
"""


def test_hardened_deployment_is_clean(tmp_path: Path) -> None:
    policy = DeployPolicy(allowed_ports=(443,), allowed_registries=("ghcr.io/acme/",))
    result = scan_files(tmp_path, {"k8s/api.yaml": HARDENED}, policy)
    assert result.findings == [] and result.errors == []


def test_each_pod_check_at_its_line(tmp_path: Path) -> None:
    policy = DeployPolicy(allowed_ports=(443,), allowed_registries=("ghcr.io/acme/",))
    result = scan_files(tmp_path, {"pod.yaml": RISKY_POD}, policy)
    assert triples(result) == {
        ("deploy.host-namespace", "pod.yaml", 6),
        ("deploy.host-namespace", "pod.yaml", 7),
        ("deploy.host-path", "pod.yaml", 11),
        ("deploy.privileged", "pod.yaml", 17),
        ("deploy.privilege-escalation", "pod.yaml", 18),
        ("deploy.run-as-root", "pod.yaml", 19),
        ("deploy.dangerous-capability", "pod.yaml", 23),
        ("deploy.port-not-allowed", "pod.yaml", 26),
        ("deploy.missing-resource-limits", "pod.yaml", 27),
    }
    limits = next(f for f in result.findings if f.rule == "deploy.missing-resource-limits")
    assert limits.severity.label == "low"
    assert "no cpu limit" in limits.message


def test_missing_run_as_non_root_points_at_the_container(tmp_path: Path) -> None:
    manifest = HARDENED.replace("      securityContext:\n        runAsNonRoot: true\n", "")
    # The baseline Pod Security Standard allows an unset runAsNonRoot; restricted does not.
    assert scan_files(tmp_path, {"d.yaml": manifest}).findings == []
    result = scan_files(tmp_path, {"d.yaml": manifest}, DeployPolicy(pod_security="restricted"))
    found = [f for f in result.findings if f.rule == "deploy.run-as-non-root"]
    assert [(f.line, f.severity.label) for f in found] == [(9, "medium")]
    assert "does not set runAsNonRoot" in found[0].message
    assert "restricted Pod Security Standard" in found[0].message


def test_non_zero_run_as_user_is_enough(tmp_path: Path) -> None:
    manifest = HARDENED.replace("runAsNonRoot: true", "runAsUser: 1000")
    assert scan_files(tmp_path, {"d.yaml": manifest}).findings == []


def test_pod_specs_of_every_workload_kind_and_lists(tmp_path: Path) -> None:
    container = (
        "{containers: [{name: c, image: 'nginx:1.27', "
        "securityContext: {privileged: true, runAsNonRoot: true}, "
        "resources: {limits: {cpu: 1, memory: 1Gi}}}]}"
    )
    docs = [
        f"apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: w}}\n"
        f"spec: {{template: {{spec: {container}}}}}\n"
        for kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")
    ]
    docs.append(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: w}\n"
        f"spec: {{jobTemplate: {{spec: {{template: {{spec: {container}}}}}}}}}\n"
    )
    docs.append(
        "apiVersion: v1\nkind: List\nitems:\n"
        f"- {{apiVersion: v1, kind: Pod, metadata: {{name: p}}, spec: {container}}}\n"
    )
    result = scan_files(tmp_path, {"all.yaml": "---\n".join(docs)})
    assert sorted(f.line for f in result.findings) == [4, 9, 14, 19, 24, 29, 34]
    assert {f.rule for f in result.findings} == {"deploy.privileged"}


def test_service_types_and_ingress(tmp_path: Path) -> None:
    manifests = """\
apiVersion: v1
kind: Service
metadata: {name: internal}
spec:
  ports:
  - port: 8080
---
apiVersion: v1
kind: Service
metadata: {name: np}
spec:
  type: NodePort
  ports:
  - port: 443
    nodePort: 30443
  - port: 443
---
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  ports:
  - port: 443
  - port: 8443
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain}
spec:
  rules:
  - host: shop.acme.test
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: secure}
spec:
  tls:
  - hosts: [shop.acme.test]
  rules:
  - host: shop.acme.test
"""
    result = scan_files(tmp_path, {"svc.yaml": manifests}, DeployPolicy(allowed_ports=(443,)))
    assert triples(result) == {
        ("deploy.port-not-allowed", "svc.yaml", 15),  # explicit nodePort 30443
        ("deploy.port-not-allowed", "svc.yaml", 16),  # an automatically assigned node port
        ("deploy.port-not-allowed", "svc.yaml", 25),  # LoadBalancer 8443
        ("deploy.port-not-allowed", "svc.yaml", 31),  # Ingress without tls counts as 80
    }
    ingress = next(f for f in result.findings if f.line == 31)
    assert "Ingress/plain without tls exposes port 80" in ingress.message
    assert "Add a `tls:` section" in ingress.message


def test_registry_and_tag_policies(tmp_path: Path) -> None:
    manifest = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext: {runAsNonRoot: true}
  containers:
  - {name: a, image: nginx, resources: {limits: {cpu: 1, memory: 1Gi}}}
  - {name: b, image: "nginx:latest", resources: {limits: {cpu: 1, memory: 1Gi}}}
  - {name: c, image: "docker.io/library/nginx:1.27", resources: {limits: {cpu: 1, memory: 1Gi}}}
  - {name: d, image: "ghcr.io/acme/app:2.0", resources: {limits: {cpu: 1, memory: 1Gi}}}
  - name: e
    image: "ghcr.io/acme/app@sha256:0123456789abcdef0123456789abcdef"
    resources: {limits: {cpu: 1, memory: 1Gi}}
  - {name: f, image: "ghcr.io/acme-evil/app:1", resources: {limits: {cpu: 1, memory: 1Gi}}}
"""
    strict = DeployPolicy(allowed_registries=("nginx", "ghcr.io/acme/"), allow_mutable_tags=False)
    result = scan_files(tmp_path, {"p.yaml": manifest}, strict)
    assert triples(result) == {
        ("deploy.image-latest-tag", "p.yaml", 7),
        ("deploy.image-latest-tag", "p.yaml", 8),
        ("deploy.image-mutable-tag", "p.yaml", 9),
        ("deploy.image-mutable-tag", "p.yaml", 10),
        ("deploy.registry-not-allowed", "p.yaml", 14),
        ("deploy.image-mutable-tag", "p.yaml", 14),
    }
    lenient = DeployPolicy(allow_latest=True)
    assert scan_files(tmp_path, {"p.yaml": manifest}, lenient).findings == []


def test_node_selector_and_affinity_regions(tmp_path: Path) -> None:
    manifest = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true}
      nodeSelector:
        topology.kubernetes.io/region: cn-north-1
        topology.kubernetes.io/zone: cn-north-1b
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - key: topology.kubernetes.io/region
                operator: In
                values:
                - eu-west-1
                - cn-northwest-1
              - key: topology.kubernetes.io/region
                operator: NotIn
                values: [cn-north-1]
      containers:
      - {name: c, image: "nginx:1", resources: {limits: {cpu: 1, memory: 1Gi}}}
"""
    policy = DeployPolicy(forbidden_regions=("cn-north-1", "cn-northwest-1"))
    result = scan_files(tmp_path, {"d.yaml": manifest}, policy)
    assert triples(result) == {
        ("deploy.forbidden-region", "d.yaml", 9),
        ("deploy.forbidden-region", "d.yaml", 10),
        ("deploy.forbidden-region", "d.yaml", 20),
    }


def test_secret_in_env_is_found_and_never_shown(tmp_path: Path) -> None:
    key = "AKIA" + "IOSFODNN7EXAMPLE"
    password = "s3cr3t-Hunter2-" + "xyz"
    manifest = f"""\
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  securityContext: {{runAsNonRoot: true}}
  containers:
  - name: c
    image: nginx:1
    resources: {{limits: {{cpu: 1, memory: 1Gi}}}}
    env:
    - name: AWS_ACCESS_KEY_ID
      value: {key}
    - name: DB_PASSWORD
      value: "{password}"
    - name: DB_HOST
      value: db.internal
    - name: API_TOKEN
      valueFrom: {{secretKeyRef: {{name: api, key: token}}}}
"""
    result = scan_files(tmp_path, {"p.yaml": manifest})
    assert triples(result) == {
        ("deploy.secret-in-env", "p.yaml", 12),
        ("deploy.secret-in-env", "p.yaml", 14),
    }
    for f in result.findings:
        assert key not in repr(f) and password not in repr(f)
        assert "secretKeyRef" in f.message


def test_kustomization_images_are_checked(tmp_path: Path) -> None:
    text = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [deployment.yaml]
images:
- name: api
  newName: docker.io/acme/api
  newTag: latest
- name: worker
  newTag: "1.4"
- name: web
  newName: ghcr.io/acme/web
  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
"""
    policy = DeployPolicy(allowed_registries=("ghcr.io/acme/",))
    result = scan_files(tmp_path, {"overlays/prod/kustomization.yaml": text}, policy)
    path = "overlays/prod/kustomization.yaml"
    assert triples(result) == {
        ("deploy.registry-not-allowed", path, 6),
        ("deploy.image-latest-tag", path, 6),
        ("deploy.registry-not-allowed", path, 8),
    }


def test_non_utf8_manifest_is_noted(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"apiVersion: v1\nkind: Pod\nname: \xff\xfe\n")
    from mergegate.core.findings import ScanNote

    from tests.deploy.support import scan_dir

    result = scan_dir(tmp_path)
    assert result.notes == [ScanNote("deploy: not UTF-8 text, not checked", "bad.yaml")]
