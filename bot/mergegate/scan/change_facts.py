"""Adapter: the facts of a change that release risk needs, read from a Workspace.

Changed paths (deleted ones included), lines added and removed, and the remote hosts the added
lines start to talk to. A full scan (not diff-aware) has no change: only findings count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from mergegate.core.findings import Finding
from mergegate.core.risk import Risk, assess_risk
from mergegate.scanners.deploy.regressions import new_hosts
from mergegate.workspace import Workspace, WorkspaceFile


def _lines(text: str | None) -> list[str]:
    return text.splitlines() if text else []


def _file_facts(workspace: Workspace, f: WorkspaceFile) -> tuple[int, int, set[str]]:
    head = _lines(workspace.head_text(f.path))
    base_text = workspace.base_text(f.path)
    base = _lines(base_text)
    added_numbers = (
        range(1, len(head) + 1) if f.added_lines is None else sorted(f.added_lines)
    )
    added = [(n, head[n - 1]) for n in added_numbers if 0 < n <= len(head)]
    # Removed lines: base lines the head no longer has, counted as a multiset.
    removed = sum((Counter(base) - Counter(head)).values())
    return len(added), removed, new_hosts(f.path, added, base_text)


def assess_workspace_risk(workspace: Workspace, findings: Iterable[Finding]) -> Risk:
    """Release risk of the change a workspace holds, with the findings scanned from it."""
    if not workspace.diff_aware:
        return assess_risk(findings)
    added = removed = 0
    hosts: set[str] = set()
    for f in workspace.files:
        a, r, h = _file_facts(workspace, f)
        added += a
        removed += r
        hosts |= h
    for path in workspace.deleted:
        removed += len(_lines(workspace.base_text(path)))
    return assess_risk(
        findings,
        changed_paths=[*workspace.paths, *workspace.deleted],
        lines_added=added,
        lines_removed=removed,
        new_hosts=hosts,
    )
