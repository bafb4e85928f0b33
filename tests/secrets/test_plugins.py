"""Each provider family: a real-shaped value is found under its own type; a near miss is not."""

from __future__ import annotations

import base64
import json

import pytest
from mergegate.core.findings import Severity
from mergegate.scanners.secrets import (
    SecretHit,
    could_match,
    detect_in_text,
    hit_severity,
    most_specific,
    severity_of,
)
from mergegate.scanners.secrets.plugins import PLUGINS

from .conftest import BASE62, HEX, found, token, types

UPPER32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
B64 = BASE62 + "+/"

TRUE_CASES: list[tuple[str, str, str]] = [
    # forges
    ("GitHub Token", "a.py", f'TOKEN = "{token("ghp_", 36)}"'),
    ("GitHub Token", "a.sh", f"export GH={token('ghs_', 36)}"),
    ("GitHub Token", "a.yml", f"refresh: {token('ghr_', 36)}"),
    ("GitHub Token", "a.json", f'{{"oauth": "{token("gho_", 36)}"}}'),
    ("GitHub Token", "a.env", f"GH_USER_TOKEN={token('ghu_', 36)}"),
    ("GitHub Fine-Grained Token", "a.env", f"GH_PAT={token('github_pat_', 82)}"),
    ("GitLab Token", "a.py", f'gl = "{token("glpat-", 20)}"'),
    ("GitLab Token", "a.py", f'gl = "{token("glpat-", 27)}.01{token("", 7, HEX)}"'),
    ("GitLab Token", "a.toml", f'deploy = "{token("gldt-", 20)}"'),
    ("GitLab Token", "a.yml", f"runner: {token('glrt-', 20)}"),
    ("GitLab Token", "a.sh", f"CI_JOB={token('glcbt-', 2, HEX)}_{token('', 20)}"),
    ("GitLab Token", "a.txt", f"feed {token('glft-', 20)}"),
    ("GitLab Token", "a.json", f'{{"secret": "{token("gloas-", 64)}"}}'),
    # messaging
    ("Slack Token", "a.py", f'bot = "xoxb-{token("", 12, "0123456789")}-'
                            f'{token("", 12, "0123456789")}-{token("", 24)}"'),
    ("Slack Token", "a.py", f'user = "xoxp-{token("", 11, "0123456789")}-'
                            f'{token("", 11, "0123456789")}-{token("", 11, "0123456789")}-'
                            f'{token("", 32, HEX)}"'),
    ("Slack App Token", "a.env", f"SLACK_APP=xapp-1-A{token('', 10, UPPER32)}-"
                                 f"{token('', 13, '0123456789')}-{token('', 64, HEX)}"),
    ("Slack Webhook", "a.md", f"https://hooks.slack.com/services/T{token('', 8, UPPER32)}/"
                              f"B{token('', 8, UPPER32)}/{token('', 24)}"),
    ("Discord Webhook", "a.js", f"const hook = 'https://discord.com/api/webhooks/"
                                f"{token('', 18, '0123456789')}/{token('', 68)}'"),
    ("Discord Client Secret", "a.yaml", f"discord_client_secret: {token('', 32)}"),
    ("Telegram Bot Token", "a.py", f'bot = "{token("", 9, "0123456789")}:AA{token("", 33)}"'),
    ("Microsoft Teams Webhook", "a.txt",
     f"https://acme.webhook.office.com/webhookb2/{token('', 8, HEX)}-1111-2222-3333-"
     f"{token('', 12, HEX)}@{token('', 8, HEX)}/IncomingWebhook/{token('', 32, HEX)}/"
     f"{token('', 8, HEX)}-aaaa-bbbb-cccc-{token('', 12, HEX)}"),
    # payments and e-mail
    ("Stripe Access Key", "a.rb", f"Stripe.api_key = '{token('sk_live_', 24)}'"),
    ("Stripe Access Key", "a.rb", f"key = '{token('rk_live_', 24)}'"),
    ("Twilio API Key", "a.py", f'TWILIO = "SK{token("", 32, HEX)}"'),
    ("SendGrid API Key", "a.py", f'SG = "SG.{token("", 22)}.{token("", 43)}"'),
    ("Mailgun API Key", "a.py", f'MAILGUN_API_KEY = "key-{token("", 32, HEX)}"'),
    ("Mailchimp Access Key", "a.php", f"$mc = '{token('', 32, HEX)}-us12';"),
    # Google
    ("Google API Key", "a.js", f"const key = 'AIza{token('', 35)}';"),
    ("Google OAuth Client Secret", "client.json", f'{{"client_secret": "GOCSPX-{token("", 28)}"}}'),
    ("Google Service Account Key", "sa.json", f'  "private_key_id": "{token("", 40, HEX)}",'),
    # Azure
    ("Azure Storage Account access key", "a.config",
     f"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={token('', 86, B64)}==;"),
    ("Azure Connection String", "a.json",
     f'"sb": "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=root;'
     f'SharedAccessKey={token("", 43, B64)}="'),
    ("Azure Connection String", "a.txt",
     f"https://acme.blob.core.windows.net/c?sv=2022-11-02&ss=b&sp=r&sig={token('', 44, BASE62)}%3D"),
    ("Azure Entra Client Secret", "a.env", f"AZURE_CLIENT_SECRET={token('', 3)}8Q~{token('', 34)}"),
    # AWS
    ("AWS Access Key", "a.py", f'AWS = "AKIA{token("", 16, UPPER32)}"'),
    ("AWS Secret Access Key", "credentials",
     f"aws_secret_access_key = {token('', 40, B64)}"),
    ("AWS Secret Access Key", "a.env", f"AWS_SESSION_TOKEN={token('', 300, B64)}"),
    ("AWS Secret Access Key", "a.py", f'AWS_SECRET = "{token("", 40, B64)}"'),
    ("AWS Secret Access Key", "a.py", f'key_id = "AKIA{token("", 16, UPPER32)}"\n'
                                      f'secret = "{token("", 40, B64)}"'),
    # registries
    ("npm Access Token", "a.env", f"NPM_TOKEN={token('npm_', 36)}"),
    ("NPM tokens", ".npmrc", f"//registry.npmjs.org/:_authToken={token('npm_', 36)}"),
    ("PyPI Token", ".pypirc", f"password = pypi-AgEIcHlwaS5vcmc{token('', 70)}"),
    ("Docker Hub Access Token", "a.sh", f"echo {token('dckr_pat_', 27)} | docker login"),
    ("Hugging Face Token", "a.py", f'HF = "hf_{token("", 34, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")}"'),
    # AI
    ("OpenAI Token", "a.py", f'client = OpenAI(api_key="{token("sk-proj-", 74)}T3BlbkFJ{token("", 74)}")'),
    ("OpenAI Token", "a.py", f'openai.api_key = "{token("sk-", 20)}T3BlbkFJ{token("", 20)}"'),
    ("Anthropic API Key", "a.py", f'k = "{token("sk-ant-api03-", 93)}AA"'),
    # other services
    ("Shopify Token", "a.rb", f"token = '{token('shpat_', 32, HEX)}'"),
    ("Atlassian API Token", "a.env", f"JIRA_TOKEN={token('ATATT3', 186)}"),
    ("Datadog API Key", "a.yaml", f"datadog_api_key: {token('', 40, HEX + 'ghijklmnop')}"),
    ("New Relic Key", "a.yaml", f"license: NRAK-{token('', 27, UPPER32)}"),
    ("Heroku API Key", "a.env", f"HEROKU_API_KEY={token('', 8, HEX)}-{token('', 4, HEX)}-"
                                f"{token('', 4, HEX)}-{token('', 4, HEX)}-{token('', 12, HEX)}"),
    ("Heroku API Key", "a.env", f"TOKEN={token('HRKU-AA', 58)}"),
    ("DigitalOcean Token", "a.tf", f'token = "{token("dop_v1_", 64, HEX)}"'),
    ("HashiCorp Vault Token", "a.sh", f"export VAULT_TOKEN={token('hvs.', 100)}"),
    ("Terraform Cloud Token", ".terraformrc", f'token = "{token("", 14, HEX)}.atlasv1.{token("", 67)}"'),
    ("Sentry Token", "a.env", f"SENTRY_AUTH_TOKEN={token('sntryu_', 64, HEX)}"),
    ("Sentry DSN", "a.py", f'sentry_sdk.init("https://{token("", 32, HEX)}:{token("", 32, HEX)}'
                             f'@o123.ingest.sentry.io/456")'),
    ("Sentry DSN", "a.env", f"SENTRY_DSN=https://{token('', 32, HEX)}@o1.ingest.us.sentry.io/2"),
    ("Doppler Token", "a.env", f"DOPPLER_TOKEN=dp.st.{token('', 43)}"),
    ("Pulumi Access Token", "a.env", f"PULUMI_ACCESS_TOKEN={token('pul-', 40, HEX)}"),
    ("Grafana Token", "a.env", f"GRAFANA={token('glsa_', 32)}_{token('', 8, HEX)}"),
    # keys
    ("age Secret Key", "keys.txt", f"AGE-SECRET-KEY-1{token('', 58, 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L')}"),
    # credentials in text
    ("Basic Auth Credentials", "a.py", f'DB = "postgresql://app:{token("", 14)}@db:5432/app"'),
    ("Basic Auth Credentials", "a.yml", f"url: mongodb+srv://app:{token('', 14)}@cluster0.x.mongodb.net/db"),
    ("Basic Auth Credentials", "a.env", f"REDIS_URL=redis://:{token('', 14)}@cache:6379/0"),
    ("Basic Auth Credentials", "a.env", f"AMQP=amqp://guest:{token('', 14)}@mq:5672/"),
    ("Basic Auth Credentials", "a.env", f"DATABASE_URL=mysql://app:{token('', 14)}@db:3306/app"),
    ("Basic Auth Credentials", "a.properties",
     f"url=jdbc:sqlserver://db:1433;databaseName=app;user=sa;password={token('', 14)};"),
    ("Basic Auth Credentials", "a.properties",
     f"url=jdbc:mysql://db:3306/app?user=app&password={token('', 14)}"),
    ("Connection String Password", "appsettings.json",
     f'"Default": "Server=db;Database=app;User Id=sa;Password={token("", 14)};"'),
    ("Connection String Password", "a.ini",
     f"dsn = Driver={{ODBC Driver 18}};Server=db;Uid=app;Pwd={token('', 14)};"),
    ("Command Line Password", "deploy.sh", f"mysql -uroot -p{token('', 14)} app < dump.sql"),
    ("Command Line Password", "deploy.sh", f"sshpass -p '{token('', 14)}' ssh admin@host"),
    ("Command Line Password", "README.md", f"mytool --password={token('', 14)} --host db"),
    ("Command Line Password", "ci.yml", f"  - docker login -u ci -p {token('', 14)} registry.acme.io"),
    ("Command Line Password", "a.sh", f"curl -u admin:{token('', 14)} https://api.acme.io/x"),
    ("Command Line Password", "a.sh", f"redis-cli -h cache -a {token('', 14)} ping"),
    ("Command Line Password", "a.sh", f"mongosh --host db -u admin -p '{token('', 14)}'"),
    ("Command Line Password", "a.ps1", f"sqlcmd -S db -U sa -P {token('', 14)} -Q 'SELECT 1'"),
    ("Authorization Header", "a.sh", f"curl -H 'Authorization: Bearer {token('', 32)}' https://x.io"),
    ("Authorization Header", "api.http", f"X-Api-Key: {token('', 24)}"),
]

