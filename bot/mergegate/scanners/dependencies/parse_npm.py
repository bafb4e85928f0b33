"""npm: package-lock.json (v1, v2, v3), yarn.lock (v1 and berry) and pnpm-lock.yaml."""

from __future__ import annotations

import re
from typing import Any

from mergegate.scanners.dependencies.documents import json_document, yaml_document
from mergegate.scanners.dependencies.model import (
    NPM,
    Dependency,
    LineIndex,
    LockfileError,
    ParsedFile,
    mapping,
)


def _license(entry: dict[str, Any]) -> str | None:
    value = entry.get("license")
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        return str(value["type"])
    return None


def parse_package_lock(path: str, text: str) -> ParsedFile:
    data = json_document(path, text)
    if not isinstance(data, dict):
        raise LockfileError(path, 1, "not a package-lock.json (top level is not an object)")
    lines = LineIndex(text)
    version = data.get("lockfileVersion")
    if version not in (1, 2, 3):
        line = lines.find('"lockfileVersion"')
        raise LockfileError(path, line, f"unknown lockfileVersion {version!r} (expected 1, 2 or 3)")
    result = ParsedFile(path)
    if version == 1:
        _walk_v1(data.get("dependencies") or {}, path, lines, result)
        return result
    packages = data.get("packages")
    if not isinstance(packages, dict):
        raise LockfileError(path, lines.find('"packages"'), "'packages' is not an object")
    root = mapping(packages.get(""))
    direct: set[str] = set()
    for key in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
        direct.update(mapping(root.get(key)).keys())
    for key, entry in packages.items():
        if "node_modules/" not in key or not isinstance(entry, dict) or entry.get("link"):
            continue
        installed = key.rsplit("node_modules/", 1)[1]
        name = entry.get("name") if isinstance(entry.get("name"), str) else installed
        line = lines.find(f'"{key}": {{')
        is_direct = key == f"node_modules/{installed}" and installed in direct
        ver = entry.get("version")
        if not isinstance(ver, str) or not re.match(r"^\d", ver):
            result.notes.append(f"{path}:{line}: unpinned: {name} {ver or 'no version'}")
            result.dependencies.append(
                Dependency(NPM, str(name), None, path, line, is_direct, str(ver), _license(entry))
            )
            continue
        result.dependencies.append(
            Dependency(NPM, str(name), ver, path, line, is_direct, None, _license(entry))
        )
    return result


def _walk_v1(deps: object, path: str, lines: LineIndex, result: ParsedFile) -> None:
    for name, entry in mapping(deps).items():
        if not isinstance(entry, dict):
            continue
        ver = entry.get("version")
        line = lines.find(f'"{name}": {{', f'"version": "{ver}"', 200)
        if isinstance(ver, str) and re.match(r"^\d", ver):
            result.dependencies.append(Dependency(NPM, name, ver, path, line))
        else:
            result.notes.append(f"{path}:{line}: unpinned: {name} {ver}")
            result.dependencies.append(Dependency(NPM, name, None, path, line, None, str(ver)))
        nested = entry.get("dependencies")
        if isinstance(nested, dict):
            _walk_v1(nested, path, lines, result)


def _split_spec(spec: str) -> tuple[str, str]:
    """`@scope/name@^1.0` -> (`@scope/name`, `^1.0`)."""
    spec = spec.strip().strip('"')
    at = spec.find("@", 1)
    return (spec, "") if at < 0 else (spec[:at], spec[at + 1 :])


def parse_yarn_lock(path: str, text: str) -> ParsedFile:
    if "__metadata:" in text:
        return _parse_yarn_berry(path, text)
    result = ParsedFile(path)
    header: tuple[str, int] | None = None
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            if not line.rstrip().endswith(":"):
                raise LockfileError(path, n, f"unexpected line in yarn.lock: {line.strip()[:60]}")
            header = (_split_spec(line.rstrip()[:-1].split(",")[0])[0], n)
            continue
        m = re.match(r'^  version "?([^"\s]+)"?\s*$', line)
        if m and header is not None:
            name, start = header
            result.dependencies.append(Dependency(NPM, name, m.group(1), path, start))
            header = None
    return result


def _parse_yarn_berry(path: str, text: str) -> ParsedFile:
    data = yaml_document(path, text)
    if not isinstance(data, dict):
        raise LockfileError(path, 1, "not a yarn.lock")
    lines = LineIndex(text)
    result = ParsedFile(path)
    for key, entry in data.items():
        if key == "__metadata" or not isinstance(entry, dict):
            continue
        resolution = str(entry.get("resolution", ""))
        name, rest = _split_spec(resolution)
        if not rest.startswith("npm:"):
            continue  # workspace:, patch:, link:, portal: are not registry packages
        line = lines.find(f"{key}")
        result.dependencies.append(Dependency(NPM, name, rest[4:], path, line))
    return result


def parse_pnpm_lock(path: str, text: str) -> ParsedFile:
    data = yaml_document(path, text)
    if not isinstance(data, dict):
        raise LockfileError(path, 1, "not a pnpm-lock.yaml")
    lines = LineIndex(text)
    raw_version = str(data.get("lockfileVersion", ""))
    try:
        major = int(float(raw_version))
    except ValueError:
        major = -1
    if major not in (5, 6, 7, 8, 9):
        line = lines.find("lockfileVersion")
        raise LockfileError(path, line, f"unknown pnpm lockfileVersion {raw_version!r}")
    direct: set[str] = set()
    importers = mapping(data.get("importers")) or {".": data}
    for importer in importers.values():
        for key in ("dependencies", "devDependencies", "optionalDependencies"):
            direct.update(mapping(mapping(importer).get(key)).keys())
    result = ParsedFile(path)
    for key in mapping(data.get("packages")):
        spec = re.sub(r"\(.*$", "", str(key)).lstrip("/")
        if major == 5:
            name, _, version = spec.rpartition("/")
            version = version.split("_", 1)[0]
        else:
            name, version = _split_spec(spec)
        if not name or not re.match(r"^\d", version):
            continue
        line = lines.find(str(key), start=max(0, text.find("\npackages:")))
        result.dependencies.append(Dependency(NPM, name, version, path, line, name in direct))
    return result
