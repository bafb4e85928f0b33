"""Benchmark: the deploy scanner over 5,000 Kubernetes manifests (target: < 5 s).

Usage: .venv/bin/python bench/bench_deploy.py [--files 5000] [--runs 3]
                 [--pod-security baseline|restricted|privileged] [--before SECONDS]

Each generated manifest holds a Deployment (two containers, env, probes, resources), a Service
and, every tenth file, an Ingress: the shape of real application manifests. A strict policy is
used (allowed ports, registries, forbidden regions) so every check runs; the time is the full
`DeployScanner.scan` over a Workspace, YAML parsing included. `--pod-security` picks the Pod
Security Standards level (default baseline, the policy default); `--before` is the median of an
earlier run (another commit) to print the ratio against.

Measured on the 2-core machine, 5,000 files, 3 runs: before the Pod Security Standards
(commit 934c416) median 1.50 s wall, 1.47 s CPU; after, see the report of issue 14.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from mergegate.config import Settings
from mergegate.core.policy import DeployPolicy, Policy
from mergegate.scanners.deploy import create
from mergegate.workspace import CandidateFile, build_workspace

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-{i}
  labels: {{app: svc-{i}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: svc-{i}}}
  template:
    metadata:
      labels: {{app: svc-{i}}}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
      nodeSelector:
        topology.kubernetes.io/region: eu-west-{r}
      containers:
      - name: app
        image: ghcr.io/acme/svc-{i}:1.{i}.0
        ports:
        - containerPort: 8080
        env:
        - name: PORT
          value: "8080"
        - name: UPSTREAM
          value: "svc-{j}:8080"
        - name: LOG_LEVEL
          value: info
        readinessProbe:
          httpGet: {{path: /healthz, port: 8080}}
        resources:
          requests: {{cpu: 100m, memory: 64Mi}}
          limits: {{cpu: 200m, memory: 128Mi}}
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {{drop: [ALL]}}
      - name: proxy
        image: docker.io/envoyproxy/envoy:v1.30.1
        ports:
        - containerPort: 9901
        resources:
          limits: {{cpu: 100m, memory: 64Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: svc-{i}
spec:
  type: {svc_type}
  selector: {{app: svc-{i}}}
  ports:
  - name: http
    port: {port}
    targetPort: 8080
"""
INGRESS = """\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: svc-{i}
spec:
  rules:
  - host: svc-{i}.acme.test
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {{service: {{name: svc-{i}, port: {{number: 80}}}}}}
"""


def generate(root: Path, count: int) -> list[CandidateFile]:
    files = []
    for i in range(count):
        text = MANIFEST.format(
            i=i, j=(i + 1) % count, r=i % 3 + 1,
            svc_type="LoadBalancer" if i % 7 == 0 else "ClusterIP",
            port=443 if i % 2 else 80,
        )
        if i % 10 == 0:
            text += INGRESS.format(i=i)
        name = f"k8s/team-{i % 50}/svc-{i}.yaml"
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
        files.append(CandidateFile(name, status="added"))
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--pod-security", choices=("privileged", "baseline", "restricted"), default="baseline"
    )
    parser.add_argument("--before", type=float, help="median seconds of an earlier run")
    args = parser.parse_args()
    policy = Policy(
        deploy=DeployPolicy(
            allowed_ports=(443,),
            allowed_registries=("ghcr.io/acme/",),
            forbidden_regions=("eu-west-3",),
            pod_security=args.pod_security,
        )
    )
    scanner = create(Settings())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        candidates = generate(root, args.files)
        size = sum((root / c.path).stat().st_size for c in candidates)
        times = []
        cpu = []
        findings = 0
        for _ in range(args.runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            ws = build_workspace(root, candidates, diff_aware=False)
            result = scanner.scan(ws, policy)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            findings = len(result.findings)
            assert not result.errors, result.errors[:3]
    median = statistics.median(times)
    print(f"manifests: {args.files:,} files, {size / 2**20:.1f} MB")
    print(f"runs: {', '.join(f'{t:.2f}s' for t in times)}; median {median:.2f}s "
          f"({args.files / median:,.0f} files/s); target 5 s: {median / 5:.0%} of budget")
    print(f"CPU time median {statistics.median(cpu):.2f}s (wall time includes other load)")
    print(f"pod_security: {args.pod_security}")
    if args.before:
        print(f"ratio to before ({args.before:.2f}s): {median / args.before:.2f}x")
    print(f"findings per run: {findings:,}")


if __name__ == "__main__":
    main()
