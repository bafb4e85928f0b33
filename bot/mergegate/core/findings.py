"""Findings, severities and fingerprints: the values every scanner produces.

A finding's identity is its fingerprint: SHA-256 over the scanner, the rule, the path and the
normalised content of the matched lines (never the line number), plus an occurrence index when
one file holds the same match twice. `id` is ``mg-`` and the first 8 hex digits.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

SCANNERS: tuple[str, ...] = ("sast", "secrets", "dependencies", "licenses", "deploy")


class Severity(enum.IntEnum):
    """The one severity order of the project: higher is worse."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        """Parse ``critical|high|medium|low|info`` (any case); raise ValueError otherwise."""
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = "|".join(s.label for s in sorted(cls, reverse=True))
            raise ValueError(f"unknown severity {value!r} (expected {names})") from None

    @classmethod
    def from_semgrep(cls, value: str) -> Severity:
        mapping = {
            "ERROR": cls.HIGH,
            "WARNING": cls.MEDIUM,
            "INFO": cls.LOW,
            "CRITICAL": cls.CRITICAL,
            "HIGH": cls.HIGH,
            "MEDIUM": cls.MEDIUM,
            "LOW": cls.LOW,
            "INVENTORY": cls.INFO,
            "EXPERIMENT": cls.INFO,
        }
        return mapping.get(value.upper(), cls.MEDIUM)


@dataclass(frozen=True, slots=True)
class Package:
    ecosystem: str
    name: str
    version: str

    def as_dict(self) -> dict[str, str]:
        return {"ecosystem": self.ecosystem, "name": self.name, "version": self.version}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by one scanner at one place.

    ``new`` is False for a finding that already existed at the base of the change.
    ``aliases`` are other identifiers of the same problem (advisory aliases such as CVE ids)
    that policy ignores may name.
    """

    scanner: str
    rule: str
    severity: Severity
    title: str
    message: str
    path: str
    line: int
    end_line: int
    fingerprint: str
    new: bool = True
    fix: str | None = None
    cwe: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    package: Package | None = None
    aliases: tuple[str, ...] = ()
    column: int = 1

    @property
    def id(self) -> str:
        return short_id(self.fingerprint)

    def with_new(self, new: bool) -> Finding:
        return replace(self, new=new)


@dataclass(frozen=True, slots=True)
class ScannerError:
    """A scanner that could not finish. Never a silent pass: the policy decides what it means."""

    scanner: str
    message: str
    path: str | None = None


@dataclass(frozen=True, slots=True)
class ScanNote:
    """Something a user should know that is not a finding (a skipped file, say).

    ``unscanned`` marks content that could not be (fully) scanned: it blocks the change unless
    the policy says `on_unscanned: warn`, since padding a file or naming it oddly must not be a
    way past the gate.
    """

    message: str
    path: str | None = None
    unscanned: bool = False


@dataclass(slots=True)
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScannerError] = field(default_factory=list)
    notes: list[ScanNote] = field(default_factory=list)

    def extend(self, other: ScanResult) -> None:
        self.findings.extend(other.findings)
        self.errors.extend(other.errors)
        self.notes.extend(other.notes)


# Paths of places that are not files of the repository (external scanners' container images,
# DAST URLs, packages without a manifest); such findings have line 0.
NON_FILE_PREFIXES: tuple[str, ...] = ("image:", "package:", "http://", "https://", "(no location)")


def is_file_place(path: str) -> bool:
    """Whether a finding's path names a file of the repository (not an image or a URL)."""
    return not path.startswith(NON_FILE_PREFIXES)


def place(f: Finding) -> str:
    """``path:line`` as every renderer shows it; just the path when there is no line."""
    return f"{f.path}:{f.line}" if f.line > 0 else f.path


def short_id(fingerprint: str) -> str:
    return "mg-" + fingerprint[:8]


_WHITESPACE = re.compile(r"\s+")


def normalize_content(content: str) -> str:
    """Fold every run of whitespace to one space and strip the ends, line by line joined."""
    return _WHITESPACE.sub(" ", content).strip()


def fingerprint(scanner: str, rule: str, path: str, content: str, occurrence: int = 0) -> str:
    """SHA-256 over scanner, rule, path and normalised content (+ occurrence index when > 0)."""
    parts = [scanner, rule, path, normalize_content(content)]
    if occurrence:
        parts.append(str(occurrence))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def dependency_fingerprint(ecosystem: str, package: str, advisory: str, manifest: str) -> str:
    return fingerprint("dependencies", advisory, manifest, f"{ecosystem}\x1e{package}")


@dataclass(frozen=True, slots=True)
class Match:
    """A raw match before it has an identity: what a scanner saw, where."""

    scanner: str
    rule: str
    path: str
    line: int
    content: str


def fingerprint_matches(matches: Sequence[Match]) -> list[str]:
    """Fingerprints for matches, in order, with occurrence indices for identical matches.

    Identical (scanner, rule, path, normalised content) matches are numbered by line order,
    so the second identical match in a file keeps its identity when lines above it move.
    """
    order = sorted(range(len(matches)), key=lambda i: (matches[i].path, matches[i].line))
    seen: Counter[tuple[str, str, str, str]] = Counter()
    result = [""] * len(matches)
    for i in order:
        m = matches[i]
        key = (m.scanner, m.rule, m.path, normalize_content(m.content))
        result[i] = fingerprint(m.scanner, m.rule, m.path, m.content, seen[key])
        seen[key] += 1
    return result


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Worst first, then by place: the order every renderer shows."""
    return sorted(findings, key=lambda f: (-f.severity, f.path, f.line, f.rule, f.fingerprint))
