"""What `allowed_ports` counts as exposed, and manifests recognised by content (YAML, JSON)."""

from __future__ import annotations

import json
from pathlib import Path

from mergegate.core.policy import DeployPolicy

from tests.deploy.support import scan_files, triples

ONLY_443 = DeployPolicy(allowed_ports=(443,))

HOST_NETWORK_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: agent}
spec:
  hostNetwork: true
  securityContext: {runAsNonRoot: true}
  containers:
  - name: agent
    image: ghcr.io/acme/agent:1
    ports:
    - containerPort: 9100
    - containerPort: 443
    - containerPort: 8080
      hostPort: 8080
    resources: {limits: {cpu: 1, memory: 1Gi}}
"""


def test_host_network_container_ports_and_host_ports_are_exposed(tmp_path: Path) -> None:
    result = scan_files(tmp_path, {"agent.yaml": HOST_NETWORK_POD}, ONLY_443)
    assert triples(result) == {
        ("deploy.host-namespace", "agent.yaml", 5),
        ("deploy.port-not-allowed", "agent.yaml", 11),  # containerPort 9100 on the node
        ("deploy.port-not-allowed", "agent.yaml", 14),  # hostPort 8080 (reported once)
    }
    port = next(f for f in result.findings if f.line == 11)
    assert "(hostNetwork) exposes port 9100" in port.message


def test_host_port_without_allowed_ports_is_the_host_ports_control(tmp_path: Path) -> None:
    text = HOST_NETWORK_POD.replace("  hostNetwork: true\n", "")
    result = scan_files(tmp_path, {"p.yaml": text})
    assert triples(result) == {("deploy.host-port", "p.yaml", 13)}
    allowed = scan_files(tmp_path, {"p.yaml": text}, DeployPolicy(allowed_ports=(8080,)))
    assert allowed.findings == []


def test_external_ips_expose_a_cluster_ip_service(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  externalIPs: [203.0.113.7]
  ports:
  - port: 8443
"""
    assert triples(scan_files(tmp_path, {"s.yaml": text}, ONLY_443)) == {
        ("deploy.port-not-allowed", "s.yaml", 7)
    }


def test_dockerfile_expose_is_low(tmp_path: Path) -> None:
    text = "FROM ghcr.io/acme/base:1\nUSER 1000\nEXPOSE 8080\n"
    result = scan_files(tmp_path, {"Dockerfile": text}, ONLY_443)
    assert [(f.rule, f.line, f.severity.label) for f in result.findings] == [
        ("deploy.port-not-allowed", 3, "low")
    ]


PRIVILEGED_POD = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
    "spec": {"containers": [{"name": "c", "image": "ghcr.io/acme/c:1",
                             "securityContext": {"privileged": True}}]},
}


def test_json_manifests_are_recognised_without_a_manifests_glob(tmp_path: Path) -> None:
    pretty = json.dumps(PRIVILEGED_POD, indent=2)
    line = next(n for n, t in enumerate(pretty.splitlines(), 1) if '"privileged"' in t)
    result = scan_files(tmp_path, {"deploy/pod.json": pretty})
    assert ("deploy.privileged", "deploy/pod.json", line) in triples(result)


def test_a_one_line_json_list_is_recognised(tmp_path: Path) -> None:
    listing = {"apiVersion": "v1", "kind": "List", "items": [PRIVILEGED_POD, PRIVILEGED_POD]}
    result = scan_files(tmp_path, {"out.json": json.dumps(listing)})
    assert [f.rule for f in result.findings].count("deploy.privileged") == 2


def test_yaml_lists_of_objects_and_bare_items_are_recognised(tmp_path: Path) -> None:
    pod = "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, " \
          "image: 'ghcr.io/acme/c:1', securityContext: {privileged: true}}]}}"
    files = {
        "sequence.yaml": f"- {pod}\n",
        "items.yaml": f"items:\n- {pod}\n",
        "multi.yaml": f"apiVersion: v1\nkind: List\nitems: [{pod}]\n---\n{pod}\n",
    }
    result = scan_files(tmp_path, files)
    assert {t for t in triples(result) if t[0] == "deploy.privileged"} == {
        ("deploy.privileged", "sequence.yaml", 1),
        ("deploy.privileged", "items.yaml", 2),
        ("deploy.privileged", "multi.yaml", 3),
        ("deploy.privileged", "multi.yaml", 5),
    }


def test_json_that_is_not_a_manifest_is_ignored(tmp_path: Path) -> None:
    files = {"package.json": json.dumps({"name": "x", "version": "1.0.0"}),
             "schema.json": '{"properties": {"kind": {}, "apiVersion": {}}}'}
    result = scan_files(tmp_path, files)
    assert result.findings == [] and result.errors == [] and result.notes == []


def test_helm_templates_stay_unrendered_with_a_note(tmp_path: Path) -> None:
    text = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
spec:
  template:
    spec:
      containers:
      - name: app
        {{- with .Values.securityContext }}
        securityContext: {{ toYaml . | nindent 10 }}
        {{- end }}
"""
    result = scan_files(tmp_path, {"chart/templates/deployment.yaml": text})
    assert result.findings == [] and result.errors == []
    assert len(result.notes) == 1
    assert "not checked until rendered" in result.notes[0].message
