"""Manifests, read when no lockfile lies beside them: `pyproject.toml` (PEP 621, PEP 735
dependency groups and Poetry), `Pipfile` and `package.json`.

A dependency pinned to one version is checked like a lockfile's; a range (or a URL, a path, a
git source) cannot be, and is reported as unpinned with what was written. Nothing is resolved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mergegate.scanners.dependencies.documents import json_document, toml_document
from mergegate.scanners.dependencies.model import (
    NPM,
    PYPI,
    Dependency,
    LineIndex,
    LockfileError,
    ParsedFile,
    mapping,
)

# the lockfiles that, beside a manifest, say which versions are installed (then they are read)
LOCKFILES_BESIDE: dict[str, tuple[str, ...]] = {
    "pyproject.toml": ("poetry.lock", "uv.lock", "pdm.lock"),
    "Pipfile": ("Pipfile.lock",),
    "package.json": ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"),
}
_NPM_EXACT = re.compile(r"^[=v]?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$")
_POETRY_EXACT = re.compile(r"^(?:==)?\s*(\d[0-9A-Za-z.!+-]*)$")


def _add(result: ParsedFile, ecosystem: str, name: str, version: str | None, line: int,
         written: str) -> None:
    if version is None:
        result.notes.append(f"{result.path}:{line}: unpinned: {name} {written}")
    result.dependencies.append(Dependency(ecosystem, name, version, result.path, line, True,
                                          None if version else written))


def _pep508(result: ParsedFile, lines: LineIndex, requirements: Iterable[object]) -> None:
    # Imported with the first manifest that has requirements (see parse_python).
    from packaging.requirements import InvalidRequirement, Requirement

    for raw in requirements:
        if not isinstance(raw, str):
            continue
        line = lines.find(raw)
        try:
            req = Requirement(raw)
        except InvalidRequirement as exc:
            result.notes.append(f"{result.path}:{line}: not a requirement: {exc}")
            continue
        pins = [s for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
        if req.url:
            _add(result, PYPI, req.name, None, line, f"@ {req.url}")
        elif len(pins) == 1:
            _add(result, PYPI, req.name, pins[0].version, line, str(req.specifier))
        else:
            _add(result, PYPI, req.name, None, line, str(req.specifier) or "any version")


def _poetry_table(result: ParsedFile, lines: LineIndex, deps: object) -> None:
    for name, spec in mapping(deps).items():
        if not isinstance(name, str) or name.lower() == "python":
            continue
        line = lines.find(f"{name} =")
        if isinstance(spec, dict):
            if not isinstance(spec.get("version"), str):
                source = next((k for k in ("git", "path", "url") if k in spec), "no version")
                _add(result, PYPI, name, None, line, f"from {source}")
                continue
            spec = spec["version"]
        if not isinstance(spec, str):
            continue
        exact = _POETRY_EXACT.match(spec.strip())  # Poetry: a bare version is an exact pin
        _add(result, PYPI, name, exact.group(1) if exact else None, line, spec)


def parse_pyproject(path: str, text: str) -> ParsedFile:
    data = toml_document(path, text)
    lines = LineIndex(text)
    result = ParsedFile(path)
    project = mapping(data.get("project"))
    _pep508(result, lines, _strings(project.get("dependencies")))
    for group in mapping(project.get("optional-dependencies")).values():
        _pep508(result, lines, _strings(group))
    for group in mapping(data.get("dependency-groups")).values():
        _pep508(result, lines, _strings(group))  # PEP 735 (an {include-group} is not a string)
    poetry = mapping(mapping(data.get("tool")).get("poetry"))
    _poetry_table(result, lines, poetry.get("dependencies"))
    _poetry_table(result, lines, poetry.get("dev-dependencies"))
    for group in mapping(poetry.get("group")).values():
        _poetry_table(result, lines, mapping(group).get("dependencies"))
    return result


def parse_pipfile(path: str, text: str) -> ParsedFile:
    data = toml_document(path, text)
    lines = LineIndex(text)
    result = ParsedFile(path)
    for section in ("packages", "dev-packages"):
        for name, spec in mapping(data.get(section)).items():
            line = lines.find(f"{name} =")
            if isinstance(spec, dict):
                if not isinstance(spec.get("version"), str):
                    source = next((k for k in ("git", "path", "file") if k in spec), "no version")
                    _add(result, PYPI, str(name), None, line, f"from {source}")
                    continue
                spec = spec["version"]
            if not isinstance(spec, str):
                continue
            spec = spec.strip()
            pin = spec[2:].strip() if spec.startswith("==") and "*" not in spec else None
            _add(result, PYPI, str(name), pin, line, spec if spec != "*" else "any version")
    return result


def parse_package_json(path: str, text: str) -> ParsedFile:
    data = json_document(path, text)
    if not isinstance(data, dict):
        raise LockfileError(path, 1, "not a package.json (not an object)")
    lines = LineIndex(text)
    result = ParsedFile(path)
    for section in ("dependencies", "devDependencies", "optionalDependencies"):
        for name, spec in mapping(data.get(section)).items():
            if not isinstance(spec, str):
                continue
            line = lines.find(f'"{name}"')
            exact = _NPM_EXACT.match(spec.strip())
            _add(result, NPM, str(name), exact.group(1) if exact else None, line, spec or "any version")
    return result


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


PARSERS = {
    "pyproject.toml": parse_pyproject,
    "Pipfile": parse_pipfile,
    "package.json": parse_package_json,
}
