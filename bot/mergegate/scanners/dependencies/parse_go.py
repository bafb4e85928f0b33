"""Go: go.mod `require` lines, with `replace` directives applied."""

from __future__ import annotations

import re

from mergegate.scanners.dependencies.model import GO, Dependency, LockfileError, ParsedFile

_DIRECTIVE = re.compile(r"^(require|replace|exclude|retract|module|go|toolchain|godebug)\b(.*)$")


def _entries(path: str, text: str) -> list[tuple[str, int, str]]:
    """(directive, line, body) for single-line and block directives, comments stripped."""
    out: list[tuple[str, int, str]] = []
    block: str | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if block is not None:
            if line == ")":
                block = None
            else:
                out.append((block, n, line))
            continue
        m = _DIRECTIVE.match(line)
        if not m:
            raise LockfileError(path, n, f"unknown go.mod directive: {line.split()[0]}")
        body = m.group(2).strip()
        if body == "(":
            block = m.group(1)
        else:
            out.append((m.group(1), n, body))
    if block is not None:
        raise LockfileError(path, len(text.splitlines()), f"unterminated {block} block")
    return out


def parse_go_mod(path: str, text: str) -> ParsedFile:
    result = ParsedFile(path)
    requires: list[tuple[str, str, int, bool]] = []
    replaces: dict[tuple[str, str | None], tuple[str, str | None]] = {}
    for directive, line, body in _entries(path, text):
        if directive == "require":
            parts = body.split()
            if len(parts) < 2:
                raise LockfileError(path, line, f"require needs a module and a version: {body}")
            indirect = "// indirect" in text.splitlines()[line - 1]
            requires.append((parts[0].strip('"'), parts[1], line, not indirect))
        elif directive == "replace":
            if "=>" not in body:
                raise LockfileError(path, line, "replace needs '=>'")
            left, right = (s.split() for s in body.split("=>", 1))
            if not left or not right:
                raise LockfileError(path, line, f"malformed replace: {body}")
            key = (left[0], left[1] if len(left) > 1 else None)
            replaces[key] = (right[0], right[1] if len(right) > 1 else None)
    for module, version, line, direct in requires:
        target = replaces.get((module, version)) or replaces.get((module, None))
        if target is None:
            result.dependencies.append(Dependency(GO, module, version, path, line, direct))
        elif target[1] is None:
            result.notes.append(f"{path}:{line}: unpinned: {module} replaced by local {target[0]}")
            result.dependencies.append(Dependency(GO, module, None, path, line, direct, f"=> {target[0]}"))
        else:
            result.dependencies.append(Dependency(GO, target[0], target[1], path, line, direct))
    return result
