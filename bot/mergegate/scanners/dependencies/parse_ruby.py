"""Ruby: Gemfile.lock `specs:` of GEM sections; DEPENDENCIES says which are direct."""

from __future__ import annotations

import re

from mergegate.scanners.dependencies.model import RUBYGEMS, Dependency, LockfileError, ParsedFile

_SPEC = re.compile(r"^    ([A-Za-z0-9_.\-]+) \(([^)]+)\)$")
_SOURCE_KEY = re.compile(r"^  (remote|revision|branch|tag|ref|glob|specs|submodules):")
_PLATFORM = re.compile(r"-(x86|x64|arm|aarch|universal|java|mingw|mswin|darwin|linux|ruby)\S*$")


def parse_gemfile_lock(path: str, text: str) -> ParsedFile:
    result = ParsedFile(path)
    section = ""
    found: list[tuple[str, str, int]] = []
    direct: set[str] = set()
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if not line.startswith(" "):
            section = line.strip()
            continue
        if section in ("GEM", "GIT", "PATH"):
            m = _SPEC.match(line)
            if m:
                version = _PLATFORM.sub("", m.group(2))
                if section == "GEM":
                    found.append((m.group(1), version, n))
                else:
                    result.notes.append(f"{path}:{n}: unpinned: {m.group(1)} from {section}")
            elif line.startswith("     ") or _SOURCE_KEY.match(line):
                continue
            else:
                raise LockfileError(path, n, f"unexpected line in {section} section: {line.strip()}")
        elif section == "DEPENDENCIES":
            direct.add(line.strip().split(" ", 1)[0].rstrip("!"))
    for name, version, at in found:
        result.dependencies.append(Dependency(RUBYGEMS, name, version, path, at, name in direct))
    return result