FALSE_CASES: list[tuple[str, str]] = [
    ("a.py", 'TOKEN = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"'),
    ("a.py", 'gl = "glpat-XXXXXXXXXXX-XXXXXXXX"'),
    ("a.json", '"token1": "xoxp-1234567890"'),
    ("a.txt", "xoxe.xoxp-1-SlackAppConfigurationAccessTokenHere"),
    ("a.py", 'key = "AKIAXXXXXXXXXXXXXXXX"'),
    ("a.txt", "TODAYINASIAASACKOFRICEFELLOVER"),
    ("a.md", "- (id)hf_requiredCharacteristicTypesForDisplayMetadata;"),
    ("a.py", 'DB = "postgres://user:password@localhost/app"'),
    ("a.env", "DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app"),
    ("a.sh", 'sshpass -p "$SSH_PASS" ssh admin@host'),
    ("a.sh", "mytool --password=$DB_PASSWORD"),
    ("a.sh", "curl -u <user:password> https://test.com/endpoint"),
    ("a.sh", 'curl -H "Authorization: Bearer $TOKEN" https://x.io'),
    ("a.md", "Authorization: Bearer <token>"),
    ("a.txt", "-----BEGIN PRIVATE KEY-----\nanything\n-----END PRIVATE KEY-----"),
    ("a.txt", "-----BEGIN OPENSSH PRIVATE KEY----------END OPENSSH PRIVATE KEY-----"),
    ("a.py", "grafana = 'glc_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'"),
    ("a.sh", 'redis-cli -a "$REDIS_PASSWORD" ping'),
    # a name made of words, however high its entropy, is not a key
    ("a.html", '<div data-widget="widget-xyz_QuickJumpBoxFormVerbalCharmLightsPagination">'),
]


