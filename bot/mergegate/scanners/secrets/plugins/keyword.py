# ruff: noqa: S105 (a secret_type names a kind of secret)
"""A secret-like name assigned a literal, in code and in configuration files.

Replaces detect-secrets' `KeywordDetector` (same secret type, so baselines still match). It
reads assignments the way each family of files writes them:

- code and quoted config: `password = "…"`, `password := "…"`, `"password": "…"`,
  `'password' => '…'`, `password: "…"`, `setProperty("PASSWORD", "…")`, `["password"] = "…"`;
- bare config values (YAML, INI, .env, .properties, shell, Dockerfile, no extension):
  `password: …`, `PASSWORD=…`, `export PASSWORD=…`, `ENV PASSWORD …`;
- XML: `<password>…</password>`, `<add key="Password" value="…"/>`;
- Kubernetes env entries, whose name and value are on two lines (`- name: DB_PASSWORD` then
  `value: …`).

Which names and values count is `keywords.holds_secret` and `keywords.is_literal_secret`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator
from typing import Any

from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.util.code_snippet import CodeSnippet

from mergegate.core.findings import Severity

from ..keywords import holds_secret, is_literal_secret, is_test_path, looks_generated
from .base import TokenDetector

_NAME = r"[A-Za-z_$@:][\w.$:-]*"
_QUOTED = r"(?P<q>[\"'\x60])(?P<value>(?:\\.|(?!(?P=q))[^\\])*)(?P=q)"
# A type annotation or declaration between the name and the operator: `password: str = …`,
# `var password string = …`.
_TYPED = r"(?:\s*:\s*[A-Za-z_][\w\[\]., |]*?(?=\s*=)|\s+(?:string|String|str|\[\]byte)\b)?"
_QUOTED_ASSIGN = re.compile(
    r"(?P<name>" + _NAME + r")" + _TYPED + r"[\"'\]]?\s*(?:\?\?=|\|\|=|:=|=>|==|\?=|:|=|<-)\s*"
    r"(?:(?:SecretStr|Secret|SecureString|String|str|bytes)\s*\(\s*)?(?:@|[rbuRBU]|\$)?"
    + _QUOTED
)
_CALL_PAIR = re.compile(  # setProperty("PASSWORD", "x"), put('token', 'x'), ["password"] = "x"
    r"(?:\b(?:[sS]et\w*|put\w*|add\w*|setdefault|setenv|putenv|store|save|with\w*|define)"
    r"\s*\(\s*"
    r"[\"'](?P<name>[\w.-]+)[\"']\s*,|\[\s*[\"'](?P<key>[\w.-]+)[\"']\s*\]\s*=)\s*" + _QUOTED
)
_SETTER = re.compile(  # .setPassword("x"), .password("x"), .withApiKey("x")
    r"\.(?:set|with)?(?P<name>[A-Za-z_]\w*)\s*\(\s*" + _QUOTED + r"\s*\)"
)
# name=value inside a command line, a URL query or a string: `-Ddb.password=…`,
# `docker run -e DB_PASSWORD=…`, `"--token=…"`.
_INLINE = re.compile(
    r"(?:^|(?<=[\s\"'(;&?])|(?<=-D))(?P<name>[A-Za-z_][\w.-]*)=(?!=)"
    r"(?P<value>[^\s\"'&;,)<>\x60]{4,})"
)
_BARE_ASSIGN = re.compile(
    r"^\s*(?:-\s+)?(?:export\s+|set\s+|ENV\s+|ARG\s+|declare\s+(?:-\w+\s+)?)?"
    r"(?P<name>[\w.$-]+)\s*(?:=|:(?!//)|\s(?=\S))\s*(?P<value>[^\s\"'#;,{}\[\]()`][^\s#;]*)"
    r"\s*(?:[#;].*)?$"
)
_XML_ELEMENT = re.compile(r"<(?P<name>[\w:.-]+)(?:\s[^>]*)?>(?P<value>[^<>]+)</(?P=name)>")
_XML_KEYED_ELEMENT = re.compile(  # <entry key="password">…</entry>
    r"<(?P<tag>[\w:.-]+)\s+(?:key|name)\s*=\s*[\"'](?P<name>[\w.:-]+)[\"'][^>]*>"
    r"(?P<value>[^<>]+)</(?P=tag)>", re.IGNORECASE,
)
_XML_KEY_VALUE = re.compile(  # <add key="Password" value="…"/>, <password value="…"/>
    r"(?:(?:key|name)\s*=\s*[\"'](?P<name>[\w.:-]+)[\"']|<(?P<tag>[\w:.-]+))\s+value\s*=\s*"
    r"[\"'](?P<value>[^\"']*)[\"']",
    re.IGNORECASE,
)
# SQL: CREATE USER … IDENTIFIED BY '…', CREATE ROLE … PASSWORD '…', ALTER USER … PASSWORD '…'
_SQL_PASSWORD = re.compile(r"(?i)\b(?:identified\s+by|password)\s+'(?P<value>[^']+)'")
# .netrc: machine … login … password …
_NETRC_PASSWORD = re.compile(r"\bpassword\s+(?P<value>\S+)")
_K8S_NAME = re.compile(r"^\s*-?\s*name:\s*[\"']?(?P<name>[\w.-]+)[\"']?\s*$")
_K8S_VALUE = re.compile(r"^\s*value:\s*(?P<value>.+?)\s*$")
# "…" + var, "…".format(x), "…" if a else b: the literal is not the value.
_CONTINUES = re.compile(r"\s*(?:[.+\[(%]|\bif\b|\?\?|\|\||or\b)")

CODE_EXTENSIONS = frozenset({
    ".py", ".pyi", ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".java", ".kt", ".kts", ".go",
    ".cs", ".php", ".rb", ".rs", ".c", ".cc", ".cpp", ".h", ".hpp", ".swift", ".scala",
    ".groovy", ".gradle", ".dart", ".lua", ".vue", ".svelte", ".m", ".pl", ".r", ".ex", ".exs",
    ".erl", ".clj", ".fs", ".vb", ".ps1", ".sql", ".tf", ".hcl", ".tfvars", ".json", ".toml",
    ".html", ".htm",
})


def bare_values_allowed(filename: str) -> bool:
    """Config and shell files write literals unquoted; in code an unquoted value is an
    expression (a variable, a call)."""
    base = os.path.basename(filename).lower()
    _, ext = os.path.splitext(base)
    return ext not in CODE_EXTENSIONS


class KeywordDetector(TokenDetector):
    """A secret-like name assigned a literal value.

    High (it blocks at the default `block_on: high`) when the value reads like a real
    credential and the file is not a test, fixture or example; medium when the value is a
    chosen phrase (`Password123`, `insecure_pwd`) or the file is a test's.
    """

    secret_type = "Secret Keyword"
    severity = Severity.MEDIUM
    # `value:` opens the gate for a Kubernetes env entry whose name is on the line before.
    keywords = ("pass", "pwd", "secret", "token", "key", "cred", "auth", "pat", "value:",
                "identified by")
    patterns = ()

    def analyze_line(self, filename: str, line: str, line_number: int = 0,
                     context: CodeSnippet | None = None, **kwargs: Any) -> set[PotentialSecret]:
        if len(line) > 4000:
            line = line[:4000]
        previous = context.previous_line if context is not None else ""
        return {
            PotentialSecret(type=self.secret_type, filename=filename, secret=value,
                            line_number=line_number)
            for value in set(self.assignments(filename, line, previous))
        }

    def analyze_string(self, string: str, **_: Any) -> Generator[str, None, None]:
        yield from self.assignments("", string, "")

    def severity_for(self, value: str, filename: str) -> Severity:
        if looks_generated(value) and not is_test_path(filename):
            return Severity.HIGH
        return Severity.MEDIUM

    @staticmethod
    def assignments(filename: str, line: str, previous: str) -> Iterator[str]:
        """Literal values assigned to secret-like names on this line."""
        for match in _QUOTED_ASSIGN.finditer(line):
            if _CONTINUES.match(line, match.end()):
                continue
            name, value = match.group("name").rstrip(":"), match.group("value")
            if holds_secret(name.split(".")[-1].split(":")[-1].lstrip("$@")) and is_literal_secret(
                value, name
            ):
                yield value
        for match in _CALL_PAIR.finditer(line):
            name, value = match.group("name") or match.group("key"), match.group("value")
            if holds_secret(name) and is_literal_secret(value, name):
                yield value
        for match in _SETTER.finditer(line):
            name, value = match.group("name"), match.group("value")
            if holds_secret(name) and is_literal_secret(value, name):
                yield value
        code = not bare_values_allowed(filename)
        if "=" in line:
            for match in _INLINE.finditer(line):
                name, value = match.group("name"), match.group("value")
                if code and not _inside_string(line, match.start()):
                    continue  # in code, name=value counts inside a string, not as an expression
                if holds_secret(name.split(".")[-1]) and is_literal_secret(value, name) and (
                    not value.startswith(("$", "%", "*", "("))
                ):
                    yield value
        if "'" in line:
            for match in _SQL_PASSWORD.finditer(line):
                if is_literal_secret(match.group("value")):
                    yield match.group("value")
        if os.path.basename(filename) in (".netrc", "_netrc"):
            for match in _NETRC_PASSWORD.finditer(line):
                if is_literal_secret(match.group("value")):
                    yield match.group("value")
        if "<" in line:
            for pattern in (_XML_ELEMENT, _XML_KEYED_ELEMENT, _XML_KEY_VALUE):
                for match in pattern.finditer(line):
                    name = match.group("name") or match.group("tag") or ""
                    value = match.group("value")
                    if holds_secret(name.split(":")[-1]) and is_literal_secret(value, name):
                        yield value
        k8s_value = _K8S_VALUE.match(line)
        if k8s_value and previous:
            env_name = _K8S_NAME.match(previous)
            value = k8s_value.group("value").strip("\"'")
            if env_name and holds_secret(env_name.group("name")) and is_literal_secret(
                value, env_name.group("name")
            ):
                yield value
        if not code:
            bare = _BARE_ASSIGN.match(line)
            if bare:
                name, value = bare.group("name"), bare.group("value")
                if holds_secret(name.lstrip("$")) and is_literal_secret(value, name) and (
                    "(" not in value and not value.startswith(("$", "%", "&", "*"))
                ):
                    yield value


def _inside_string(line: str, position: int) -> bool:
    """Whether `position` is inside a quoted string (an odd number of quotes before it)."""
    before = line[:position]
    return any(before.count(quote) % 2 == 1 for quote in "\"'")


_OPEN_TAG = re.compile(r"^\s*<(?P<name>[\w:.-]+)(?:\s[^>]*)?>\s*$")
_BARE_VALUE = re.compile(r"^\s*(?P<value>[^\s<>]{8,})\s*$")


def xml_value_line(texts: list[str], index: int) -> str | None:
    """`<password>` / value / `</password>` on three lines, read as `password: "value"`."""
    if index == 0 or index + 1 >= len(texts):
        return None
    value = _BARE_VALUE.match(texts[index])
    if value is None:
        return None
    opening = _OPEN_TAG.match(texts[index - 1])
    if opening is None or texts[index + 1].strip() != f"</{opening.group('name')}>":
        return None
    return f'{opening.group("name")}: "{value.group("value")}"'
