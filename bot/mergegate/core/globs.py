"""Path globs as the policy file writes them: ``**`` spans folders, ``*`` and ``?`` do not."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


class GlobError(ValueError):
    pass


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """Compile a glob to a regex over POSIX relative paths; raise GlobError if malformed.

    ``vendor/**`` matches everything below vendor; ``**/test_*.py`` matches at any depth;
    a pattern without a slash (``*.min.js``) matches the file name at any depth, as
    .gitignore does.
    """
    if not pattern or not pattern.strip():
        raise GlobError("empty glob")
    if pattern.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", pattern):
        raise GlobError(f"glob {pattern!r} must be relative to the repository root")
    if any(part == ".." for part in pattern.split("/")):
        raise GlobError(f"glob {pattern!r} must not contain '..'")
    anchored = "/" in pattern.rstrip("/")
    body = pattern.rstrip("/")
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if body.startswith("**", i):
            j = i + 2
            if (i == 0 or body[i - 1] == "/") and (j == len(body) or body[j] == "/"):
                if j == len(body):
                    out.append(".*")
                else:
                    out.append("(?:.*/)?")
                    j += 1
                i = j
                continue
            raise GlobError(f"glob {pattern!r}: '**' must be a whole path segment")
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = body.find("]", i + 2 if body.startswith("[!", i) or body.startswith("[]", i) else i + 1)
            if end == -1:
                raise GlobError(f"glob {pattern!r}: unclosed '['")
            inner = body[i + 1 : end]
            if inner.startswith("!"):
                inner = "^" + inner[1:]
            out.append("[" + inner.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    regex = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    # A pattern naming a folder also matches everything inside it.
    return re.compile(f"^{prefix}{regex}(?:/.*)?$")


def matches_any(path: str, patterns: Iterable[str]) -> bool:
    return any(compile_glob(p).match(path) for p in patterns)


def may_match_inside(folder: str, patterns: Iterable[str]) -> bool:
    """Whether some pattern may match a path below ``folder/`` (so an archive named
    ``folder`` is worth opening): a file-name pattern or one that starts with ``**`` matches at
    any depth; another matches when its first segment matches ``folder``."""
    for pattern in patterns:
        body = pattern.rstrip("/")
        first = body.split("/", 1)[0]
        if "/" not in body or first == "**" or compile_glob(first).match(folder):
            return True
    return False


def names_folder(folder: str, patterns: Iterable[str]) -> bool:
    """Whether some pattern names ``folder`` itself by its first segment (``trivy-results/**``,
    ``*.sarif`` for an archive named ``app.sarif``), not only through ``**``."""
    for pattern in patterns:
        first = pattern.rstrip("/").split("/", 1)[0]
        if first != "**" and compile_glob(first).match(folder):
            return True
    return False