@pytest.mark.parametrize(("secret_type", "filename", "text"), TRUE_CASES,
                         ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(TRUE_CASES)])
def test_each_format_is_found_under_its_type(secret_type: str, filename: str, text: str) -> None:
    assert secret_type in types(filename, text)


@pytest.mark.parametrize(("filename", "text"), FALSE_CASES)
def test_near_misses_and_placeholders_are_not_reported(filename: str, text: str) -> None:
    assert found(filename, text) == []


def test_a_40_character_secret_is_an_aws_key_only_next_to_a_key_id() -> None:
    secret = f'secret = "{token("", 40, B64)}"'
    assert types("a.py", f'key_id = "AKIA{token("", 16, UPPER32)}"\n\n\n{secret}\n') == {
        "AWS Access Key", "AWS Secret Access Key"}
    assert types("a.py", secret + "\n") == {"Secret Keyword"}


def test_a_word_name_is_left_out_but_a_random_string_of_its_length_is_not() -> None:
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString

    name = "widget-xyz_QuickJumpBoxFormVerbalCharmLightsPagination"
    plugin = Base64HighEntropyString()
    assert plugin.calculate_shannon_entropy(name) > plugin.entropy_limit  # detect-secrets' hit
    assert found("a.html", f'<div data-widget="{name}">') == []
    assert types("a.html", f'<div data-widget="{token("", len(name), B64)}">') == {
        "Base64 High Entropy String"}


