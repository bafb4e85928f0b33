"""PyPI: requirements files, poetry.lock, Pipfile.lock, uv.lock and pdm.lock.

Nothing here runs project code: requirement lines are parsed with `packaging`, lockfiles as
TOML or JSON data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath

from mergegate.scanners.dependencies.documents import json_document, toml_document
from mergegate.scanners.dependencies.model import (
    PYPI,
    Dependency,
    LineIndex,
    LockfileError,
    ParsedFile,
    normalize_name,
)

# Reads a repository-relative path (for `-r`/`-c` includes); None when absent or refused.
IncludeReader = Callable[[str], "str | None"]

_OPTION = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)")
_HASH = re.compile(r"\s--hash[= ]\S+")
# A URL needs its "scheme://" (https://, git+ssh://, ...): a name like httpx or httplib2 is
# a package. pip also takes `file:` URLs, paths, and archive file names.
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://|file:)")
_ARCHIVE = re.compile(r"\.(whl|zip|tar|tgz|tbz|txz|tar\.gz|tar\.bz2|tar\.xz)$", re.IGNORECASE)
_MAX_INCLUDE_DEPTH = 10


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines joined over trailing backslashes, comments stripped, with their first line."""
    out: list[tuple[int, str]] = []
    buf = ""
    start = 0
    for n, raw in enumerate(text.splitlines(), start=1):
        if not buf:
            start = n
        line = raw
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        buf += line
        stripped = re.sub(r"(^|\s)#.*$", "", buf).strip()
        if stripped:
            out.append((start, stripped))
        buf = ""
    if buf.strip():
        out.append((start, buf.strip()))
    return out


