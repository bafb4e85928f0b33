"""The packages of a workspace's lockfiles at head and at base, read without running anything."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mergegate.core.findings import ScannerError, ScanNote
from mergegate.scanners.dependencies import lockfiles
from mergegate.scanners.dependencies.model import Dependency, LockfileError, ParsedFile
from mergegate.workspace import Workspace

Key = tuple[str, str, str | None]
MAX_LOCKFILE_BYTES = 64 * 1024 * 1024


@dataclass(slots=True)
class Inventory:
    files: list[ParsedFile] = field(default_factory=list)
    base: set[tuple[str, Key]] = field(default_factory=set)  # (file, package) at base
    errors: list[ScannerError] = field(default_factory=list)
    notes: list[ScanNote] = field(default_factory=list)
    diff_aware: bool = False

    @property
    def dependencies(self) -> list[Dependency]:
        """Every dependency once (a file included by two requirement files counts once)."""
        return list(dict.fromkeys(d for f in self.files for d in f.dependencies))

    def is_new(self, dep: Dependency) -> bool:
        """False only when the same package at the same version was in the base file."""
        if not self.diff_aware:
            return True
        return (dep.path, dep.key) not in self.base


def head_reader(root: Path) -> Callable[[str], str | None]:
    """Read a repository-relative file at head, never outside `root` (symlinks resolved)."""
    real_root = root.resolve()

    def read(path: str) -> str | None:
        target = (root / path).resolve()
        if not target.is_relative_to(real_root) or not target.is_file():
            return None
        if target.stat().st_size > MAX_LOCKFILE_BYTES:
            return None
        try:
            return target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    return read


def include_reader(
    workspace: Workspace, read_head: Callable[[str], str | None]
) -> Callable[[str], str | None]:
    """Files a requirements file includes: from the head folder, else (a workspace fetched
    from a forge holds only the changed files) the base version of a file the change did not
    touch, which is also its head version."""
    changed = {f.path for f in workspace.files} | set(workspace.deleted)

    def read(path: str) -> str | None:
        text = read_head(path)
        if text is None and path not in changed and workspace.diff_aware:
            return workspace.base_text(path)
        return text

    return read


def _oversized_lockfiles(workspace: Workspace) -> list[str]:
    """Lockfiles of the change over the workspace's size limit: large lockfiles are common
    (package-lock.json often exceeds 1 MB) and are data, cheap to parse."""
    return [f.path for f in workspace.oversized if lockfiles.is_lockfile(f.path)]


def dependency_files(workspace: Workspace) -> tuple[list[str], list[str]]:
    """The lockfiles of the workspace, and its manifests that have no lockfile beside them."""
    locks = [wf.path for wf in workspace.files if lockfiles.is_lockfile(wf.path)]
    changed = {f.path for f in workspace.files} | set(workspace.deleted)

    def exists(path: str) -> bool:  # at head: in the checkout, else unchanged since the base
        if (workspace.root / path).is_file():
            return True
        return path not in changed and workspace.diff_aware and workspace.base_text(path) is not None

    manifests = [wf.path for wf in workspace.files
                 if lockfiles.manifest_without_lockfile(wf.path, exists)]
    return locks + _oversized_lockfiles(workspace), manifests


def collect(workspace: Workspace, scanner: str) -> Inventory:
    """Parse every lockfile of the workspace, and the manifests without one; a malformed
    file is an error naming its line."""
    inv = Inventory(diff_aware=workspace.diff_aware)
    read_head = head_reader(workspace.root)
    locks, manifests = dependency_files(workspace)
    for path in locks + manifests:
        text = read_head(path)
        if text is None:
            inv.errors.append(ScannerError(scanner, f"{path}: unreadable or not UTF-8", path))
            continue
        try:
            parsed = lockfiles.parse(path, text, include_reader(workspace, read_head))
        except LockfileError as exc:
            inv.errors.append(ScannerError(scanner, str(exc), exc.path))
            continue
        inv.files.append(parsed)
        inv.notes.extend(ScanNote(n, path) for n in parsed.notes)
        if workspace.diff_aware:
            inv.base |= _base_keys(workspace, path, inv)
    return inv


def _base_keys(workspace: Workspace, path: str, inv: Inventory) -> set[tuple[str, Key]]:
    text = workspace.base_text(path)
    if text is None:
        return set()
    try:
        parsed = lockfiles.parse(path, text, workspace.base_text)
    except LockfileError as exc:
        inv.notes.append(ScanNote(f"base version unreadable, all its packages count as new: {exc}", path))
        return set()
    return {(d.path, d.key) for d in parsed.dependencies}
