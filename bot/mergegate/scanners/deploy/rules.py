"""The deploy rules: one place for each rule's id, default severity, title and CWE.

Checks report `Violation`s (what and where, plus the content that identifies it); the scanner
turns them into findings with fingerprints.
"""

from __future__ import annotations

from dataclasses import dataclass

from mergegate.core.findings import Severity


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    title: str
    cwe: tuple[str, ...] = ()


def _rule(name: str, severity: Severity, title: str, *cwe: str) -> Rule:
    return Rule("deploy." + name, severity, title, tuple(cwe))


PORT_NOT_ALLOWED = _rule("port-not-allowed", Severity.HIGH, "Exposed port not allowed", "CWE-284")
REGISTRY_NOT_ALLOWED = _rule(
    "registry-not-allowed", Severity.HIGH, "Image from a registry not allowed", "CWE-829"
)
IMAGE_LATEST_TAG = _rule(
    "image-latest-tag", Severity.MEDIUM, "Image uses the latest tag", "CWE-1357"
)
IMAGE_MUTABLE_TAG = _rule(
    "image-mutable-tag", Severity.MEDIUM, "Image referenced by a mutable tag", "CWE-1357"
)
PRIVILEGED = _rule("privileged", Severity.HIGH, "Privileged container", "CWE-250")
PRIVILEGE_ESCALATION = _rule(
    "privilege-escalation", Severity.MEDIUM, "Container allows privilege escalation", "CWE-250"
)
RUN_AS_ROOT = _rule("run-as-root", Severity.MEDIUM, "Container may run as root", "CWE-250")
HOST_NAMESPACE = _rule(
    "host-namespace", Severity.HIGH, "Pod shares a host namespace", "CWE-653"
)
HOST_PATH = _rule("host-path", Severity.MEDIUM, "hostPath volume", "CWE-668")
DANGEROUS_CAPABILITY = _rule(
    "dangerous-capability", Severity.HIGH, "Dangerous Linux capability added", "CWE-250"
)
MISSING_LIMITS = _rule(
    "missing-resource-limits", Severity.LOW, "Container without resource limits", "CWE-770"
)
FORBIDDEN_REGION = _rule(
    "forbidden-region", Severity.HIGH, "Deployment to a forbidden region", "CWE-284"
)
SECRET_IN_ENV = _rule(
    "secret-in-env", Severity.HIGH, "Plain secret value in container environment", "CWE-798"
)
HTTPS_DOWNGRADE = _rule(
    "https-downgrade", Severity.HIGH, "https:// URL replaced by http://", "CWE-319"
)
PLAINTEXT_HTTP = _rule(
    "plaintext-http", Severity.MEDIUM, "New plaintext endpoint to a remote host", "CWE-319"
)
TLS_VERIFY_DISABLED = _rule(
    "tls-verify-disabled", Severity.HIGH, "TLS certificate verification switched off", "CWE-295"
)
NEW_OUTBOUND_HOST = _rule("new-outbound-host", Severity.INFO, "New outbound host")

ALL_RULES: tuple[Rule, ...] = (
    PORT_NOT_ALLOWED,
    REGISTRY_NOT_ALLOWED,
    IMAGE_LATEST_TAG,
    IMAGE_MUTABLE_TAG,
    PRIVILEGED,
    PRIVILEGE_ESCALATION,
    RUN_AS_ROOT,
    HOST_NAMESPACE,
    HOST_PATH,
    DANGEROUS_CAPABILITY,
    MISSING_LIMITS,
    FORBIDDEN_REGION,
    SECRET_IN_ENV,
    HTTPS_DOWNGRADE,
    PLAINTEXT_HTTP,
    TLS_VERIFY_DISABLED,
    NEW_OUTBOUND_HOST,
)


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule broken at one place.

    `content` is the normalised offending content the fingerprint is built from (never a line
    number); `message` says how to comply; `title` overrides the rule's title when set.
    """

    rule: Rule
    line: int
    content: str
    message: str
    end_line: int | None = None
    title: str | None = None