def parse_requirements(
    path: str,
    text: str,
    read_include: IncludeReader | None = None,
    _seen: frozenset[str] = frozenset(),
) -> ParsedFile:
    """Pins (`name==1.0`, `===`) become dependencies; ranges, URLs and editables are noted
    as unpinned. `-r` includes are followed through `read_include`; a `-c` constraints
    file pins the packages that are required here without a pin (and adds none)."""
    # Imported with the first requirements file: a scan of a change without one never loads it.
    from packaging.requirements import InvalidRequirement, Requirement

    result = ParsedFile(path)
    constraints: dict[str, str] = {}
    seen = _seen | {path}
    for line_no, line in _logical_lines(text):
        option = _OPTION.match(line)
        if option:
            sub = _include(path, line_no, option.group(2), read_include, seen, result)
            if sub is None:
                continue
            if option.group(1) in ("-c", "--constraint"):
                constraints.update((d.key[1], d.version) for d in sub.pinned if d.version)
            else:
                result.dependencies.extend(sub.dependencies)
                result.notes.extend(sub.notes)
            continue
        if line.startswith("-e ") or line.startswith("--editable"):
            result.notes.append(f"{path}:{line_no}: unpinned: editable {line.split()[-1]}")
            continue
        if line.startswith("-"):
            continue  # --index-url and other pip options
        line = _HASH.sub("", " " + line).strip()
        if _is_url_or_path(line):
            result.notes.append(f"{path}:{line_no}: unpinned: URL or path {line}")
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            result.notes.append(f"{path}:{line_no}: not a requirement: {exc}")
            continue
        pins = [s for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
        if req.url:
            spec = f"{req.name} @ {req.url}"
            result.dependencies.append(Dependency(PYPI, req.name, None, path, line_no, True, spec))
        elif len(pins) == 1:
            pin = pins[0].version
            result.dependencies.append(Dependency(PYPI, req.name, pin, path, line_no, True))
        else:
            spec = str(req.specifier) or "any version"
            result.dependencies.append(Dependency(PYPI, req.name, None, path, line_no, True, spec))
    result.dependencies = [_constrained(d, constraints, result) for d in result.dependencies]
    return result


def _is_url_or_path(line: str) -> bool:
    """What pip reads as a URL, a local path or an archive rather than a PEP 508 requirement
    (`name @ url` is PEP 508: the part before any `@`, `;` or space decides)."""
    if _URL.match(line):
        return True
    head = re.split(r"[\s@;]", line, maxsplit=1)[0]
    return head.startswith((".", "~")) or "/" in head or "\\" in head or bool(_ARCHIVE.search(head))


def _include(
    path: str,
    line_no: int,
    name: str,
    read_include: IncludeReader | None,
    seen: frozenset[str],
    result: ParsedFile,
) -> ParsedFile | None:
    target = PurePosixPath(*[p for p in (PurePosixPath(path).parent / name).parts if p != "."])
    if str(target) in seen or len(seen) > _MAX_INCLUDE_DEPTH:
        result.notes.append(f"{path}:{line_no}: include {name} skipped (cycle)")
        return None
    included = read_include(str(target)) if read_include else None
    if included is None:
        result.notes.append(f"{path}:{line_no}: included file {target} not found")
        return None
    return parse_requirements(str(target), included, read_include, seen)


def _constrained(dep: Dependency, constraints: dict[str, str], result: ParsedFile) -> Dependency:
    if dep.version is not None or dep.path != result.path:
        return dep
    pin = constraints.get(dep.key[1])
    if pin is not None and not (dep.spec or "").startswith(f"{dep.name} @"):
        return Dependency(PYPI, dep.name, pin, dep.path, dep.line, dep.direct)
    result.notes.append(f"{dep.path}:{dep.line}: unpinned: {dep.name} {dep.spec}")
    return dep


def _toml_packages(path: str, text: str, key: str = "package") -> ParsedFile:
    """poetry.lock, uv.lock and pdm.lock: `[[package]]` tables with name and version."""
    data = toml_document(path, text)
    packages = data.get(key, [])
    if not isinstance(packages, list):
        raise LockfileError(path, 1, f"'{key}' is not an array of tables")
    lines = LineIndex(text)
    result = ParsedFile(path)
    roots = [p for p in packages if isinstance(p, dict) and _is_project(p.get("source"))]
    # uv.lock: what the project itself depends on is direct; the others do not say
    direct = {
        normalize_name(PYPI, str(d.get("name")))
        for root in roots
        for d in root.get("dependencies") or []
        if isinstance(d, dict)
    }
    for pkg in packages:
        if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
            raise LockfileError(path, 1, "a [[package]] without a name")
        name, version = pkg["name"], pkg.get("version")
        line = lines.find(f'name = "{name}"', f'version = "{version}"', 200)
        if _is_project(pkg.get("source")):
            continue  # the project itself (uv)
        is_direct = (normalize_name(PYPI, name) in direct) if roots else None
        if not isinstance(version, str):
            result.notes.append(f"{path}:{line}: unpinned: {name} has no version")
            result.dependencies.append(Dependency(PYPI, name, None, path, line, is_direct, "no version"))
            continue
        result.dependencies.append(Dependency(PYPI, name, version, path, line, is_direct))
    return result


def _is_project(source: object) -> bool:
    return isinstance(source, dict) and ("editable" in source or "virtual" in source)


def parse_poetry_lock(path: str, text: str) -> ParsedFile:
    return _toml_packages(path, text)


def parse_uv_lock(path: str, text: str) -> ParsedFile:
    data = toml_document(path, text)
    version = data.get("version")
    if version is not None and version != 1:
        raise LockfileError(path, 1, f"unknown uv.lock version {version!r}")
    return _toml_packages(path, text)


def parse_pdm_lock(path: str, text: str) -> ParsedFile:
    return _toml_packages(path, text)


def parse_pipfile_lock(path: str, text: str) -> ParsedFile:
    data = json_document(path, text)
    if not isinstance(data, dict) or "_meta" not in data:
        raise LockfileError(path, 1, "not a Pipfile.lock (no _meta)")
    lines = LineIndex(text)
    result = ParsedFile(path)
    for section in ("default", "develop"):
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise LockfileError(path, lines.find(f'"{section}"'), f"'{section}' is not an object")
        for name, entry in entries.items():
            line = lines.find(f'"{name}": {{')
            spec = entry.get("version") if isinstance(entry, dict) else None
            if isinstance(spec, str) and spec.startswith("=="):
                result.dependencies.append(Dependency(PYPI, name, spec[2:], path, line))
            else:
                where = "git/path" if isinstance(entry, dict) and not spec else spec
                result.notes.append(f"{path}:{line}: unpinned: {name} {where}")
                result.dependencies.append(Dependency(PYPI, name, None, path, line, None, str(where)))
    return result
