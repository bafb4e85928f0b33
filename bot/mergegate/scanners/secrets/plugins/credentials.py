# ruff: noqa: S105 (a secret_type names a kind of secret)
"""Passwords in text: URLs and connection strings, and command lines.

- URLs with a password (`postgres://app:…@db/`, `mongodb+srv://`, `redis://:…@`, `amqp://`,
  `jdbc:mysql://…?password=…`): replaces detect-secrets' `BasicAuthDetector` (same secret type)
  with one that skips placeholders (`user:password@`, `${DB_PASS}`).
- Key-value connection strings (ADO.NET, ODBC, JDBC properties): `Password=…;`, `Pwd=…`.
- Command lines: `mysql -psecret`, `--password=…`, `--password …`, `sshpass -p …`,
  `docker login -p …`, `curl -u user:…`, `redis-cli -a …`, `mongosh -p …`, `sqlcmd -P …`.
"""

from __future__ import annotations

import re

from mergegate.core.findings import Severity

from ..keywords import is_literal_secret
from .base import TokenDetector, charset_variety

_VALUE_END = r"(?=[\s\"'`;,)<>\]}|&]|\\[nrt]|$)"


class BasicAuthDetector(TokenDetector):
    secret_type = "Basic Auth Credentials"
    severity = Severity.HIGH
    keywords = ("://",)
    patterns = (
        re.compile(r"\b[a-zA-Z][\w+.-]*://[^\s:/@\"'`<>{}]*:(?P<secret>[^\s:/@\"'`<>]+)@[\w.\[-]"),
        re.compile(r"(?i)[?&;](?:password|pwd|pass)=(?P<secret>[^&;\s\"'`<>]+)"),
    )

    def is_secret(self, value: str) -> bool:
        return is_literal_secret(value) and value.lower() not in {"pass", "pw", "pwd"}


class AuthorizationHeaderDetector(TokenDetector):
    """A credential written into an HTTP header: `Authorization: Bearer …`, `X-Api-Key: …`
    (in curl commands, HTTP files, code and configuration)."""

    secret_type = "Authorization Header"
    severity = Severity.HIGH
    keywords = ("authorization", "api-key", "auth-token", "access-token", "private-token",
                "gitlab-token")
    patterns = (
        re.compile(r"(?i)\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?(?:bearer|basic|token|"
                   r"digest|apikey)\s+(?P<secret>[A-Za-z0-9._~+/=-]{8,})"),
        re.compile(r"(?i)\b(?:x-)?(?:api-key|auth-token|access-token|private-token|gitlab-token)"
                   r"[\"']?\s*[:=]\s*[\"']?(?P<secret>[A-Za-z0-9._~+/=-]{12,})"),
    )

    def is_secret(self, value: str) -> bool:
        return is_literal_secret(value) and charset_variety(value) >= 2


class ConnectionStringDetector(TokenDetector):
    secret_type = "Connection String Password"
    severity = Severity.HIGH
    keywords = ("password=", "pwd=", "password =", "pwd =")
    patterns = (
        re.compile(r"(?i)(?:^|[;\s\"'])(?:password|pwd)\s*=\s*(?P<q>['\"{]?)"
                   r"(?P<secret>[^;\"'{}\s]{3,})(?P=q)\s*(?:;|[\"']|$)"),
    )
    _MARKERS = re.compile(r"(?i)(?:server|data source|host|uid|user id|user|driver|database|"
                          r"initial catalog|dsn|port|jdbc:|endpoint)\s*=|jdbc:")

    def analyze_string(self, string: str, **kwargs: object):  # type: ignore[no-untyped-def]
        if self._MARKERS.search(string):
            yield from super().analyze_string(string)

    def is_secret(self, value: str) -> bool:
        return is_literal_secret(value)


class CommandLinePasswordDetector(TokenDetector):
    secret_type = "Command Line Password"
    severity = Severity.HIGH
    keywords = ("-p", "--pass", "sshpass", "-u ", "--user", "--pwd", "-pw", "redis-cli")
    patterns = (
        re.compile(r"\bsshpass\s+-p\s*(?P<q>['\"]?)(?P<secret>[^\s'\"\x60]+)(?P=q)"),
        re.compile(r"\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump|mysqlimport|mysqlsh)\b"
                   r"[^|;&\n]*?\s-p(?P<q>['\"]?)(?P<secret>[^\s'\"\x60-][^\s'\"\x60]*)(?P=q)"),
        re.compile(r"(?:^|\s)--(?:password|passwd|pass|pwd|db-password|admin-password|"
                   r"client-secret|token|api-key)(?:=|\s+)(?P<q>['\"]?)(?P<secret>[^\s'\"\x60]+)"
                   r"(?P=q)" + _VALUE_END),
        re.compile(r"\b(?:docker|podman|helm|oras|buildah|skopeo|nerdctl)\b[^|;&\n]*?\blogin\b"
                   r"[^|;&\n]*?\s-p\s+(?P<q>['\"]?)(?P<secret>[^\s'\"\x60]+)(?P=q)"),
        re.compile(r"(?:\b(?:curl|wget|http)\b[^|;&\n]*?\s|^\s+)(?:-u|--user)(?:=|\s+)"
                   r"(?P<q>['\"]?)[^\s:'\"]*:\\?['\"]?(?P<secret>[^\s'\"\\]{3,})"),
        re.compile(r"\s-(?:pw|pass|password)\s+(?P<q>['\"]?)(?P<secret>[^\s'\"\x60-][^\s'\"\x60]*)(?P=q)"),
        re.compile(r"\bredis-cli\b[^|;&\n]*?\s-a\s+(?P<q>['\"]?)(?P<secret>[^\s'\"\x60-][^\s'\"\x60]*)"
                   r"(?P=q)"),
        re.compile(r"\b(?:mongo|mongosh|mongodump|mongorestore|mongoexport|mongoimport)\b"
                   r"[^|;&\n]*?\s-p\s+(?P<q>['\"]?)(?P<secret>[^\s'\"\x60-][^\s'\"\x60]*)(?P=q)"),
        re.compile(r"\b(?:sqlcmd|bcp|osql)\b[^|;&\n]*?\s-P\s*(?P<q>['\"]?)"
                   r"(?P<secret>[^\s'\"\x60-][^\s'\"\x60]*)(?P=q)"),
    )

    def is_secret(self, value: str) -> bool:
        # A lower-case word after a flag is prose ("the --password option") more than a secret.
        return (is_literal_secret(value) and not value.startswith(("-", "/"))
                and not (value.isalpha() and value.islower()))
