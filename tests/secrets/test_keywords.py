"""Keyword assignments: a secret-like name given a literal, across languages and config formats;
never a placeholder, a secret-store reference or a name that is not a value."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mergegate.config import Settings
from mergegate.core.findings import Severity
from mergegate.core.policy import DEFAULT_POLICY
from mergegate.scanners import secrets
from mergegate.scanners.secrets import detect_in_file, detect_in_text, hit_severity, most_specific
from mergegate.scanners.secrets.keywords import (
    holds_secret,
    is_literal_secret,
    is_test_path,
    looks_generated,
)
from mergegate.workspace import CandidateFile, build_workspace

from .conftest import HEX, found, token

PW = token("", 14)  # a random literal

ASSIGNMENTS: list[tuple[str, str]] = [
    ("app.py", f'DB_PASSWORD = "{PW}"'),
    ("app.py", f"conn = connect(host='db', password='{PW}')"),
    ("settings.py", f'SECRET_KEY = "{PW}"'),
    ("settings.py", f'DB_PASSWORD = SecretStr("{PW}")'),
    ("app.js", f'const apiKey = "{PW}";'),
    ("app.ts", f"  clientSecret: '{PW}',"),
    ("App.java", f'private static final String PASSWORD = "{PW}";'),
    ("App.java", f'System.setProperty("db.password", "{PW}");'),
    ("main.go", f'password := "{PW}"'),
    ("main.go", f'	Token: "{PW}",'),
    ("Program.cs", f'var connPassword = @"{PW}";'),
    ("index.php", f"$db_pass = '{PW}';"),
    ("config.php", f"'password' => '{PW}',"),
    ("app.rb", f'config.api_key = "{PW}"'),
    ("app.rb", f":password => '{PW}',"),
    ("deploy.sh", f"export DB_PASSWORD={PW}"),
    ("deploy.sh", f'PGPASSWORD="{PW}" psql -h db'),
    ("values.yaml", f"password: {PW}"),
    ("values.yaml", f'  adminPassword: "{PW}"'),
    ("config.json", f'{{"auth_token": "{PW}"}}'),
    ("setup.ini", f"password = {PW}"),
    ("pyproject.toml", f'token = "{PW}"'),
    ("app.properties", f"spring.datasource.password={PW}"),
    (".env", f"STRIPE_SECRET={PW}"),
    ("web.config", f'<add key="ApiSecret" value="{PW}" />'),
    ("settings.xml", f"<password>{PW}</password>"),
    ("main.tf", f'  master_password = "{PW}"'),
    ("Dockerfile", f"ENV DB_PASSWORD {PW}"),
    ("app.py", f'password: str = "{PW}"'),
    ("main.go", f'var dbPassword string = "{PW}"'),
    ("App.java", f'ds.setPassword("{PW}");'),
    ("Client.kt", f'builder.apiKey("{PW}").build()'),
    ("wp-config.php", f"define('DB_PASSWORD', '{PW}');"),
    ("run.sh", f"java -Dspring.datasource.password={PW} -jar app.jar"),
    ("Makefile", f"\tdocker run -e POSTGRES_PASSWORD={PW} postgres"),
    ("tasks.py", f'subprocess.run(["docker", "run", "-e", "DB_PASSWORD={PW}", "app"])'),
    ("settings.xml", f'<entry key="password">{PW}</entry>'),
    ("README.md", f"password: {PW}"),
    ("init.sql", f"CREATE USER app IDENTIFIED BY '{PW}';"),
    ("init.sql", f"ALTER ROLE app WITH LOGIN PASSWORD '{PW}';"),
    (".netrc", f"machine api.acme.io login ci password {PW}"),
    ("config.json", f'{{"auths": {{"registry.acme.io": {{"auth": "{PW}"}}}}}}'),
    ("context.xml", f'<password value="{PW}"/>'),
]

NOT_REPORTED: list[tuple[str, str]] = [
    # placeholders
    ("values.yaml", "password: changeme"),
    ("values.yaml", "password: <password>"),
    ("values.yaml", "password: ${DB_PASSWORD}"),
    ("values.yaml", "password: {{ .Values.db.password }}"),
    ("app.py", 'password = "****"'),
    ("app.py", 'password = ""'),
    ("config.json", '{"api_key": "your-api-key-here"}'),
    ("app.py", 'token = "xxxxxxxxxxxxxxxx"'),
    # references, not values
    ("app.py", 'password = os.environ["DB_PASSWORD"]'),
    ("app.py", "password = get_secret('db-password-prod')"),
    ("app.py", 'password = getpass("Database password: ")'),
    ("app.js", "const token = process.env.API_TOKEN;"),
    ("main.go", 'password := os.Getenv("DB_PASSWORD")'),
    ("values.yaml", "password: !vault |"),
    ("app.yaml", "db_password: arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"),
    ("app.yaml", "db_password: vault:secret/data/app/db#password"),
    ("app.yaml", "password_file: /run/secrets/db_password"),
    ("app.yaml", "api_key: projects/acme/secrets/api-key/versions/latest"),
    # names that are not values
    ("form.py", 'password_field = "password_input"'),
    ("auth.py", 'token_type = "Bearer"'),
    ("app.py", 'TOKEN_URL = "https://auth.example.com/token"'),
    ("app.py", 'PASSWORD_ENV = "DB_PASSWORD"'),
    ("app.py", "max_tokens = 4096"),
    # Kubernetes: naming a Secret is not holding one
    ("deploy.yaml", "      secretName: tls-cert"),
    ("deploy.yaml", "          secretKeyRef:"),
    ("deploy.yaml", "    adminSecretName: admin-creds"),
    ("deploy.yaml", "    caSecretNamespace: cert-manager"),
    ("deploy.yaml", "      secretRef: {name: app-env}"),
    ("sa.yaml", "automountServiceAccountToken: false"),
    ("app.py", "db = connect(password=db_password)"),
    ("run.sh", "mytool password=$DB_PASSWORD"),
    ("app.py", 'if password == "":'),
    ("app.yaml", "auth: required"),
    ("init.sql", "ALTER ROLE app WITH PASSWORD NULL;"),
    # templates the program fills in
    ("app.py", 'password = "format_string_{}"'),
    ("app.py", 'DSN = "password={0};host=db"'),
    ("gen.py", "line = f'password = \"{values[2]}\"'"),
    ("gen.py", 'cfg = f"<password>{pw}</password>"'),
    ("app.py", 'query = "password=%(password)s"'),
    # examples by their words
    ("config.json", '{"api_key": "dummy-token-123"}'),
    ("app.py", 'password = "example_password1"'),
    ("values.yaml", "token: fake_api_key_4f9a"),
    ("app.js", 'const secret = "placeholder123";'),
]


@pytest.mark.parametrize(("filename", "line"), ASSIGNMENTS)
def test_a_literal_assigned_to_a_secret_name_is_reported(filename: str, line: str) -> None:
    assert ("Secret Keyword", 1) in found(filename, line + "\n")


@pytest.mark.parametrize(("filename", "line"), NOT_REPORTED)
def test_placeholders_references_and_non_values_are_not(filename: str, line: str) -> None:
    assert found(filename, line + "\n") == []


def test_kubernetes_env_name_and_value_on_two_lines() -> None:
    text = f"env:\n- name: DB_PASSWORD\n  value: {PW}\n- name: DB_HOST\n  value: db.internal\n"
    assert found("deploy.yaml", text) == [("Secret Keyword", 3)]


def test_kubernetes_value_from_a_secret_is_not_reported() -> None:
    text = ("env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n"
            "      name: db\n      key: password\n")
    assert found("deploy.yaml", text) == []


def test_xml_value_on_its_own_line() -> None:
    text = f"<server>\n  <password>\n    {PW}\n  </password>\n</server>\n"
    assert found("settings.xml", text) == [("Secret Keyword", 3)]


def test_a_value_in_code_that_is_an_expression_is_not_a_literal() -> None:
    assert found("app.py", "password = settings.DB_PASSWORD\n") == []
    assert found("app.py", 'password = "prefix-" + suffix\n') == []


@pytest.mark.parametrize(("name", "holds"), [
    ("password", True), ("DB_PASSWORD", True), ("adminPassword", True), ("apiKey", True),
    ("SECRET_KEY", True), ("client_secret", True), ("PGPASSWORD", True), ("GITHUB_PAT", True),
    ("password2", True), ("secretName", False), ("secretKeyRef", False),
    ("adminSecretName", False), ("caSecretNamespace", False), ("password_field", False),
    ("token_type", False), ("is_secret", False), ("tokenizer", False), ("key", False),
])
def test_which_names_hold_secrets(name: str, holds: bool) -> None:
    assert holds_secret(name) is holds


def test_literal_checks() -> None:
    assert is_literal_secret(PW, "password")
    assert not is_literal_secret("password", "password")
    assert not is_literal_secret("DB_PASSWORD", "password")
    assert not is_literal_secret("Enter your password here", "password")


def _fixtures() -> Path:
    root = Path(__file__).resolve().parents[2]
    return Path(os.environ.get("MERGEGATE_FIXTURES") or root.parent / "shared" / "fixtures")


def test_no_finding_in_the_real_kubernetes_manifests() -> None:
    folder = _fixtures() / "k8s"
    if not folder.is_dir():
        pytest.skip(f"shared fixtures not found at {folder} (set MERGEGATE_FIXTURES)")
    manifests = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml"))
    assert manifests
    reported = [(str(p.relative_to(folder)), h.type) for p in manifests
                for h in most_specific(detect_in_file(str(p)).hits)]
    assert reported == []


@pytest.mark.parametrize(("filename", "line", "severity"), [
    # a value that reads like a real credential, in code or configuration: it blocks
    ("settings.py", f'DB_PASSWORD = "{PW}"', Severity.HIGH),
    ("app.js", 'const password = "Xk9#mP2$vL";', Severity.HIGH),
    ("values.yaml", f"password: {PW}", Severity.HIGH),
    ("config.json", f'{{"api_key": "{token("", 32, HEX)}"}}', Severity.HIGH),
    # a chosen phrase: reported, not blocking at the default block_on
    ("app.py", 'password = "Password123"', Severity.MEDIUM),
    ("app.py", 'password = "insecure_pwd"', Severity.MEDIUM),
    ("docker-compose.yml", "POSTGRES_PASSWORD: postgres123", Severity.MEDIUM),
    ("app.py", 'secret = "notHighEnoughEntropy"', Severity.MEDIUM),
    # a test's or an example's own credential
    ("tests/test_login.py", f'password = "{PW}"', Severity.MEDIUM),
    ("pkg/auth/client_test.go", f'token := "{PW}"', Severity.MEDIUM),
    ("src/login.spec.ts", f'const password = "{PW}";', Severity.MEDIUM),
    ("examples/connect.py", f'password = "{PW}"', Severity.MEDIUM),
])
def test_keyword_severity(filename: str, line: str, severity: Severity) -> None:
    (hit,) = most_specific(detect_in_text(filename, line + "\n").hits)
    assert (hit.type, hit_severity(hit)) == ("Secret Keyword", severity)


def test_a_hard_coded_password_blocks_at_the_default_policy(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text(f'DB_PASSWORD = "{PW}"\nADMIN_PASSWORD = "admin123"\n')
    ws = build_workspace(tmp_path, [CandidateFile("settings.py")], diff_aware=False)
    result = secrets.create(Settings()).scan(ws, DEFAULT_POLICY)
    assert [(f.line, f.severity) for f in result.findings] == [
        (1, Severity.HIGH), (2, Severity.MEDIUM)]
    assert DEFAULT_POLICY.block_on == Severity.HIGH  # the first blocks, the second does not


@pytest.mark.parametrize(("path", "test"), [
    ("tests/a.py", True), ("pkg/testdata/x.yaml", True), ("test_app.py", True),
    ("x_test.go", True), ("a.test.js", True), ("LoginTest.java", True), ("spec/x_spec.rb", True),
    ("conftest.py", True), ("src/app.py", False), ("Contest.java", False), ("latest.js", False),
    ("src/testutils.py", False),
])
def test_which_paths_are_tests(path: str, test: bool) -> None:
    assert is_test_path(path) is test


@pytest.mark.parametrize(("value", "generated"), [
    (PW, True), ("Xk9#mP2$vL", True), ("P@ssw0rd", True), ("8b1118b376c313ed420e5133ba91", True),
    ("Password123", False), ("admin123", False), ("insecure_pwd", False), ("12345678", False),
    ("Capitalized", False), ("correcthorsebatterystaple", False), ("Ab1!", False),
])
def test_which_values_look_generated(value: str, generated: bool) -> None:
    assert looks_generated(value) is generated