def test_a_token_assigned_to_a_token_name_is_one_finding() -> None:
    discord = f"M{token('', 23)}.{token('', 6)}.{token('', 38)}"
    assert found("bot.py", f'DISCORD_BOT_TOKEN = "{discord}"\n') == [("Discord Bot Token", 1)]


@pytest.mark.parametrize(("filename", "severity"), [
    ("app/google-services.json", Severity.LOW), ("ios/GoogleService-Info.plist", Severity.LOW),
    ("web/firebase.js", Severity.HIGH)])
def test_a_google_api_key_in_firebase_app_configuration_does_not_block(
        filename: str, severity: Severity) -> None:
    """Firebase ships that key in every copy of the app: it is restricted, not kept secret."""
    hits = most_specific(detect_in_text(filename, f'  "current_key": "AIza{token("", 35)}"\n').hits)
    assert [(h.type, hit_severity(h)) for h in hits] == [("Google API Key", severity)]


def test_a_twilio_account_sid_is_not_a_key() -> None:
    assert "Twilio API Key" not in types("a.py", f'twilio_sid = "AC{token("", 32, HEX)}"')


def test_every_plugin_has_its_own_secret_type() -> None:
    names = [p.secret_type for p in PLUGINS]
    assert len(names) == len(set(names))


def pem(kind: str, lines: int = 4) -> list[str]:
    return [f"-----BEGIN {kind}-----", *(token("", 64, B64) for _ in range(lines)),
            f"-----END {kind}-----"]


