# ruff: noqa: S105 (a secret_type names a kind of secret)
"""Google, Azure and AWS credentials beyond detect-secrets' access key id and storage key."""

from __future__ import annotations

import os
import re
from typing import Any, cast

from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.util.code_snippet import CodeSnippet

from mergegate.core.findings import Severity

from .base import END, TokenDetector, looks_masked

# Firebase's app configuration files: the API key in them is public by design (it ships in
# every copy of the app and is restricted in the Google Cloud console instead).
_FIREBASE_CONFIG = re.compile(r"^(?:google-services.*\.json|GoogleService-Info.*\.plist)$")


class GoogleApiKeyDetector(TokenDetector):
    """High, except in Firebase's app configuration files (low: reported, never blocking)."""

    secret_type = "Google API Key"
    severity = Severity.HIGH
    keywords = ("aiza",)
    patterns = (re.compile(r"\b(?P<secret>AIza[\w-]{35})" + END),)
    min_variety = 3

    def severity_for(self, value: str, filename: str) -> Severity:
        if _FIREBASE_CONFIG.match(os.path.basename(filename)):
            return Severity.LOW
        return self.severity

    def is_secret(self, value: str) -> bool:
        body = value[4:]
        return super().is_secret(value) and not re.search(
            r"(?i)abcdefgh|test|aaaa|1234", body)


class GoogleOAuthClientSecretDetector(TokenDetector):
    secret_type = "Google OAuth Client Secret"
    keywords = ("gocspx-",)
    patterns = (re.compile(r"\bGOCSPX-[\w-]{28}" + END),)


class GoogleServiceAccountKeyDetector(TokenDetector):
    """The `private_key_id` of a service-account JSON key file (its key block is a Private Key)."""

    secret_type = "Google Service Account Key"
    keywords = ("private_key_id",)
    patterns = (re.compile(r"\"private_key_id\"\s*:\s*\"(?P<secret>[0-9a-f]{40})\""),)


class AzureConnectionStringDetector(TokenDetector):
    """Storage and Service Bus/Event Hubs connection strings, SAS signatures in URLs."""

    secret_type = "Azure Connection String"
    keywords = ("accountkey=", "sharedaccesskey=", "sig=", "sharedaccesssignature=")
    patterns = (
        re.compile(r"(?i)(?:AccountKey|SharedAccessKey)\s*=\s*(?P<secret>[A-Za-z0-9+/]{30,100}"
                   r"={0,2})"),
        re.compile(r"[?&;]sig=(?P<secret>[A-Za-z0-9%+/]{30,100}(?:%3D|=){0,2})"),
    )

    def is_secret(self, value: str) -> bool:
        return super().is_secret(value) and not value.lower().startswith(("x", "your"))


class AzureEntraClientSecretDetector(TokenDetector):
    secret_type = "Azure Entra Client Secret"
    keywords = ("q~",)
    patterns = (
        re.compile(r"(?:^|[\\'\"\x60\s>=:(,)])(?P<secret>[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})"
                   r"(?:$|[\\'\"\x60\s<),])"),
    )

    def is_secret(self, value: str) -> bool:
        return super().is_secret(value) and "~~" not in value and ".." not in value


class AWSKeyDetector(TokenDetector):
    """Access key ids. Replaces detect-secrets' plugin (same type), which also matches inside
    longer words (`TODAYINASIAASACKOFRICE…`) and takes `AKIAXXXXXXXXXXXXXXXX` for a key."""

    secret_type = "AWS Access Key"
    keywords = ("akia", "asia", "abia", "acca", "a3t")
    patterns = (re.compile(r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b"),)

    def is_secret(self, value: str) -> bool:
        # AWS's documented example key stays reported: tests and docs use it for a real one.
        return not looks_masked(value)


_ACCESS_KEY_ID = re.compile(r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b")
# A 40-character value given to a `secret` name: an AWS secret key when a key id is near.
_PAIRED_SECRET = re.compile(r"(?i)secret[\w.-]{0,30}[\"']?\s*(?:[:=]|:=|=>|,)\s*[\"'\x60]?"
                            r"(?P<secret>[A-Za-z0-9/+]{40})" + END)


class AwsSecretKeyDetector(TokenDetector):
    """An AWS secret access key or session token named as one (`aws_secret_access_key = ...`),
    or a 40-character value given to a `secret` name within five lines of an access key id."""

    secret_type = "AWS Secret Access Key"
    keywords = ("aws", "secret", "session_token", "sessiontoken", "security_token")
    patterns = (
        re.compile(r"(?i)aws.{0,20}?(?:key|pwd|pw|password|pass|token|secret).{0,20}?['\"]"
                   r"(?P<secret>[0-9a-zA-Z/+]{40})['\"]"),
        re.compile(r"(?i)(?:aws_?|amazon_?)?(?:secret_?access_?key|secret-access-key|secret_?key)"
                   r"[\"']?\s*(?:[:=]|:=|=>|,)\s*[\"'\x60]?(?P<secret>[A-Za-z0-9/+]{40})" + END),
        re.compile(r"(?i)(?:aws_?)?(?:session|security)_?token[\"']?\s*(?:[:=]|:=|=>|,)\s*"
                   r"[\"'\x60]?(?P<secret>[A-Za-z0-9/+=]{100,1200})" + END),
    )
    min_variety = 2

    def analyze_line(self, filename: str, line: str, line_number: int = 0,
                     context: CodeSnippet | None = None, **kwargs: Any) -> set[PotentialSecret]:
        found: set[PotentialSecret] = super().analyze_line(  # its `context` may be None too
            filename=filename, line=line, line_number=line_number,
            context=cast(CodeSnippet, context), **kwargs)
        if found or context is None or "secret" not in line.lower():
            return found
        if not any(_ACCESS_KEY_ID.search(text) for text in context.lines):
            return found
        return {PotentialSecret(type=self.secret_type, filename=filename, secret=value,
                                line_number=line_number)
                for value in (m.group("secret") for m in _PAIRED_SECRET.finditer(line))
                if self.is_secret(value)}
