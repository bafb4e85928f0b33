"""Rust: Cargo.lock packages from a registry (workspace members have no `source`)."""

from __future__ import annotations

from bot.scanners.dependencies.documents import toml_document
from bot.scanners.dependencies.model import CARGO, Dependency, LineIndex, LockfileError, ParsedFile


def parse_cargo_lock(path: str, text: str) -> ParsedFile:
    data = toml_document(path, text)
    version = data.get("version", 3)
    if version not in (1, 2, 3, 4):
        raise LockfileError(path, 1, f"unknown Cargo.lock version {version!r}")
    lines = LineIndex(text)
    result = ParsedFile(path)
    for pkg in data.get("package", []):
        name, ver, source = pkg.get("name"), pkg.get("version"), pkg.get("source")
        if not isinstance(name, str) or not isinstance(ver, str):
            raise LockfileError(path, 1, "a [[package]] without name or version")
        line = lines.find(f'name = "{name}"', f'version = "{ver}"', 80)
        if source is None:
            continue  # a workspace member: the project itself
        if not str(source).startswith("registry+"):
            result.notes.append(f"{path}:{line}: unpinned: {name} from {source}")
            result.dependencies.append(Dependency(CARGO, name, None, path, line, None, str(source)))
            continue
        result.dependencies.append(Dependency(CARGO, name, ver, path, line))
    return result
