"""What our detect-secrets plugins share: a value group, a keyword gate and a placeholder check.

Each plugin is a `RegexBasedDetector` with its own `secret_type`. Its `keywords` are lower-case
literals of which a line must contain one before its regexes run; `gate.py` turns the keywords of
every plugin into one pre-filter, so a line that can hold none of our formats costs one search.
A pattern's named group ``secret`` (else group 1, else the whole match) is the value.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any, ClassVar, cast

from detect_secrets.plugins.base import RegexBasedDetector

from mergegate.core.findings import Severity

# Where a token ends: a quote, whitespace, a separator, an escaped newline, or the line's end.
END = r"(?=[\x60'\"\s;,)<>\]}|&]|\\[nrt]|$)"
# A name (a variable, a key) and an assignment operator before a value, as gitleaks writes it.
ASSIGN = r"(?:[ \t\w.-]{0,20})[\s'\"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'\"\s=]{0,5}"

_MASKED = re.compile(r"(?i)^[x*#._-]+$|x{6,}|\*{4,}|#{4,}|0{12,}|\.\.\.|<[^>]*>|\$\{|\{\{|%\(|"
                     r"(.)\1{7,}")
# Words that mark an example; only looked for in short values (long random ones contain any
# four-letter word by chance).
_EXAMPLE_WORDS = re.compile(r"(?i)example|sample|dummy|placeholder|your[_-]|redacted|changeme|"
                            r"insert|replace|fake|here$|initial$")


def looks_masked(value: str) -> bool:
    """`xxxx`, `****`, `<token>`, `${VAR}`, `{{ .Values.x }}`, `aaaaaaaa`."""
    return _MASKED.search(value) is not None


def looks_like_placeholder(value: str) -> bool:
    """Masked, or an example by its words (`your_api_key`, `...EXAMPLE`) when short."""
    if looks_masked(value):
        return True
    if len(value) <= 48 and _EXAMPLE_WORDS.search(value):
        return True
    return len(set(value)) < 5


def charset_variety(value: str) -> int:
    """How many of lower case, upper case and digits a value mixes."""
    return sum((any(c.islower() for c in value), any(c.isupper() for c in value),
                any(c.isdigit() for c in value)))


class TokenDetector(RegexBasedDetector):
    """A credential format recognised by its shape; see the module docstring."""

    keywords: ClassVar[tuple[str, ...]] = ()
    # Case-sensitive regular expressions that also open the gate (for shapes without a literal).
    gates: ClassVar[tuple[str, ...]] = ()
    severity: ClassVar[Severity] = Severity.CRITICAL
    patterns: ClassVar[tuple[re.Pattern[str], ...]] = ()
    # Values of a fixed alphabet whose random instances always mix classes (e.g. base62) can ask
    # for variety, which throws out `aaaa…` and `1234…` samples.
    min_variety: ClassVar[int] = 0

    @property
    def denylist(self) -> tuple[re.Pattern[str], ...]:
        return self.patterns

    def analyze_string(self, string: str, **_: Any) -> Generator[str, None, None]:
        for pattern in self.patterns:
            for match in pattern.finditer(string):
                value = self.value_of(match)
                if value and self.is_secret(value):
                    yield value

    @staticmethod
    def value_of(match: re.Match[str]) -> str:
        if "secret" in match.re.groupindex:
            return match.group("secret") or ""
        if match.re.groups:
            return next((g for g in match.groups() if g), "")
        return match.group(0)

    def is_secret(self, value: str) -> bool:
        if looks_like_placeholder(value):
            return False
        return charset_variety(value) >= self.min_variety

    def severity_for(self, value: str, filename: str) -> Severity:
        """How severe this value is where it was found: the plugin's severity, unless the
        plugin grades its findings one by one."""
        return self.severity


def secret_type_of(plugin: type[TokenDetector]) -> str:
    """A plugin class's secret type (detect-secrets declares it an abstract property)."""
    return cast(str, plugin.secret_type)
