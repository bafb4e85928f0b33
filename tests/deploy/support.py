"""Helpers for the deploy tests: write files, build a real Workspace, run the real scanner."""

from __future__ import annotations

from pathlib import Path

from mergegate.config import Settings
from mergegate.core.findings import ScanResult
from mergegate.core.policy import DeployPolicy, Policy
from mergegate.scanners.deploy import create
from mergegate.workspace import BaseReader, CandidateFile, build_workspace


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def scan_dir(root: Path, deploy: DeployPolicy | None = None, **settings: int) -> ScanResult:
    """Full scan of every file under `root` with the given deploy policy."""
    candidates = [
        CandidateFile(p.relative_to(root).as_posix(), status="added")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    ]
    ws = build_workspace(root, candidates, diff_aware=False, max_file_bytes=64 * 1024 * 1024)
    policy = Policy(deploy=deploy or DeployPolicy())
    return create(Settings(**settings)).scan(ws, policy)  # type: ignore[arg-type]


def scan_files(
    root: Path, files: dict[str, str], deploy: DeployPolicy | None = None
) -> ScanResult:
    write(root, files)
    return scan_dir(root, deploy)


def scan_change(
    root: Path,
    head: dict[str, str],
    base: dict[str, str],
    deploy: DeployPolicy | None = None,
) -> ScanResult:
    """Diff-aware scan: `head` files are the change, `base` the same paths before it.

    Added lines are computed the simple way a unified diff would mark a one-line edit: every
    head line that is not an identical line at the same place in the base.
    """
    write(root, head)
    candidates = []
    for name, text in head.items():
        old = base.get(name)
        if old is None:
            candidates.append(CandidateFile(name, status="added"))
            continue
        old_lines = old.splitlines()
        added = frozenset(
            n
            for n, line in enumerate(text.splitlines(), start=1)
            if n > len(old_lines) or old_lines[n - 1] != line
        )
        candidates.append(CandidateFile(name, status="modified", added_lines=added))

    def reader(path: str) -> bytes | None:
        return base[path].encode() if path in base else None

    base_reader: BaseReader = reader
    ws = build_workspace(root, candidates, diff_aware=True, base_reader=base_reader)
    return create(Settings()).scan(ws, Policy(deploy=deploy or DeployPolicy()))


def triples(result: ScanResult) -> set[tuple[str, str, int]]:
    return {(f.rule, f.path, f.line) for f in result.findings}
