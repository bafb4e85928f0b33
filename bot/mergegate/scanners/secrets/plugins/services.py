# ruff: noqa: S105 (a secret_type names a kind of secret)
"""Other services: Shopify, Atlassian, Datadog, New Relic, Heroku, DigitalOcean, HashiCorp Vault
and Terraform Cloud, Sentry, Doppler, Pulumi, Grafana."""

from __future__ import annotations

import re

from mergegate.core.findings import Severity

from .base import ASSIGN, END, TokenDetector, charset_variety


def named(names: str, value: str) -> re.Pattern[str]:
    """A value of the given shape assigned to a name that mentions the service."""
    return re.compile(r"(?i)[\w.-]{0,50}?(?:" + names + ")" + ASSIGN + "(?P<secret>" + value + ")"
                      + END)


class ShopifyTokenDetector(TokenDetector):
    secret_type = "Shopify Token"
    keywords = ("shpat_", "shpca_", "shppa_", "shpss_")
    patterns = (re.compile(r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b"),)


class AtlassianTokenDetector(TokenDetector):
    secret_type = "Atlassian API Token"
    keywords = ("atatt3", "atlassian", "confluence", "jira")
    patterns = (
        re.compile(r"\bATATT3[A-Za-z0-9_\-=]{186}" + END),
        named("atlassian|confluence|jira", r"[a-z0-9]{20}[a-f0-9]{4}"),
    )
    min_variety = 1

    def is_secret(self, value: str) -> bool:
        return super().is_secret(value) and any(c.isdigit() for c in value)


class DatadogKeyDetector(TokenDetector):
    secret_type = "Datadog API Key"
    severity = Severity.HIGH
    keywords = ("datadog", "dd_api_key", "dd_app_key")
    patterns = (named("datadog|dd_api_key|dd_app_key", r"[a-z0-9]{40}|[a-f0-9]{32}"),)


class NewRelicKeyDetector(TokenDetector):
    secret_type = "New Relic Key"
    keywords = ("nrak-", "nrii-", "nrjs-", "new-relic", "newrelic", "new_relic")
    patterns = (
        re.compile(r"\b(?:NRAK-[A-Za-z0-9]{27}|NRII-[A-Za-z0-9-]{32}|NRJS-[a-f0-9]{19})" + END),
        named("new-relic|newrelic|new_relic", r"[a-z0-9]{64}"),
    )


class HerokuKeyDetector(TokenDetector):
    secret_type = "Heroku API Key"
    keywords = ("heroku", "hrku-")
    patterns = (
        re.compile(r"\bHRKU-AA[0-9a-zA-Z_-]{58}" + END),
        named("heroku", r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    )


class DigitalOceanTokenDetector(TokenDetector):
    secret_type = "DigitalOcean Token"
    keywords = ("dop_v1_", "doo_v1_", "dor_v1_")
    patterns = (re.compile(r"(?i)\bdo[opr]_v1_[a-f0-9]{64}" + END),)


class VaultTokenDetector(TokenDetector):
    secret_type = "HashiCorp Vault Token"
    keywords = ("hvs.", "hvb.", "hvr.", "vault")
    patterns = (
        re.compile(r"\bhv[sbr]\.[\w-]{90,300}" + END),
        named("vault", r"s\.[a-zA-Z0-9]{24}"),
    )

    def is_secret(self, value: str) -> bool:
        return super().is_secret(value) and (not value.startswith("s.")
                                             or charset_variety(value) == 3)


class TerraformCloudTokenDetector(TokenDetector):
    secret_type = "Terraform Cloud Token"
    keywords = (".atlasv1.",)
    patterns = (re.compile(r"(?i)\b[a-z0-9]{14}\.(?-i:atlasv1)\.[a-z0-9\-_=]{60,70}" + END),)


class SentryTokenDetector(TokenDetector):
    """Sentry organisation and user auth tokens, or a 64-hex value named after Sentry."""

    secret_type = "Sentry Token"
    keywords = ("sntrys_", "sntryu_", "sentry")
    patterns = (
        re.compile(r"\bsntrys_eyJpYXQiO[a-zA-Z0-9+/]{10,200}(?:LCJyZWdpb25fdXJs|InJlZ2lvbl91cmwi|"
                   r"cmVnaW9uX3VybCI6)[a-zA-Z0-9+/]{10,200}={0,2}_[a-zA-Z0-9+/]{43}"
                   r"(?![a-zA-Z0-9+/])"),
        re.compile(r"\bsntryu_[a-f0-9]{64}" + END),
        named("sentry", r"[a-f0-9]{64}"),
    )


class SentryDsnDetector(TokenDetector):
    """A DSN's key (and, in old DSNs, its secret): `https://<key>[:<secret>]@o1.ingest.sentry.io/2`.
    High, not critical: a key alone only lets one send events."""

    secret_type = "Sentry DSN"
    severity = Severity.HIGH
    keywords = ("sentry",)
    patterns = (
        re.compile(r"https:/{2}(?P<secret>[0-9a-f]{32}(?::[0-9a-f]{32})?)@[\w.-]*sentry[\w.-]*/\d+"),
    )


class DopplerTokenDetector(TokenDetector):
    secret_type = "Doppler Token"
    keywords = ("dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit.")
    patterns = (re.compile(r"\bdp\.(?:pt|st|sa|ct|scim|audit)\.(?i:[a-z0-9_.-]{40,44})" + END),)


class PulumiTokenDetector(TokenDetector):
    secret_type = "Pulumi Access Token"
    keywords = ("pul-",)
    patterns = (re.compile(r"(?<![\w-])pul-[a-f0-9]{40}" + END),)


class GrafanaTokenDetector(TokenDetector):
    secret_type = "Grafana Token"
    keywords = ("eyjrijoi", "glc_", "glsa_")
    patterns = (
        re.compile(r"(?i)\b(?P<secret>eyJrIjoi[A-Za-z0-9]{70,400}={0,3})" + END),
        re.compile(r"(?i)\b(?P<secret>glc_[A-Za-z0-9+/]{32,400}={0,3})" + END),
        re.compile(r"(?i)\b(?P<secret>glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})" + END),
    )
    min_variety = 2
