# ruff: noqa: S105 (a secret_type names a kind of secret)
"""Payment and e-mail providers: Stripe, Twilio, SendGrid, Mailgun, Mailchimp."""

from __future__ import annotations

import re

from mergegate.core.findings import Severity

from .base import ASSIGN, END, TokenDetector


class StripeKeyDetector(TokenDetector):
    """Stripe secret and restricted keys, live or test. Replaces detect-secrets' plugin (same
    type), which only knows live ones."""

    secret_type = "Stripe Access Key"
    keywords = ("sk_", "rk_")
    patterns = (re.compile(r"\b(?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99}" + END),)


class TwilioKeyDetector(TokenDetector):
    """API key secrets. Replaces detect-secrets' plugin (same type), which also reports
    account SIDs (`AC…`), identifiers that are not secret."""

    secret_type = "Twilio API Key"
    keywords = ("twilio",)
    gates = (r"\bSK[0-9a-fA-F]{32}",)
    patterns = (
        re.compile(r"\bSK[0-9a-fA-F]{32}\b"),
        re.compile(r"(?i)[\w.-]{0,50}?twilio" + ASSIGN + r"(?P<secret>[a-f0-9]{32})" + END),
    )


class SendGridKeyDetector(TokenDetector):
    secret_type = "SendGrid API Key"
    keywords = ("sg.",)
    patterns = (re.compile(r"\bSG\.[a-zA-Z0-9=_\-.]{66}" + END),)


class MailgunKeyDetector(TokenDetector):
    secret_type = "Mailgun API Key"
    severity = Severity.HIGH
    keywords = ("mailgun", "key-", "pubkey-")
    patterns = (
        re.compile(r"(?i)[\w.-]{0,50}?mailgun" + ASSIGN
                   + r"(?P<secret>(?:pub)?key-[a-f0-9]{32}|[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8})"
                   + END),
        re.compile(r"\bkey-[a-f0-9]{32}\b"),
    )

    def is_secret(self, value: str) -> bool:
        return super().is_secret(value) and (not value.startswith("key-")
                                             or any(c.isalpha() for c in value[4:]))


class MailchimpKeyDetector(TokenDetector):
    secret_type = "Mailchimp Access Key"
    keywords = ("-us",)
    patterns = (re.compile(r"(?i)\b(?P<secret>[a-f0-9]{32}-us\d{1,2})" + END),)
