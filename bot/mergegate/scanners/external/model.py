"""What the external readers share: places, severities, identities and the secret rule.

An external finding's scanner is ``external:<tool>`` (the tool's name lower-cased). Its
fingerprint follows the finding-identity contract: the tool's own fingerprint when it gives one,
else the content of the result's first line read from the workspace, else what the tool says
about the place (a snippet or the message); never the line number. A place that is not a file
of the repository (a container image, a URL) keeps a ``path`` that names it and line 0.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mergegate.core.findings import (
    Finding,
    ScannerError,
    ScanNote,
    Severity,
    fingerprint,
)

# Reads lines start..end (1-based, inclusive) of a repository file; None when unavailable.
LineSource = Callable[[str, int, int], "str | None"]

# Tools whose results are secrets: their snippets and messages may quote the value.
SECRET_TOOLS = frozenset({
    "gitleaks", "trufflehog", "detect-secrets", "ggshield", "talisman", "noseyparker",
    "secret_detection", "gitlab-secrets",
})


# A secret found by a secrets tool is a hard-coded credential, as our own secrets findings are
# (so one found by both is reported once, ours).
HARDCODED_CREDENTIAL_CWE = "CWE-798"


def tool_key(name: str) -> str:
    """The policy's and the scanner name's form of a tool name: lower-case, no spaces."""
    key = re.sub(r"\s+", "-", name.strip().lower()) or "unknown"
    return "codeql" if key.startswith("codeql") else key


def scanner_name(tool: str) -> str:
    return f"external:{tool_key(tool)}"


def severity_from_score(score: float) -> Severity:
    """A CVSS-like score (SARIF ``security-severity``) as GitHub reads it."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO


def normalize_cwe(value: str) -> str | None:
    """``CWE-89``, ``cwe-089``, ``external/cwe/cwe-89`` or ``89`` as ``CWE-89``; else None."""
    m = re.fullmatch(r"(?:external/cwe/)?(?:cwe[-_:]?\s*)?0*(\d{1,5})", value.strip(), re.I)
    if m is None or not value.strip():
        return None
    if not re.search(r"cwe", value, re.I) and not value.strip().isdigit():
        return None
    return f"CWE-{m.group(1)}"


def image_identity(image: str) -> str:
    """An image reference without tag or digest: a rebuilt image keeps its findings' ids."""
    name = image.strip().split("@", 1)[0]
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        name = name[:colon]
    return name or image.strip()


def secret_hash(value: str) -> str:
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:16]


def looks_secret(tool: str, rule_id: str, tags: Iterable[str] = ()) -> bool:
    """Results whose snippet or message may hold a secret's value (only rule, place and a
    hash of them are kept)."""
    if tool_key(tool) in SECRET_TOOLS or "secret" in rule_id.lower():
        return True
    return any(t.lower() in ("secret", "secrets") for t in tags)


@dataclass(frozen=True, slots=True)
class Draft:
    """A finding before it has an identity.

    ``identity_path`` is the path the fingerprint is taken over (an image without its tag);
    ``identity`` the content it is taken over. Drafts from one file get their fingerprints
    together, so two identical results are told apart by an occurrence index.
    """

    scanner: str
    rule: str
    severity: Severity
    title: str
    message: str
    path: str
    line: int
    end_line: int
    identity_path: str
    identity: str
    column: int = 1
    fix: str | None = None
    cwe: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    new: bool = True
    suppressed: str | None = None  # the tool's justification when it suppressed the result


@dataclass(slots=True)
class ExternalResult:
    """What one report yields: findings, the fingerprints the tool itself suppressed (with the
    justification), and errors/notes that name the report file."""

    findings: list[Finding] = field(default_factory=list)
    suppressed: dict[str, str] = field(default_factory=dict)
    errors: list[ScannerError] = field(default_factory=list)
    notes: list[ScanNote] = field(default_factory=list)

    def extend(self, other: ExternalResult) -> None:
        self.findings.extend(other.findings)
        self.suppressed.update(other.suppressed)
        self.errors.extend(other.errors)
        self.notes.extend(other.notes)


