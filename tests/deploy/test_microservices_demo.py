"""The real microservices-demo manifests against a strict policy: every finding, exact lines."""

from __future__ import annotations

from pathlib import Path

from mergegate.core.policy import DeployPolicy

from tests.deploy.support import scan_dir

POLICY = DeployPolicy(
    allowed_ports=(443,),
    allowed_registries=("us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/",),
)

K8S = "kubernetes-manifests/"
# The development manifests name images without registry or tag (skaffold fills them in), so
# each is docker.io/library/<name>:latest. Service: (file, line of `image:`).
UNTAGGED = {
    "adservice": 46, "cartservice": 46, "checkoutservice": 45, "currencyservice": 46,
    "emailservice": 46, "frontend": 47, "loadgenerator": 80, "paymentservice": 46,
    "productcatalogservice": 46, "recommendationservice": 46, "shippingservice": 45,
}
EXPECTED = {
    *(("deploy.registry-not-allowed", f"{K8S}{n}.yaml", line) for n, line in UNTAGGED.items()),
    *(("deploy.image-latest-tag", f"{K8S}{n}.yaml", line) for n, line in UNTAGGED.items()),
    # The frontend-external LoadBalancer on port 80, in both copies.
    ("deploy.port-not-allowed", f"{K8S}frontend.yaml", 135),
    ("deploy.port-not-allowed", "release/kubernetes-manifests.yaml", 141),
    # The Gateway API listener on port 80.
    ("deploy.port-not-allowed", "release/istio-manifests.yaml", 43),
    # redis:alpine and busybox come from Docker Hub, not the approved registry.
    ("deploy.registry-not-allowed", f"{K8S}cartservice.yaml", 118),
    ("deploy.registry-not-allowed", "release/kubernetes-manifests.yaml", 401),
    ("deploy.registry-not-allowed", f"{K8S}loadgenerator.yaml", 67),
    ("deploy.registry-not-allowed", "release/kubernetes-manifests.yaml", 494),
    # The busybox init container has no resources at all (the `- command:` line starts it).
    ("deploy.missing-resource-limits", f"{K8S}loadgenerator.yaml", 41),
    ("deploy.missing-resource-limits", "release/kubernetes-manifests.yaml", 468),
}


def test_every_expected_finding_at_its_line_and_nothing_else(fixtures: Path) -> None:
    result = scan_dir(fixtures / "k8s" / "microservices-demo", POLICY)
    assert result.errors == []
    got = {(f.rule, f.path, f.line) for f in result.findings}
    assert got == EXPECTED
    assert all(f.scanner == "deploy" and f.new for f in result.findings)


def test_load_balancer_finding_says_how_to_comply(fixtures: Path) -> None:
    result = scan_dir(fixtures / "k8s" / "microservices-demo", POLICY)
    lb = next(
        f for f in result.findings
        if f.rule == "deploy.port-not-allowed" and f.path.endswith("frontend.yaml")
    )
    assert lb.severity.label == "high"
    assert lb.message.startswith(
        "Service/frontend-external (LoadBalancer) exposes port 80, which is not in "
        "allowed_ports (443)."
    )
    assert "ClusterIP" in lb.message
    assert lb.cwe == ("CWE-284",)


def test_without_port_and_registry_policy_only_hardening_and_tags_remain(fixtures: Path) -> None:
    result = scan_dir(fixtures / "k8s" / "microservices-demo", DeployPolicy())
    rules = {f.rule for f in result.findings}
    assert rules == {"deploy.image-latest-tag", "deploy.missing-resource-limits"}


def test_fingerprints_are_unique_and_stable(fixtures: Path) -> None:
    first = scan_dir(fixtures / "k8s" / "microservices-demo", POLICY)
    second = scan_dir(fixtures / "k8s" / "microservices-demo", POLICY)
    fps = [f.fingerprint for f in first.findings]
    assert len(set(fps)) == len(fps)
    assert sorted(fps) == sorted(f.fingerprint for f in second.findings)
