"""Architectural regressions of a change, on a diff-aware Workspace with a base reader."""

from __future__ import annotations

from pathlib import Path

from mergegate.core.policy import DeployPolicy

from tests.deploy.support import scan_change, triples

BASE_CLIENT = """\
import requests

PAYMENTS = "https://payments.acme.com/v1/charge"


def charge(amount):
    return requests.post(PAYMENTS, json={"amount": amount}, timeout=5)
"""


def test_https_swapped_for_http_is_a_finding_on_the_changed_line(tmp_path: Path) -> None:
    head = BASE_CLIENT.replace("https://payments", "http://payments")
    result = scan_change(tmp_path, {"app/client.py": head}, {"app/client.py": BASE_CLIENT})
    assert triples(result) == {("deploy.https-downgrade", "app/client.py", 3)}
    f = result.findings[0]
    assert f.new and f.severity.label == "high" and f.cwe == ("CWE-319",)
    assert f.message.startswith("http://payments.acme.com/v1/charge was https:// before")


def test_new_host_plaintext_and_tls_off(tmp_path: Path) -> None:
    head = BASE_CLIENT + (
        '\nAUDIT = "http://audit.partner.io:8080/events"\n'
        'LOCAL = "http://localhost:8000/health"\n'
        'CLUSTER = "http://cartservice:7070"\n'
        "# docs at http://docs.partner.io/\n"
        'NS = "http://www.w3.org/2000/svg"\n'
        "\n"
        "def audit(event):\n"
        "    return requests.post(AUDIT, json=event, verify=False)\n"
    )
    result = scan_change(tmp_path, {"app/client.py": head}, {"app/client.py": BASE_CLIENT})
    assert triples(result) == {
        ("deploy.new-outbound-host", "app/client.py", 9),
        ("deploy.plaintext-http", "app/client.py", 9),
        ("deploy.tls-verify-disabled", "app/client.py", 16),
    }
    host = next(f for f in result.findings if f.rule == "deploy.new-outbound-host")
    assert host.title == "New outbound host audit.partner.io"
    assert host.severity.label == "info"


def test_unchanged_lines_and_known_hosts_are_not_regressions(tmp_path: Path) -> None:
    base = BASE_CLIENT + 'LEGACY = "http://legacy.acme.com/api"\n'
    head = base + 'STATUS = "https://payments.acme.com/status"\n'
    result = scan_change(tmp_path, {"app/client.py": head}, {"app/client.py": base})
    assert result.findings == []


def test_regressions_skip_docs_and_tests(tmp_path: Path) -> None:
    head = {
        "README.md": "See http://plain.partner.io/\n",
        "tests/test_api.py": 'requests.get("http://plain.partner.io/", verify=False)\n',
    }
    result = scan_change(tmp_path, head, {"README.md": "", "tests/test_api.py": ""})
    assert result.findings == []


def test_tls_verification_off_in_config_and_shell(tmp_path: Path) -> None:
    head = {
        "deploy/run.sh": "curl -k https://api.partner.io/x\n",
        "web/app.js": "const agent = new https.Agent({ rejectUnauthorized: false });\n",
        "svc/main.go": "tls.Config{InsecureSkipVerify: true}\n",
    }
    result = scan_change(tmp_path, head, {})
    tls = {(f.path, f.line) for f in result.findings if f.rule == "deploy.tls-verify-disabled"}
    assert tls == {("deploy/run.sh", 1), ("web/app.js", 1), ("svc/main.go", 1)}


def test_manifest_findings_already_in_the_base_are_not_new(tmp_path: Path) -> None:
    base = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  ports:
  - port: 80
"""
    head = base.replace("metadata: {name: web}", "metadata:\n  name: web\n  labels: {a: b}")
    head += "  - port: 8080\n"
    policy = DeployPolicy(allowed_ports=(443,))
    result = scan_change(tmp_path, {"svc.yaml": head}, {"svc.yaml": base}, policy)
    by_line = {f.line: f.new for f in result.findings}
    assert by_line == {9: False, 10: True}


def test_full_scan_has_no_regression_checks(tmp_path: Path) -> None:
    from tests.deploy.support import scan_files

    result = scan_files(tmp_path, {"app.py": 'URL = "http://plain.partner.io/"\n'})
    assert result.findings == []


def test_environment_region_is_new_only_when_the_change_adds_it(tmp_path: Path) -> None:
    from mergegate.config import Settings
    from mergegate.core.policy import EnvironmentPolicy, Policy
    from mergegate.scanners.deploy import create
    from mergegate.workspace import CandidateFile, build_workspace

    base = "version: 1\n"
    head = "version: 1\ndeploy:\n  environments:\n    cn: {region: cn-north-1}\n"
    (tmp_path / ".mergegate.yml").write_text(head)
    policy = Policy(
        deploy=DeployPolicy(
            forbidden_regions=("cn-north-1",),
            environments={"cn": EnvironmentPolicy(region="cn-north-1")},
        )
    )

    def scan(base_text: str) -> list[tuple[int, bool]]:
        ws = build_workspace(
            tmp_path,
            [CandidateFile(".mergegate.yml", added_lines=frozenset({2, 3, 4}))],
            diff_aware=True,
            base_reader=lambda p: base_text.encode(),
        )
        return [(f.line, f.new) for f in create(Settings()).scan(ws, policy).findings]

    assert scan(base) == [(4, True)]
    assert scan(head) == [(4, False)]


TLS_OFF_LINES = [
    "requests.get(url, verify=False)",
    "  --insecure \\",
    "pip install --trusted-host pypi.acme.io app",
    "npm config set strict-ssl false",
    "    validate_certs: no",
    "insecure_skip_verify: true",
    'skip_tls_verify = true',
    "kubectl --insecure-skip-tls-verify get pods",
    "ctx = ssl._create_unverified_context()",
    "export NODE_TLS_REJECT_UNAUTHORIZED=0",
    "git -c http.sslVerify=false clone repo",
    "wget --no-check-certificate https://x",
]
TLS_ON_LINES = [
    "requests.get(url, verify=True)",
    "docker --insecure-registry mirror.local:5000 pull x",
    "ssl_verify: true",
    "tls.Config{InsecureSkipVerify: false}",
]


def test_tls_switch_off_patterns() -> None:
    from mergegate.scanners.deploy.regressions import check_changed_lines

    for text in TLS_OFF_LINES:
        rules = [v.rule.id for v in check_changed_lines("deploy/x.sh", [(1, text)], None)]
        assert "deploy.tls-verify-disabled" in rules, text
    for text in TLS_ON_LINES:
        rules = [v.rule.id for v in check_changed_lines("deploy/x.sh", [(1, text)], None)]
        assert "deploy.tls-verify-disabled" not in rules, text


def test_plaintext_grpc_channels() -> None:
    from mergegate.scanners.deploy.regressions import check_changed_lines

    def rules(text: str) -> list[str]:
        return [v.rule.id for v in check_changed_lines("svc/client.py", [(1, text)], None)]

    assert rules('ch = grpc.insecure_channel("payments.partner.io:443")') == [
        "deploy.plaintext-http"
    ]
    assert rules("conn, err := grpc.Dial(addr, grpc.WithInsecure())") == ["deploy.plaintext-http"]
    assert rules('ch = grpc.insecure_channel("localhost:50051")') == []
    assert rules('ch = grpc.insecure_channel("cartservice:7070")') == []