class Identities:
    """Fingerprints for the drafts of one report, added one at a time.

    Each draft's fingerprint is taken at once; when a second draft has the same identity
    (scanner, rule, place, normalised content), the group is numbered by line order at the end,
    as `fingerprint_matches` does, so a large report never holds its drafts all at once.
    """

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self._first: dict[str, int] = {}
        self._groups: dict[str, tuple[tuple[str, str, str, str], list[int]]] = {}
        self._suppressed: dict[int, str] = {}

    def add(self, d: Draft) -> None:
        fp = fingerprint(d.scanner, d.rule, d.identity_path, d.identity)
        index = len(self.findings)
        self.findings.append(Finding(
            scanner=d.scanner, rule=d.rule, severity=d.severity, title=d.title,
            message=d.message, path=d.path, line=d.line, end_line=d.end_line,
            fingerprint=fp, new=d.new, fix=d.fix, cwe=d.cwe, references=d.references,
            aliases=d.aliases, column=d.column,
        ))
        first = self._first.setdefault(fp, index)
        if first != index:
            args = (d.scanner, d.rule, d.identity_path, d.identity)
            self._groups.setdefault(fp, (args, [first]))[1].append(index)
        if d.suppressed is not None:
            self._suppressed[index] = d.suppressed

    def done(self) -> tuple[list[Finding], dict[str, str]]:
        """The findings, and the fingerprints the tool suppressed with its justification."""
        for args, members in self._groups.values():
            ordered = sorted(members, key=lambda i: (self.findings[i].line, i))
            for occurrence, i in enumerate(ordered):
                if occurrence:
                    fp = fingerprint(*args, occurrence=occurrence)
                    self.findings[i] = replace(self.findings[i], fingerprint=fp)
        suppressed = {self.findings[i].fingerprint: why for i, why in self._suppressed.items()}
        return self.findings, suppressed


def finish(drafts: Sequence[Draft]) -> tuple[list[Finding], dict[str, str]]:
    """Fingerprint the drafts of one report; return findings and suppressed fingerprints."""
    identities = Identities()
    for d in drafts:
        identities.add(d)
    return identities.done()


def file_lines(root: Path) -> LineSource:
    """A LineSource over a checkout (the local CLI); paths that leave it read as None."""
    base = root.resolve()
    cache: dict[str, list[str] | None] = {}

    def read(path: str, start: int, end: int) -> str | None:
        if path not in cache:
            target = (base / path).resolve()
            try:
                target.relative_to(base)
                cache[path] = target.read_text(encoding="utf-8").splitlines()
            except (ValueError, OSError, UnicodeDecodeError):
                cache[path] = None
        lines = cache[path]
        if lines is None or not 1 <= start <= len(lines):
            return None
        return "\n".join(lines[start - 1:max(start, min(end, len(lines)))])

    return read


def format_hint(doc: Any) -> str:
    """What a JSON report that is not the expected format looks like, and how to get the
    right one (tools' own JSON formats are not read: their SARIF or GitLab output is)."""
    if isinstance(doc, dict):
        if "runs" in doc:
            return "; it is a SARIF log: pass it with --sarif"
        if "vulnerabilities" in doc:
            return "; it is a GitLab security report: pass it with --gitlab-report"
        if ("SchemaVersion" in doc and "Results" in doc) or "ArtifactName" in doc:
            return "; it is Trivy's own JSON: run trivy with --format sarif"
        if "site" in doc or "@programName" in doc:
            return "; it is a ZAP JSON report: use ZAP's sarif-json report template"
    if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "RuleID" in doc[0]:
        return "; it is gitleaks' JSON report: run gitleaks with --report-format sarif"
    return ""


def as_dict(value: Any) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else (reports are untrusted input)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def cut(text: str, limit: int = 500) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
