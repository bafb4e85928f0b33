"""The engine runs scanners together, except big full scans where they would fight for cores."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from mergegate.core.findings import ScanResult
from mergegate.core.policy import DEFAULT_POLICY, Policy
from mergegate.scan.engine import SEQUENTIAL_FULL_SCAN_FILES, run_scanners
from mergegate.workspace import Workspace, WorkspaceFile


class Recorder:
    """A scanner that notes how many scanners run at the same moment."""

    running = 0
    peak = 0
    lock = threading.Lock()

    def __init__(self, name: str) -> None:
        self.name = name

    def scan(self, workspace: Workspace, policy: Policy) -> ScanResult:
        with Recorder.lock:
            Recorder.running += 1
            Recorder.peak = max(Recorder.peak, Recorder.running)
        time.sleep(0.05)
        with Recorder.lock:
            Recorder.running -= 1
        return ScanResult()


def peak_concurrency(diff_aware: bool, files: int) -> int:
    Recorder.running = Recorder.peak = 0
    ws = Workspace(Path("."), [WorkspaceFile(f"f{i}.py", "added", None) for i in range(files)],
                   diff_aware=diff_aware)
    run_scanners(ws, DEFAULT_POLICY, [Recorder("sast"), Recorder("secrets"), Recorder("deploy")])
    return Recorder.peak


def test_scanners_run_together_on_a_change() -> None:
    assert peak_concurrency(diff_aware=True, files=SEQUENTIAL_FULL_SCAN_FILES + 10) == 3
    assert peak_concurrency(diff_aware=False, files=10) == 3


def test_a_big_full_scan_runs_scanners_one_after_the_other() -> None:
    assert peak_concurrency(diff_aware=False, files=SEQUENTIAL_FULL_SCAN_FILES) == 1


class Crasher:
    name = "secrets"

    def scan(self, workspace: Workspace, policy: Policy) -> ScanResult:
        raise ValueError("cannot parse line: AWS = 'AKIAZ7QRSTUVWXYZ2345'")  # pragma: allowlist secret


def test_a_crashing_scanner_is_an_error_that_quotes_no_content() -> None:
    ws = Workspace(Path("."), [WorkspaceFile("a.py", "added", None)], diff_aware=True)
    result = run_scanners(ws, DEFAULT_POLICY, [Crasher(), Recorder("sast")]).result
    assert [(e.scanner, e.message) for e in result.errors] == [
        ("secrets", "scanner crashed (ValueError); see the MergeGate log")]


class SlowToLoad:
    """A lazy scanner (it has `load`, as the engine's LazyScanner does) whose load takes time
    and is noted; its scan loads it first when nothing did, as LazyScanner.scan does."""

    events: list[tuple[str, str]] = []
    lock = threading.Lock()

    def __init__(self, name: str, seconds: float, fails: bool = False) -> None:
        self.name = name
        self.seconds = seconds
        self.fails = fails
        self.loaded = False

    def load(self) -> None:
        if self.loaded:
            return
        with SlowToLoad.lock:
            SlowToLoad.events.append(("start", self.name))
        time.sleep(self.seconds)
        with SlowToLoad.lock:
            SlowToLoad.events.append(("end", self.name))
        if self.fails:
            raise ImportError("no module named 'parser'")
        self.loaded = True

    def scan(self, workspace: Workspace, policy: Policy) -> ScanResult:
        self.load()
        return ScanResult()


def test_lazy_scanners_load_one_at_a_time_in_report_order() -> None:
    # The first loads slowest: left to their threads, the others would load meanwhile.
    SlowToLoad.events = []
    ws = Workspace(Path("."), [WorkspaceFile("a.py", "added", None)], diff_aware=True)
    scanners = [SlowToLoad("sast", 0.1), SlowToLoad("secrets", 0.01), SlowToLoad("deploy", 0)]
    run_scanners(ws, DEFAULT_POLICY, scanners)
    assert SlowToLoad.events == [(e, n) for n in ("sast", "secrets", "deploy")
                                 for e in ("start", "end")]


def test_a_scanner_that_cannot_load_is_its_error_and_the_next_ones_still_run() -> None:
    SlowToLoad.events = []
    ws = Workspace(Path("."), [WorkspaceFile("a.py", "added", None)], diff_aware=True)
    scanners = [SlowToLoad("sast", 0, fails=True), SlowToLoad("secrets", 0)]
    outcome = run_scanners(ws, DEFAULT_POLICY, scanners)
    assert [(e.scanner, e.message) for e in outcome.result.errors] == [
        ("sast", "scanner crashed (ImportError); see the MergeGate log")]
    assert ("end", "secrets") in SlowToLoad.events and set(outcome.durations) == {"sast", "secrets"}
