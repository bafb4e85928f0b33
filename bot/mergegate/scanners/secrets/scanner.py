"""The secrets scanner: every file of the change (oversized ones streamed), findings on added
lines, the protected base's `.secrets.baseline` honoured.

One file's failure never touches another's results: a parser crash means plain lines and a
note; anything else is a `ScannerError` naming that file and the exception type only.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from mergegate.config import Settings
from mergegate.core.findings import Finding, ScannerError, ScanNote, ScanResult, fingerprint
from mergegate.core.policy import Policy
from mergegate.workspace import Workspace, WorkspaceFile

from .detection import FileScan, _detect_secrets, detect_in_file, detect_in_lines, stream_file
from .hits import SecretHit, hit_severity, most_specific

log = logging.getLogger(__name__)

# Below this many files a process pool costs more than it saves.
PARALLEL_MIN_FILES = 200

ALLOWLIST_PRAGMA = "pragma: allowlist"
# (absolute path, name in the repository, streamed)
Job = tuple[str, str, bool]


def load_baseline(text: str, source: str) -> set[tuple[str, str, str]]:
    """(filename, secret hash, type) triples a `.secrets.baseline` accepts; raise ValueError."""
    baseline = _detect_secrets().core.baseline
    try:
        data: Any = json.loads(text)
        collection = baseline.load(data, source)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"{source}: not a detect-secrets baseline ({type(exc).__name__})"
        ) from None
    return {(filename, s.secret_hash, s.type) for filename, s in collection}


def scan_job(job: Job) -> FileScan:
    """One file, whatever happens to it."""
    path, name, streamed = job
    try:
        return stream_file(path, name) if streamed else detect_in_file(path, name)
    except Exception as exc:  # one file's failure never affects the others
        log.warning("secrets: %s could not be scanned (%s)", name, type(exc).__name__)
        return FileScan(error=type(exc).__name__)


def scan_chunk(jobs: list[Job]) -> list[FileScan]:
    return [scan_job(job) for job in jobs]


def scan_files(jobs: list[Job]) -> list[FileScan]:
    """detect-secrets over many files: in-process when few, on every core when many."""
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) < PARALLEL_MIN_FILES or workers < 2:
        return scan_chunk(jobs)
    size = max(20, len(jobs) // (workers * 4))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    # spawn, not fork: the engine runs scanners in threads, and forking a threaded process
    # can copy a held lock into the child.
    ctx = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            return [scan for chunk in pool.map(scan_chunk, chunks) for scan in chunk]
    except (BrokenProcessPool, OSError) as exc:
        log.warning("secrets: process pool failed (%s); scanning in-process",
                    type(exc).__name__)
        return scan_chunk(jobs)


class SecretsScanner:
    name = "secrets"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def scan(self, workspace: Workspace, policy: Policy) -> ScanResult:
        result = ScanResult()
        baseline_path = policy.secrets.baseline
        accepted = self._accepted(workspace, baseline_path, result)
        files = [f for f in workspace.files if f.path != baseline_path]
        files += [f for f in workspace.oversized if f.path != baseline_path]
        streamed = {f.path for f in workspace.oversized}
        jobs = [(str(workspace.abspath(f.path)), f.path, f.path in streamed) for f in files]
        for f, scanned in zip(files, scan_files(jobs), strict=True):
            result.notes.extend(ScanNote(note, f.path) for note in scanned.notes)
            if scanned.error:
                result.errors.append(ScannerError(
                    self.name, f"{f.path}: could not be scanned ({scanned.error})", f.path))
            found = list(scanned.hits)
            if workspace.trusted_reader is not None and f.path not in streamed:
                found += self._behind_added_pragmas(workspace, f, found)
            hits = most_specific([
                hit for hit in found
                if f.is_added(hit.line) and (f.path, hit.secret_hash) not in accepted
            ])
            if hits:
                self._report(workspace, f, hits, result)
        return result

    @staticmethod
    def _behind_added_pragmas(workspace: Workspace, f: WorkspaceFile,
                              found: list[SecretHit]) -> list[SecretHit]:
        """Secrets that only a `pragma: allowlist secret` the change itself writes would hide.

        On the bot the change is not trusted to allowlist its own secrets: what it adds is
        scanned again without the pragma (the baseline of the protected branch, or a dismissal
        by someone allowed to dismiss, still can). A local scan trusts its own pragmas.
        """
        text = workspace.head_text(f.path)
        if text is None or ALLOWLIST_PRAGMA not in text:
            return []
        lines = [(n, line.replace(ALLOWLIST_PRAGMA, "")) for n, line in
                 enumerate(text.splitlines(), start=1)
                 if ALLOWLIST_PRAGMA in line and f.is_added(n)]
        if not lines:
            return []
        known = {(h.line, h.secret_hash) for h in found}
        return [dataclasses.replace(h, pragma_added=True)
                for h in detect_in_lines(f.path, lines) if (h.line, h.secret_hash) not in known]

    def _accepted(self, workspace: Workspace, baseline_path: str | None,
                  result: ScanResult) -> set[tuple[str, str]]:
        """(filename, hash) pairs of the protected revision's baseline: a change can neither
        add its own secret to it nor drop the real one by not touching it."""
        if not baseline_path:
            return set()
        if workspace.trusted_reader is not None and workspace.file(baseline_path) is not None:
            result.notes.append(ScanNote(
                "secrets baseline changed by this change: the base version is applied until "
                "it is merged", baseline_path))
        data = workspace.trusted_bytes(baseline_path)
        if data is None:
            return set()
        try:
            entries = load_baseline(data.decode("utf-8", "replace"), baseline_path)
        except ValueError as exc:
            result.errors.append(ScannerError(self.name, str(exc), baseline_path))
            return set()
        return {(filename, secret_hash) for filename, secret_hash, _ in entries}

    def _report(self, workspace: Workspace, f: WorkspaceFile, hits: list[SecretHit],
                result: ScanResult) -> None:
        before = self._base_secrets(workspace, f.path) if workspace.diff_aware else set()
        for hit in hits:
            finding = self._finding(f.path, hit)
            result.findings.append(finding.with_new(hit.secret_hash not in before))

    @staticmethod
    def _base_secrets(workspace: Workspace, path: str) -> set[str]:
        """Hashes of secrets already present in the base version of a file (moved, not added)."""
        try:
            text = workspace.base_text(path)
        except OSError:
            return set()
        if not text:
            return set()
        lines = list(enumerate(text.splitlines(), start=1))
        return {h.secret_hash for h in detect_in_lines(path, lines)}

    def _finding(self, path: str, hit: SecretHit) -> Finding:
        rule = "secrets." + hit.type.lower().replace(" ", "-").replace("(", "").replace(")", "")
        return Finding(
            scanner=self.name,
            rule=rule,
            severity=hit_severity(hit),
            title=f"{hit.type} committed",
            message=(
                f"{_what(hit.type)} was committed (sha1 {hit.secret_hash[:12]}). Revoke and rotate "
                "it now, remove it from the change and load it from a secret store or environment "
                "variable. If it is not a secret, add `# pragma: allowlist secret` or record it "
                "in .secrets.baseline."
                + (" The `pragma: allowlist secret` this change writes next to it does not "
                   "count: a change cannot allowlist its own secret; someone allowed to "
                   "dismiss can dismiss it." if hit.pragma_added else "")
            ),
            path=path,
            line=hit.line,
            end_line=hit.line,
            fingerprint=fingerprint(self.name, rule, path, hit.secret_hash),
            fix="Rotate the credential and read it from the environment or a secret manager.",
            cwe=("CWE-798",),
            references=("https://cwe.mitre.org/data/definitions/798.html",),
        )


def _what(secret_type: str) -> str:
    if secret_type == "Secret Keyword":  # noqa: S105 (a type name)
        return "A literal value assigned to a password, secret, token or key name"
    article = "An" if secret_type[0].lower() in "aeiou" else "A"
    return f"{article} {secret_type}"


def create(settings: Settings) -> SecretsScanner:
    return SecretsScanner(settings)
