"""Runs the enabled scanners over a workspace, concurrently, and gathers their results."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from mergegate.config import Settings
from mergegate.core.findings import ScannerError, ScanResult
from mergegate.core.globs import matches_any
from mergegate.core.policy import Policy
from mergegate.scanners.base import ResponseCache, Scanner
from mergegate.workspace import Workspace

log = logging.getLogger(__name__)

SEQUENTIAL_FULL_SCAN_FILES = 200


def _sast(settings: Settings) -> Scanner:
    from mergegate.scanners.sast import create

    return create(settings)


def _secrets(settings: Settings) -> Scanner:
    from mergegate.scanners.secrets import create

    return create(settings)


def _response_cache(settings: Settings) -> ResponseCache | None:
    # SQLAlchemy and the store are imported only when a scanner asks for its cache (it has a
    # package to look up): a scan without lockfiles never pays for them.
    from mergegate.store.cache import optional_cache

    return optional_cache(settings.database_url)


def _dependencies(settings: Settings) -> Scanner:
    from mergegate.scanners.dependencies import create

    return create(settings, lambda: _response_cache(settings))


def _licenses(settings: Settings) -> Scanner:
    from mergegate.scanners.licenses import create

    return create(settings, lambda: _response_cache(settings))


def _deploy(settings: Settings) -> Scanner:
    from mergegate.scanners.deploy import create

    return create(settings)


# Each scanner's module is imported on its first scan (see LazyScanner), by these functions.
SCANNERS: dict[str, Callable[[Settings], Scanner]] = {
    "sast": _sast,
    "secrets": _secrets,  # pragma: allowlist secret (a scanner name)
    "dependencies": _dependencies,
    "licenses": _licenses,
    "deploy": _deploy,
}


# One import at a time: scanner modules import each other's helpers, and two threads importing
# a cycle concurrently could deadlock on Python's per-module import locks.
_IMPORT_LOCK = threading.Lock()


class LazyScanner:
    """A scanner built on its first scan, in the engine's worker thread.

    Importing detect-secrets, univers and the parsers costs a tenth of a second or more; done
    here, it overlaps with Semgrep running in another thread instead of delaying the start.
    """

    def __init__(self, name: str, build: Callable[[Settings], Scanner], settings: Settings) -> None:
        self.name = name
        self.build = build
        self.settings = settings
        self._scanner: Scanner | None = None
        self._lock = threading.Lock()

    def load(self) -> Scanner:
        with self._lock:
            if self._scanner is None:
                with _IMPORT_LOCK:
                    self._scanner = self.build(self.settings)
            return self._scanner

    def scan(self, workspace: Workspace, policy: Policy) -> ScanResult:
        return self.load().scan(workspace, policy)


def default_scanners(settings: Settings, only: Sequence[str] | None = None) -> list[Scanner]:
    """Every scanner the engine knows (or those named), in report order."""
    names = list(only) if only is not None else list(SCANNERS)
    unknown = [n for n in names if n not in SCANNERS]
    if unknown:
        raise ValueError(f"unknown scanner {unknown[0]!r} (known: {', '.join(SCANNERS)})")
    return [LazyScanner(name, SCANNERS[name], settings) for name in names]


@dataclass
class EngineResult:
    result: ScanResult
    durations: dict[str, float] = field(default_factory=dict)


def without_ignored_paths(workspace: Workspace, policy: Policy) -> Workspace:
    """The workspace less the files that `paths.ignore` excludes."""
    if not policy.paths_ignore:
        return workspace
    ignore = policy.paths_ignore
    return dataclasses.replace(
        workspace,
        files=[f for f in workspace.files if not matches_any(f.path, ignore)],
        oversized=[f for f in workspace.oversized if not matches_any(f.path, ignore)],
        notes=[n for n in workspace.notes if not (n.path and matches_any(n.path, ignore))],
    )


def _load(scanner: Scanner, previous: threading.Event | None, done: threading.Event) -> None:
    """Build a lazy scanner once the one before it in the list is built (`done` is set even
    when building fails: the scan reports that scanner's error and the next one goes on).

    The pool starts tasks in list order, so the previous one has always started: no waiting
    for a task that cannot run. A scanner without `load` builds nothing and waits for nothing.
    """
    try:
        load = getattr(scanner, "load", None)
        if load is not None:
            if previous is not None:
                previous.wait()
            load()
    finally:
        done.set()


def run_scanners(
    workspace: Workspace,
    policy: Policy,
    scanners: Sequence[Scanner],
    *,
    max_workers: int | None = None,
) -> EngineResult:
    """Run each enabled scanner in its own thread; a crash becomes that scanner's error."""
    scoped = without_ignored_paths(workspace, policy)
    enabled = [s for s in scanners if policy.scanner_enabled(s.name)]
    outcome = EngineResult(ScanResult(notes=list(scoped.notes)))

    # Lazy scanners import their modules one after the other in report order (see `_load`):
    # Semgrep's runner, first, starts its process before detect-secrets and the parsers load.
    loaded = [threading.Event() for _ in enabled]

    def run_one(index: int, scanner: Scanner) -> tuple[str, ScanResult, float]:
        started = time.perf_counter()
        try:
            _load(scanner, loaded[index - 1] if index else None, loaded[index])
            res = scanner.scan(scoped, policy)
        except Exception as exc:  # a scanner bug must not pass the gate silently
            log.exception("scanner %s crashed", scanner.name)
            # The report names the exception's type only: its message may quote scanned content
            # (a secret, say); the traceback goes to the (redacted) service log.
            message = f"scanner crashed ({type(exc).__name__}); see the MergeGate log"
            res = ScanResult(errors=[ScannerError(scanner.name, message)])
        return scanner.name, res, time.perf_counter() - started

    if not enabled:
        return outcome
    if max_workers is None:
        # A big full scan: Semgrep and the detect-secrets pool each use every core, so running
        # them at once only makes them fight over the cores; one after the other is faster.
        big = not scoped.diff_aware and len(scoped.files) >= SEQUENTIAL_FULL_SCAN_FILES
        max_workers = 1 if big else len(enabled)
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        for name, res, seconds in pool.map(run_one, range(len(enabled)), enabled):
            outcome.result.extend(res)
            outcome.durations[name] = seconds
    return outcome
