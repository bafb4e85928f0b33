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
# Pod Security Standards controls: one rule per control (see `podsecurity`).
PRIVILEGED = _rule("privileged", Severity.CRITICAL, "Privileged container", "CWE-250")
HOST_NAMESPACE = _rule(
    "host-namespace", Severity.CRITICAL, "Pod shares a host namespace", "CWE-653"
)
HOST_PROCESS = _rule(
    "host-process", Severity.CRITICAL, "Windows HostProcess container", "CWE-250"
)
HOST_PATH = _rule("host-path", Severity.HIGH, "hostPath volume", "CWE-668")
DANGEROUS_CAPABILITY = _rule(
    "dangerous-capability", Severity.HIGH, "Capability added beyond the Pod Security level",
    "CWE-250",
)
HOST_PORT = _rule("host-port", Severity.HIGH, "hostPort opened on the node", "CWE-284")
APPARMOR = _rule(
    "apparmor", Severity.HIGH, "AppArmor profile disabled or overridden", "CWE-693"
)
SELINUX = _rule("selinux", Severity.HIGH, "Custom SELinux type, user or role", "CWE-693")
PROC_MOUNT = _rule("proc-mount", Severity.HIGH, "Unmasked /proc mount", "CWE-200")
SECCOMP = _rule("seccomp", Severity.HIGH, "Seccomp profile unconfined", "CWE-693")
UNSAFE_SYSCTL = _rule("unsafe-sysctl", Severity.HIGH, "Unsafe sysctl", "CWE-653")
PROBE_HOST = _rule(
    "probe-host", Severity.MEDIUM, "Probe or lifecycle hook aimed at another host", "CWE-918"
)
VOLUME_TYPE = _rule(
    "volume-type", Severity.MEDIUM, "Volume type not allowed by the restricted level", "CWE-668"
)
PRIVILEGE_ESCALATION = _rule(
    "privilege-escalation", Severity.MEDIUM, "Container allows privilege escalation", "CWE-250"
)
RUN_AS_NON_ROOT = _rule(
    "run-as-non-root", Severity.MEDIUM, "Container may run as root", "CWE-250"
)
RUN_AS_ROOT = _rule("run-as-root", Severity.MEDIUM, "Container runs as root", "CWE-250")
SECCOMP_NOT_SET = _rule(
    "seccomp-not-set", Severity.MEDIUM, "No seccomp profile", "CWE-693"
)
CAPABILITIES_NOT_DROPPED = _rule(
    "capabilities-not-dropped", Severity.MEDIUM, "Capabilities not dropped", "CWE-250"
)
PERMISSIVE_PSP = _rule(
    "permissive-psp", Severity.HIGH, "PodSecurityPolicy allows what the level forbids", "CWE-284"
)
MISSING_LIMITS = _rule(
    "missing-resource-limits", Severity.LOW, "Container without resource limits", "CWE-770"
)
FORBIDDEN_REGION = _rule(
    "forbidden-region", Severity.HIGH, "Deployment to a forbidden region", "CWE-284"
)
PUBLIC_STORAGE = _rule(
    "public-storage", Severity.HIGH, "Storage readable or writable by anyone", "CWE-732"
)
UNENCRYPTED_STORAGE = _rule(
    "unencrypted-storage", Severity.MEDIUM, "Storage without encryption at rest", "CWE-311"
)
OPEN_SECURITY_GROUP = _rule(
    "open-firewall", Severity.HIGH, "Firewall rule open to the internet", "CWE-284"
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
    HOST_NAMESPACE,
    HOST_PROCESS,
    HOST_PATH,
    DANGEROUS_CAPABILITY,
    HOST_PORT,
    APPARMOR,
    SELINUX,
    PROC_MOUNT,
    SECCOMP,
    UNSAFE_SYSCTL,
    PROBE_HOST,
    VOLUME_TYPE,
    PRIVILEGE_ESCALATION,
    RUN_AS_NON_ROOT,
    RUN_AS_ROOT,
    SECCOMP_NOT_SET,
    CAPABILITIES_NOT_DROPPED,
    PERMISSIVE_PSP,
    MISSING_LIMITS,
    FORBIDDEN_REGION,
    PUBLIC_STORAGE,
    UNENCRYPTED_STORAGE,
    OPEN_SECURITY_GROUP,
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
    number); `message` says how to comply; `title` and `severity` override the rule's when set.
    """

    rule: Rule
    line: int
    content: str
    message: str
    end_line: int | None = None
    title: str | None = None
    severity: Severity | None = None  # overrides the rule's default (a sensitive hostPath...)