@pytest.mark.parametrize("kind", ["RSA PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY",
                                  "EC PRIVATE KEY", "OPENSSH PRIVATE KEY",
                                  "PGP PRIVATE KEY BLOCK"])
def test_a_key_block_is_one_finding_at_its_first_line(kind: str) -> None:
    text = "\n".join(["# keys", *pem(kind), "x = 1", *pem(kind)]) + "\n"
    assert found("keys.txt", text) == [("Private Key", 2), ("Private Key", 9)]


def test_pgp_armor_headers_before_the_key_material() -> None:
    lines = pem("PGP PRIVATE KEY BLOCK")
    lines[1:1] = ["Version: GnuPG v2", ""]
    assert found("key.asc", "\n".join(lines)) == [("Private Key", 1)]


def test_a_service_account_json_reports_its_key_and_key_id() -> None:
    body = "\\n".join(pem("PRIVATE KEY")[1:-1])
    doc = {"type": "service_account", "project_id": "acme",
           "private_key_id": token("", 40, HEX),
           "private_key": f"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n",
           "client_email": "bot@acme.iam.gserviceaccount.com"}
    text = json.dumps(doc, indent=2).replace("\\\\n", "\\n")
    assert types("sa.json", text) >= {"Google Service Account Key", "Private Key"}


def test_a_jwt_is_found() -> None:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    jwt = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': '1234', 'name': 'Ann'})}." \
          f"{token('', 43)}"
    assert types("a.http", f"Authorization: Bearer {jwt}") == {"JSON Web Token"}


def test_could_match_is_a_prefilter_for_every_true_case() -> None:
    assert all(any(could_match(line) for line in text.splitlines()) for _, _, text in TRUE_CASES)
    assert not could_match("    return render(request, 'index.html')")


def test_pragma_allowlist_is_honoured_by_our_plugins() -> None:
    text = f'TOKEN = "{token("dop_v1_", 64, HEX)}"  # pragma: allowlist secret'
    assert found("a.py", text) == []


def test_severity_specific_formats_above_keywords_and_entropy() -> None:
    assert severity_of("GitHub Token") == Severity.CRITICAL
    assert severity_of("Private Key") == Severity.CRITICAL
    assert severity_of("Basic Auth Credentials") == Severity.HIGH
    assert severity_of("Secret Keyword") == Severity.MEDIUM
    assert severity_of("Base64 High Entropy String") == Severity.MEDIUM
    assert severity_of("Secret Keyword") < severity_of("Datadog API Key")


def test_most_specific_keeps_one_hit_per_secret() -> None:
    hits = [SecretHit("Base64 High Entropy String", 1, "h1", "AAAA"),
            SecretHit("GitHub Token", 1, "h2", "ghp_AAAA"),
            SecretHit("GitLab Token", 2, "h3", "glpat-abc"),
            SecretHit("GitLab Token", 2, "h4", "glpat-abc.01xyz"),
            SecretHit("GitHub Token", 5, "h2", "ghp_AAAA")]
    assert [(h.type, h.line, h.secret_hash) for h in most_specific(hits)] == [
        ("GitHub Token", 1, "h2"), ("GitLab Token", 2, "h4")]


def test_a_keyword_hit_around_a_known_format_gives_way_to_it() -> None:
    """Same severity, the keyword's value longer: the format's type is the finding's."""
    hits = [SecretHit("Secret Keyword", 1, "h1", "dd-0a1b2c3d4e", severity=Severity.HIGH),
            SecretHit("Datadog API Key", 1, "h2", "0a1b2c3d4e")]
    assert [(h.type, h.secret_hash) for h in most_specific(hits)] == [("Datadog API Key", "h2")]


def test_base62_helper_is_not_a_placeholder() -> None:
    assert all(c in BASE62 for c in token("", 20))
