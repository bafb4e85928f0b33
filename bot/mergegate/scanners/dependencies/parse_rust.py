"""Rust: Cargo.lock packages from a registry (workspace members have no `source`)."""

from __future__ import annotations

from mergegate.scanners.dependencies.documents import toml_document
from mergegate.scanners.dependencies.model import (
    CARGO,
    Dependency,
    LineIndex,
    LockfileError,
    ParsedFile,
    sequence,
)


def parse_cargo_lock(path: str, text: str) -> ParsedFile:
    data = toml_document(path, text)
    version = data.get("version", 3)
    if version not in (1, 2, 3, 4):
        raise LockfileError(path, 1, f"unknown Cargo.lock version {version!r}")
    packages = data.get("package", [])
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise LockfileError(path, 1, "'package' is not an array of tables")
    lines = LineIndex(text)
    result = ParsedFile(path)
    # what the workspace members (packages without a source) depend on is direct
    direct = {
        str(dep).split(" ", 1)[0]
        for pkg in packages
        if pkg.get("source") is None
        for dep in sequence(pkg.get("dependencies"))
    }
    for pkg in packages:
        name, ver, source = pkg.get("name"), pkg.get("version"), pkg.get("source")
        if not isinstance(name, str) or not isinstance(ver, str):
            raise LockfileError(path, 1, "a [[package]] without name or version")
        line = lines.find(f'name = "{name}"', f'version = "{ver}"', 80)
        if source is None:
            continue  # a workspace member: the project itself
        if not str(source).startswith("registry+"):
            result.notes.append(f"{path}:{line}: unpinned: {name} from {source}")
            result.dependencies.append(Dependency(CARGO, name, None, path, line, name in direct, str(source)))
            continue
        result.dependencies.append(Dependency(CARGO, name, ver, path, line, name in direct))
    return result
