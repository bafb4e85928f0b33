"""Which files are lockfiles or manifests, and the parser for each. A manifest is read only
when no lockfile of its own lies beside it (`manifest_without_lockfile`)."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from pathlib import PurePosixPath

from mergegate.scanners.dependencies import (
    parse_dotnet,
    parse_go,
    parse_java,
    parse_manifests,
    parse_npm,
    parse_php,
    parse_python,
    parse_ruby,
    parse_rust,
)
from mergegate.scanners.dependencies.model import LockfileError, ParsedFile
from mergegate.scanners.dependencies.parse_python import IncludeReader

Parser = Callable[[str, str], ParsedFile]

PARSERS: dict[str, Parser] = {
    "poetry.lock": parse_python.parse_poetry_lock,
    "Pipfile.lock": parse_python.parse_pipfile_lock,
    "uv.lock": parse_python.parse_uv_lock,
    "pdm.lock": parse_python.parse_pdm_lock,
    "package-lock.json": parse_npm.parse_package_lock,
    "npm-shrinkwrap.json": parse_npm.parse_package_lock,
    "yarn.lock": parse_npm.parse_yarn_lock,
    "pnpm-lock.yaml": parse_npm.parse_pnpm_lock,
    "go.mod": parse_go.parse_go_mod,
    "Cargo.lock": parse_rust.parse_cargo_lock,
    "Gemfile.lock": parse_ruby.parse_gemfile_lock,
    "composer.lock": parse_php.parse_composer_lock,
    "pom.xml": parse_java.parse_pom,
    "gradle.lockfile": parse_java.parse_gradle_lockfile,
    "packages.lock.json": parse_dotnet.parse_packages_lock,
}
REQUIREMENTS_GLOBS: tuple[str, ...] = ("requirements*.txt",)


def is_requirements(path: str) -> bool:
    name = PurePosixPath(path).name
    return any(fnmatch.fnmatchcase(name, g) for g in REQUIREMENTS_GLOBS) or (
        name.endswith(".txt") and PurePosixPath(path).parent.name == "requirements"
    )


def is_lockfile(path: str) -> bool:
    name = PurePosixPath(path).name
    if "node_modules" in PurePosixPath(path).parts:
        return False
    return name in PARSERS or is_requirements(path)


def is_manifest(path: str) -> bool:
    return (PurePosixPath(path).name in parse_manifests.PARSERS
            and "node_modules" not in PurePosixPath(path).parts)


def manifest_without_lockfile(path: str, exists: Callable[[str], bool]) -> bool:
    """A manifest none of whose lockfiles (`exists` says) lies in its folder."""
    if not is_manifest(path):
        return False
    folder = PurePosixPath(path).parent
    return not any(exists(str(folder / lock))
                   for lock in parse_manifests.LOCKFILES_BESIDE[PurePosixPath(path).name])


def parse(path: str, text: str, read_include: IncludeReader | None = None) -> ParsedFile:
    """Parse one lockfile or manifest; raise LockfileError when it is malformed."""
    try:
        if is_requirements(path):
            return parse_python.parse_requirements(path, text, read_include)
        name = PurePosixPath(path).name
        if name in parse_manifests.PARSERS and name not in PARSERS:
            return parse_manifests.PARSERS[name](path, text)
        return PARSERS[name](path, text)
    except LockfileError:
        raise
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        # valid JSON/TOML/YAML of an unexpected shape that no parser check caught
        raise LockfileError(path, 1, f"unexpected structure ({type(exc).__name__})") from None
