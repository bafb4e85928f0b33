"""Runs the enabled scanners over a workspace, concurrently, and gathers their results."""

from __future__ import annotations

import dataclasses
import importlib
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bot.config import Settings
from bot.core.findings import ScannerError, ScanResult
from bot.core.globs import matches_any
from bot.core.policy import Policy
from bot.scanners.base import Scanner
from bot.workspace import Workspace

log = logging.getLogger(__name__)

ScannerFactory = Callable[[Settings], Scanner]


SCANNER_MODULES: dict[str, str] = {
    "sast": "bot.scanners.sast",
    "secrets": "bot.scanners.secrets",  # pragma: allowlist secret (a module name)
    "dependencies": "bot.scanners.dependencies",
    "licenses": "bot.scanners.licenses",
    "deploy": "bot.scanners.deploy",
}


def scanner_factories() -> dict[str, ScannerFactory]:
    """Every scanner the engine knows, by name, in report order."""
    factories: dict[str, ScannerFactory] = {}
    for name, module_name in SCANNER_MODULES.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            log.warning("scanner %s is not installed", name)
            continue
        if hasattr(module, "create"):
            factories[name] = module.create
    return factories


def default_scanners(settings: Settings, only: Sequence[str] | None = None) -> list[Scanner]:
    factories = scanner_factories()
    names = [n for n in (only if only is not None else factories) if n in factories]
    return [factories[name](settings) for name in names]


@dataclass
class EngineResult:
    result: ScanResult
    durations: dict[str, float] = field(default_factory=dict)


def without_ignored_paths(workspace: Workspace, policy: Policy) -> Workspace:
    """The workspace less the files that `paths.ignore` excludes."""
    if not policy.paths_ignore:
        return workspace
    kept = [f for f in workspace.files if not matches_any(f.path, policy.paths_ignore)]
    return dataclasses.replace(workspace, files=kept)


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
    outcome = EngineResult(ScanResult(notes=list(workspace.notes)))

    def run_one(scanner: Scanner) -> tuple[str, ScanResult, float]:
        started = time.perf_counter()
        try:
            res = scanner.scan(scoped, policy)
        except Exception as exc:  # a scanner bug must not pass the gate silently
            log.exception("scanner %s crashed", scanner.name)
            res = ScanResult(errors=[ScannerError(scanner.name, f"scanner crashed: {exc!r}")])
        return scanner.name, res, time.perf_counter() - started

    if not enabled:
        return outcome
    with ThreadPoolExecutor(max_workers=max_workers or len(enabled)) as pool:
        for name, res, seconds in pool.map(run_one, enabled):
            outcome.result.extend(res)
            outcome.durations[name] = seconds
    return outcome
