"""PHP: composer.lock `packages` and `packages-dev`, with their licenses."""

from __future__ import annotations

import re

from mergegate.scanners.dependencies.documents import json_document
from mergegate.scanners.dependencies.model import (
    PACKAGIST,
    Dependency,
    LineIndex,
    LockfileError,
    ParsedFile,
)


def parse_composer_lock(path: str, text: str) -> ParsedFile:
    data = json_document(path, text)
    if not isinstance(data, dict) or "packages" not in data:
        raise LockfileError(path, 1, "not a composer.lock (no 'packages')")
    lines = LineIndex(text)
    result = ParsedFile(path)
    for section in ("packages", "packages-dev"):
        for pkg in data.get(section) or []:
            name, version = pkg.get("name"), pkg.get("version")
            if not isinstance(name, str):
                raise LockfileError(path, lines.find(f'"{section}"'), "a package without a name")
            line = lines.find(f'"name": "{name}"')
            licenses = pkg.get("license")
            license_expr = " OR ".join(licenses) if isinstance(licenses, list) and licenses else None
            if not isinstance(version, str) or not re.match(r"^v?\d", version):
                result.notes.append(f"{path}:{line}: unpinned: {name} {version}")
                result.dependencies.append(
                    Dependency(PACKAGIST, name, None, path, line, None, str(version), license_expr)
                )
                continue
            result.dependencies.append(
                Dependency(PACKAGIST, name, version.removeprefix("v"), path, line, None, None, license_expr)
            )
    return result
