""".NET: NuGet packages.lock.json (per target framework)."""

from __future__ import annotations

from mergegate.scanners.dependencies.documents import json_document
from mergegate.scanners.dependencies.model import (
    NUGET,
    Dependency,
    LineIndex,
    LockfileError,
    ParsedFile,
    mapping,
)


def parse_packages_lock(path: str, text: str) -> ParsedFile:
    data = json_document(path, text)
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), dict):
        raise LockfileError(path, 1, "not a packages.lock.json (no 'dependencies')")
    lines = LineIndex(text)
    if data.get("version") not in (1, 2):
        line = lines.find('"version"')
        raise LockfileError(path, line, f"unknown packages.lock.json version {data.get('version')!r}")
    result = ParsedFile(path)
    seen: set[tuple[str, str]] = set()
    for framework in data["dependencies"].values():
        for name, entry in mapping(framework).items():
            if not isinstance(entry, dict) or entry.get("type") == "Project":
                continue
            version = entry.get("resolved")
            if not isinstance(version, str) or (name, version) in seen:
                continue
            seen.add((name, version))
            line = lines.find(f'"{name}": {{', f'"resolved": "{version}"', 300)
            result.dependencies.append(
                Dependency(NUGET, name, version, path, line, entry.get("type") == "Direct")
            )
    return result
