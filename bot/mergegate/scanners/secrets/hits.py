"""A detector's hit, how severe each secret type is, and one finding per secret."""

from __future__ import annotations

from dataclasses import dataclass, field

from mergegate.core.findings import Severity

from .plugins import PLUGINS
from .plugins.base import secret_type_of

ENTROPY_TYPES = frozenset({"Base64 High Entropy String", "Hex High Entropy String"})
# detect-secrets' own plugins that name a specific format.
_DEFAULT_CRITICAL = frozenset({
    "AWS Access Key", "GitHub Token", "GitLab Token", "Stripe Access Key", "Slack Token",
    "Azure Storage Account access key", "OpenAI Token", "SendGrid API Key", "PyPI Token",
    "NPM tokens", "Discord Bot Token", "Telegram Bot Token", "Twilio API Key",
    "Square OAuth Secret", "Artifactory Credentials", "IBM Cloud IAM Key",
    "IBM COS HMAC Credentials", "Cloudant Credentials", "SoftLayer Credentials",
    "Mailchimp Access Key",
})
_DEFAULT_LOW = frozenset({"Public IP (ipv4)"})
_OURS: dict[str, Severity] = {secret_type_of(plugin): plugin.severity for plugin in PLUGINS}


@dataclass(frozen=True, slots=True)
class SecretHit:
    type: str
    line: int
    secret_hash: str
    value: str = field(repr=False, compare=False)
    # found only once an inline allowlist pragma the change itself wrote was set aside
    pragma_added: bool = field(default=False, compare=False)
    # set when the detector grades its hits one by one (a keyword assignment); else the type's
    severity: Severity | None = field(default=None, compare=False)


def severity_of(secret_type: str) -> Severity:
    """Specific formats critical or high; a keyword assignment, an entropy string lower."""
    if secret_type in _OURS:
        return _OURS[secret_type]
    if secret_type in _DEFAULT_CRITICAL:
        return Severity.CRITICAL
    if secret_type in ENTROPY_TYPES or secret_type in _DEFAULT_LOW:
        return Severity.LOW if secret_type in _DEFAULT_LOW else Severity.MEDIUM
    return Severity.HIGH


def hit_severity(hit: SecretHit) -> Severity:
    """The hit's own severity when its detector gave one, else its type's."""
    return hit.severity if hit.severity is not None else severity_of(hit.type)


KEYWORD_TYPE = "Secret Keyword"


def rank(hit: SecretHit) -> tuple[int, int, int, int, str]:
    """Sort key: a known format before a keyword assignment before an entropy string, then the
    more severe, then the longest value."""
    return (hit.type in ENTROPY_TYPES, hit.type == KEYWORD_TYPE, -hit_severity(hit),
            -len(hit.value), hit.type)


def most_specific(hits: list[SecretHit]) -> list[SecretHit]:
    """One finding per secret.

    On one line, an entropy hit is dropped when a specific detector found something there (a
    GitHub token is also a high-entropy string), and of two values one inside the other (the
    default GitLab plugin and ours on one routable token, a Discord token assigned to a
    `token` name) the same secret is kept once, under the most specific type. In a file, a
    value is reported once, at its first line.
    """
    kept: list[SecretHit] = []
    by_line: dict[int, list[SecretHit]] = {}
    for hit in hits:
        by_line.setdefault(hit.line, []).append(hit)
    for line_hits in by_line.values():
        specific = any(h.type not in ENTROPY_TYPES for h in line_hits)
        chosen: list[SecretHit] = []
        for hit in sorted(line_hits, key=rank):
            if specific and hit.type in ENTROPY_TYPES:
                continue
            if any(hit.secret_hash == c.secret_hash or _overlap(hit.value, c.value)
                   for c in chosen):
                continue
            chosen.append(hit)
        kept.extend(chosen)
    seen: set[str] = set()
    out: list[SecretHit] = []
    for hit in sorted(kept, key=lambda h: (h.line, rank(h))):
        if hit.secret_hash not in seen:
            seen.add(hit.secret_hash)
            out.append(hit)
    return sorted(out, key=lambda h: (h.line, h.type))


def _overlap(a: str, b: str) -> bool:
    return bool(a and b) and (a in b or b in a)
