"""Secret detection with detect-secrets, in-process, on added lines.

Every default plugin and filter of detect-secrets runs (including `pragma: allowlist secret`). A
finding carries the secret's type, place and the SHA-1 hash detect-secrets uses; the value itself
never leaves this module except as `SecretHit.value`, which exists only so callers can redact it.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from mergegate.config import Settings
from mergegate.core.findings import Finding, ScannerError, ScanResult, Severity, fingerprint
from mergegate.core.policy import Policy
from mergegate.workspace import Workspace

log = logging.getLogger(__name__)

# detect-secrets keeps its settings in module globals: one scan at a time per process.
_SETTINGS_LOCK = threading.RLock()

_CRITICAL_TYPES = frozenset(
    {
        "AWS Access Key",
        "Private Key",
        "GitHub Token",
        "GitLab Token",
        "Stripe Access Key",
        "Slack Token",
        "Azure Storage Account access key",
        "OpenAI Token",
    }
)
_LOW_TYPES = frozenset({"Base64 High Entropy String", "Hex High Entropy String"})


@dataclass(frozen=True, slots=True)
class SecretHit:
    type: str
    line: int
    secret_hash: str
    value: str = field(repr=False, compare=False)


def severity_of(secret_type: str) -> Severity:
    if secret_type in _CRITICAL_TYPES:
        return Severity.CRITICAL
    if secret_type in _LOW_TYPES:
        return Severity.MEDIUM
    return Severity.HIGH


def _detect_secrets() -> Any:
    """detect-secrets, imported on first use (it is slow to import) and by one thread at a time."""
    with _SETTINGS_LOCK:
        import detect_secrets.core.baseline
        import detect_secrets.core.scan
        import detect_secrets.settings

        return detect_secrets


@contextmanager
def detector_settings() -> Iterator[None]:
    """All plugins and default filters, restored afterwards; serialised across threads."""
    ds = _detect_secrets()
    with _SETTINGS_LOCK, ds.settings.default_settings():
        yield


def _hits(found: Iterator[Any]) -> list[SecretHit]:
    """detect-secrets' PotentialSecrets as SecretHits."""
    return [
        SecretHit(s.type, s.line_number, s.secret_hash, s.secret_value or "")
        for s in found
    ]


def detect_in_lines(filename: str, lines: Sequence[tuple[int, str]]) -> list[SecretHit]:
    """Scan numbered lines as if they were the given file (its name steers some filters)."""
    with detector_settings():
        scan = _detect_secrets().core.scan
        return _hits(scan._process_line_based_plugins(list(lines), filename=filename))


def detect_in_file(path: str) -> list[SecretHit]:
    """Scan a whole file on disk with detect-secrets' file-level filters and transformers."""
    with detector_settings():
        return _hits(_detect_secrets().core.scan.scan_file(path))


def load_baseline(text: str, source: str) -> set[tuple[str, str, str]]:
    """(filename, secret hash, type) triples a `.secrets.baseline` accepts; raise ValueError."""
    baseline = _detect_secrets().core.baseline
    try:
        data: Any = json.loads(text)
        collection = baseline.load(data, source)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{source}: not a detect-secrets baseline ({exc})") from None
    return {(filename, s.secret_hash, s.type) for filename, s in collection}


def most_specific(hits: list[SecretHit]) -> list[SecretHit]:
    """One finding per secret: when a specific detector and an entropy detector flag the same
    line (a GitHub token is also a high-entropy string), keep the specific one."""
    specific_lines = {h.line for h in hits if h.type not in _LOW_TYPES}
    best: dict[tuple[int, str], SecretHit] = {}
    for hit in sorted(hits, key=lambda h: (-severity_of(h.type), h.type)):
        if hit.type in _LOW_TYPES and hit.line in specific_lines:
            continue  # the entropy detector re-finding a value a specific detector named
        best.setdefault((hit.line, hit.secret_hash), hit)
    return sorted(best.values(), key=lambda h: (h.line, h.type))


# Below this many files a process pool costs more than it saves.
PARALLEL_MIN_FILES = 200


def _scan_chunk(paths: list[str]) -> list[list[SecretHit]]:
    return [detect_in_file(p) for p in paths]


def _scan_files(paths: list[str]) -> list[list[SecretHit]]:
    """detect-secrets over many files: in-process when few, on every core when many."""
    workers = min(os.cpu_count() or 1, 8)
    if len(paths) < PARALLEL_MIN_FILES or workers < 2:
        return _scan_chunk(paths)
    size = max(20, len(paths) // (workers * 4))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    # spawn, not fork: the engine runs scanners in threads, and forking a threaded process
    # can copy a held lock into the child.
    ctx = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            return [hits for chunk in pool.map(_scan_chunk, chunks) for hits in chunk]
    except (BrokenProcessPool, OSError) as exc:
        log.warning("secrets: process pool failed (%s); scanning in-process", exc)
        return _scan_chunk(paths)


class SecretsScanner:
    name = "secrets"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def scan(self, workspace: Workspace, policy: Policy) -> ScanResult:
        result = ScanResult()
        accepted: set[tuple[str, str, str]] = set()
        baseline_path = policy.secrets.baseline
        baseline_file = workspace.root / baseline_path
        if baseline_path and baseline_file.is_file() and baseline_file.resolve().is_relative_to(
            workspace.root.resolve()
        ):
            try:
                accepted = load_baseline(baseline_file.read_text(encoding="utf-8"), baseline_path)
            except (ValueError, OSError) as exc:
                result.errors.append(ScannerError(self.name, str(exc), baseline_path))
        files = [f for f in workspace.files if f.path != baseline_path]
        found = _scan_files([str(workspace.abspath(f.path)) for f in files])
        for f, file_hits in zip(files, found, strict=True):
            hits = most_specific([
                hit
                for hit in file_hits
                if f.is_added(hit.line) and (f.path, hit.secret_hash, hit.type) not in accepted
            ])
            if not hits:
                continue
            before = self._base_secrets(workspace, f.path) if workspace.diff_aware else set()
            for hit in hits:
                finding = self._finding(f.path, hit)
                result.findings.append(finding.with_new((hit.type, hit.secret_hash) not in before))
        return result

    @staticmethod
    def _base_secrets(workspace: Workspace, path: str) -> set[tuple[str, str]]:
        """Secrets already present in the base version of a file (moved, not added)."""
        text = workspace.base_text(path)
        if not text:
            return set()
        lines = list(enumerate(text.splitlines(), start=1))
        return {(h.type, h.secret_hash) for h in detect_in_lines(path, lines)}

    def _finding(self, path: str, hit: SecretHit) -> Finding:
        rule = "secrets." + hit.type.lower().replace(" ", "-")
        return Finding(
            scanner=self.name,
            rule=rule,
            severity=severity_of(hit.type),
            title=f"{hit.type} committed",
            message=(
                f"A {hit.type} was committed (sha1 {hit.secret_hash[:12]}). Revoke and rotate it "
                "now, remove it from the change and load it from a secret store or environment "
                "variable. If it is not a secret, add `# pragma: allowlist secret` or record it "
                "in .secrets.baseline."
            ),
            path=path,
            line=hit.line,
            end_line=hit.line,
            fingerprint=fingerprint(self.name, rule, path, hit.secret_hash),
            fix="Rotate the credential and read it from the environment or a secret manager.",
            cwe=("CWE-798",),
            references=("https://cwe.mitre.org/data/definitions/798.html",),
        )


def create(settings: Settings) -> SecretsScanner:
    return SecretsScanner(settings)
