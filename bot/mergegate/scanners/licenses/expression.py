"""License expressions judged against a policy: pure, with `license-expression` doing SPDX.

`A OR B` passes when either side passes, `A AND B` needs both, `X WITH E` is judged as the
whole (when the policy names it) else as its license `X`. `deny` beats `allow`; a license
the SPDX list does not know (and the policy does not name) is unknown. Common non-SPDX
spellings ("Apache 2.0", "BSD", "GPLv3") are normalised first.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from license_expression import (
    ExpressionError,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
    get_spdx_licensing,
)

# Spellings seen in package metadata, keyed by `_simplify` of the spelling.
_SPELLINGS: dict[str, str] = {
    "apache 2.0": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache2": "Apache-2.0",
    "apache software 2.0": "Apache-2.0",
    "apache software": "Apache-2.0",
    "asl 2.0": "Apache-2.0",
    "mit": "MIT",
    "expat": "MIT",
    "mit x11": "MIT",
    "bsd": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "bsd 3 clause": "BSD-3-Clause",
    "3 clause bsd": "BSD-3-Clause",
    "bsd 3": "BSD-3-Clause",
    "simplified bsd": "BSD-2-Clause",
    "bsd 2 clause": "BSD-2-Clause",
    "2 clause bsd": "BSD-2-Clause",
    "freebsd": "BSD-2-Clause",
    "isc": "ISC",
    "gplv2": "GPL-2.0-only",
    "gpl v2": "GPL-2.0-only",
    "gpl 2": "GPL-2.0-only",
    "gplv2+": "GPL-2.0-or-later",
    "gplv3": "GPL-3.0-only",
    "gpl v3": "GPL-3.0-only",
    "gpl 3": "GPL-3.0-only",
    "gnu gpl v3": "GPL-3.0-only",
    "gnu general public v3 gplv3": "GPL-3.0-only",
    "gplv3+": "GPL-3.0-or-later",
    "gnu general public v3 or later gplv3+": "GPL-3.0-or-later",
    "lgplv2.1": "LGPL-2.1-only",
    "lgpl 2.1": "LGPL-2.1-only",
    "lgplv3": "LGPL-3.0-only",
    "lgplv3+": "LGPL-3.0-or-later",
    "agplv3": "AGPL-3.0-only",
    "agpl v3": "AGPL-3.0-only",
    "agpl 3": "AGPL-3.0-only",
    "agplv3+": "AGPL-3.0-or-later",
    "mpl 2.0": "MPL-2.0",
    "mozilla public 2.0": "MPL-2.0",
    "psf": "PSF-2.0",
    "python software foundation": "PSF-2.0",
    "unlicense": "Unlicense",
    "cc0": "CC0-1.0",
    "cc0 1.0": "CC0-1.0",
}
# Strings that say "no license information", never a license.
_UNRESOLVED = {"", "noassertion", "unknown", "non-standard", "none", "other", "unlicensed"}


_LICENSE_REF = re.compile(r"^LicenseRef-[A-Za-z0-9.\-]+$")
UNRESOLVED = "unknown"  # the expression shown when nothing says what the license is


class Status(enum.IntEnum):
    """Worse is lower: AND takes the minimum of its sides, OR the maximum."""

    DENIED = 0
    NOT_ALLOWED = 1
    UNKNOWN = 2
    OK = 3


@dataclass(frozen=True, slots=True)
class LicenseJudgement:
    status: Status
    expression: str  # the normalised expression, or the raw text when unparsable
    culprits: tuple[str, ...] = ()  # the licenses that made the status


def _simplify(text: str) -> str:
    s = text.lower().replace("licence", "license")
    s = re.sub(r"\b(the|license|version)\b", "", s)
    s = re.sub(r"[,;()/_\-]+", " ", s)
    return re.sub(r"\s+", " ", s).strip()


@lru_cache(maxsize=1)
def licensing() -> Licensing:
    return get_spdx_licensing()


def normalize_spelling(text: str) -> str:
    """A known spelling's SPDX id, or the text unchanged."""
    return _SPELLINGS.get(_simplify(text), text.strip())


@lru_cache(maxsize=4096)
def parse(text: str) -> Any | None:
    """The parsed expression with spellings normalised, or None when it cannot be parsed
    or says nothing (NOASSERTION, UNKNOWN...)."""
    if text.strip().lower() in _UNRESOLVED:
        return None
    if _LICENSE_REF.match(text.strip()):
        return LicenseSymbol(text.strip())  # as written: the SPDX list maps some to others
    candidate = normalize_spelling(text)
    try:
        expr = licensing().parse(candidate, validate=False)
    except ExpressionError:
        return None
    if expr is None:
        return None
    unknown = licensing().unknown_license_keys(expr)
    if unknown:
        mapping = {k: normalize_spelling(k) for k in unknown}
        if any(v != k for k, v in mapping.items()):
            replaced = str(expr)
            for k, v in mapping.items():
                replaced = replaced.replace(k, v)
            try:
                expr = licensing().parse(replaced, validate=False)
            except ExpressionError:
                return None
    return expr


def _symbol_keys(sym: Any) -> tuple[str, str | None]:
    """(full key, license key when the symbol is `X WITH E`)."""
    if isinstance(sym, LicenseWithExceptionSymbol):
        lic = sym.license_symbol.key
        return f"{lic} WITH {sym.exception_symbol.key}", lic
    return str(sym.key), None


def policy_keys(entries: Iterable[str]) -> frozenset[str]:
    """Policy allow/deny entries in the normalised, lower-case form symbols are compared in."""
    keys: set[str] = set()
    for entry in entries:
        expr = parse(entry)
        if isinstance(expr, LicenseSymbol | LicenseWithExceptionSymbol):
            keys.add(_symbol_keys(expr)[0].lower())
        else:
            keys.add(normalize_spelling(entry).lower())
    return frozenset(keys)


def unknown_policy_entries(entries: Iterable[str]) -> list[str]:
    """Policy entries that name no SPDX license (a typo never matches anything)."""
    out = []
    for entry in entries:
        expr = parse(entry)
        if expr is None or (
            licensing().unknown_license_keys(expr) and not entry.strip().startswith("LicenseRef-")
        ):
            out.append(entry)
    return out


@dataclass(frozen=True, slots=True)
class LicenseRules:
    allow: frozenset[str] | None
    deny: frozenset[str]

    @classmethod
    def from_policy(cls, allow: Iterable[str] | None, deny: Iterable[str]) -> LicenseRules:
        return cls(None if allow is None else policy_keys(allow), policy_keys(deny))


def _leaf(sym: Any, rules: LicenseRules) -> tuple[Status, str]:
    full, base = _symbol_keys(sym)
    f, b = full.lower(), (base or "").lower()
    named = rules.deny | (rules.allow or frozenset())
    if f in rules.deny or (b and b in rules.deny and not (rules.allow and f in rules.allow)):
        return Status.DENIED, full
    unknown = bool(licensing().unknown_license_keys(sym)) and not full.startswith("LicenseRef-")
    if unknown and f not in named and b not in named:
        return Status.UNKNOWN, full
    if rules.allow is None or f in rules.allow or (b and b in rules.allow):
        return Status.OK, full
    return Status.NOT_ALLOWED, full


def _walk(expr: Any, rules: LicenseRules) -> tuple[Status, tuple[str, ...]]:
    if isinstance(expr, LicenseSymbol | LicenseWithExceptionSymbol):
        status, key = _leaf(expr, rules)
        return status, (() if status is Status.OK else (key,))
    parts = [_walk(arg, rules) for arg in expr.args]
    is_and = str(expr.operator).strip().upper() == "AND"
    status = min(p[0] for p in parts) if is_and else max(p[0] for p in parts)
    culprits = tuple(c for s, cs in parts if s == status for c in cs)
    return status, culprits


def judge(license_text: str | None, rules: LicenseRules) -> LicenseJudgement:
    """Judge one package's license text against the rules."""
    if license_text is None or license_text.strip().lower() in _UNRESOLVED:
        return LicenseJudgement(Status.UNKNOWN, UNRESOLVED)
    expr = parse(license_text)
    if expr is None:
        return LicenseJudgement(Status.UNKNOWN, license_text.strip())
    status, culprits = _walk(expr, rules)
    return LicenseJudgement(status, str(expr), culprits)
