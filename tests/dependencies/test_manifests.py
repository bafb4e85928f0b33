"""Manifests without a lockfile: pyproject.toml (PEP 621, dependency groups, Poetry), Pipfile
and package.json. Pins are checked against the real advisories; ranges are reported as
unpinned with what was written; a manifest beside its lockfile is left to the lockfile."""

from __future__ import annotations

from pathlib import Path

import pytest
from mergegate.core.policy import DEFAULT_POLICY
from mergegate.scanners.dependencies import lockfiles
from mergegate.scanners.dependencies.inventory import dependency_files
from mergegate.scanners.dependencies.osv_offline import OfflineOsv
from mergegate.scanners.dependencies.scanner import DependencyScanner

from tests.dependencies.support import make_workspace

PYPROJECT = """[project]
name = "shop"
dependencies = [
    "mistune==2.0.2",
    "requests>=2.31,<3",
    "flask",
    "pkg @ https://example.com/pkg-1.0.tar.gz",
]
[project.optional-dependencies]
dev = ["pytest~=8.0"]

[dependency-groups]
lint = ["ruff==0.4.0"]

[tool.poetry.dependencies]
python = "^3.11"
django = "3.2.0"
httpx = "^0.27"
internal = {git = "https://example.com/internal.git"}

[tool.poetry.group.test.dependencies]
coverage = {version = "==7.4.0"}
"""
PIPFILE = """[packages]
mistune = "==2.0.2"
requests = "*"
local = {path = "."}

[dev-packages]
pytest = {version = ">=8"}
"""
PACKAGE_JSON = """{
  "name": "web",
  "dependencies": {"lodash": "4.17.20", "express": "^4.19.0", "left-pad": "=1.3.0"},
  "devDependencies": {"minimist": "v1.2.5", "jest": "latest", "mine": "file:../mine"}
}
"""


def pinned_and_unpinned(path: str, text: str) -> tuple[list[tuple[str, str, int]], list[str]]:
    parsed = lockfiles.parse(path, text)
    pins = [(d.name, str(d.version), d.line) for d in parsed.dependencies if d.version]
    return pins, parsed.notes


def test_pyproject_pep621_groups_and_poetry() -> None:
    pins, notes = pinned_and_unpinned("pyproject.toml", PYPROJECT)
    assert pins == [("mistune", "2.0.2", 4), ("ruff", "0.4.0", 13), ("django", "3.2.0", 17),
                    ("coverage", "7.4.0", 22)]
    assert notes == [
        "pyproject.toml:5: unpinned: requests <3,>=2.31",
        "pyproject.toml:6: unpinned: flask any version",
        "pyproject.toml:7: unpinned: pkg @ https://example.com/pkg-1.0.tar.gz",
        "pyproject.toml:10: unpinned: pytest ~=8.0",
        "pyproject.toml:18: unpinned: httpx ^0.27",
        "pyproject.toml:19: unpinned: internal from git",
    ]


def test_pipfile_and_package_json() -> None:
    pins, notes = pinned_and_unpinned("app/Pipfile", PIPFILE)
    assert pins == [("mistune", "2.0.2", 2)]
    assert notes == ["app/Pipfile:3: unpinned: requests any version",
                     "app/Pipfile:4: unpinned: local from path",
                     "app/Pipfile:7: unpinned: pytest >=8"]
    pins, notes = pinned_and_unpinned("package.json", PACKAGE_JSON)
    assert pins == [("lodash", "4.17.20", 3), ("left-pad", "1.3.0", 3), ("minimist", "1.2.5", 4)]
    assert notes == ["package.json:3: unpinned: express ^4.19.0",
                     "package.json:4: unpinned: jest latest",
                     "package.json:4: unpinned: mine file:../mine"]


def test_bad_manifests_are_errors_with_a_line() -> None:
    with pytest.raises(lockfiles.LockfileError, match=r"^pyproject.toml:2: invalid TOML"):
        lockfiles.parse("pyproject.toml", "[project]\nname = = 1\n")
    with pytest.raises(lockfiles.LockfileError, match=r"^package.json:1: not a package.json"):
        lockfiles.parse("package.json", "[1, 2]")


def test_pins_are_checked_against_advisories(fixtures: Path, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "repo", {"pyproject.toml": PYPROJECT,
                                            "web/package.json": PACKAGE_JSON})
    scanner = DependencyScanner(lambda: OfflineOsv(fixtures / "osv", tmp_path / "index"))
    res = scanner.scan(ws, DEFAULT_POLICY)
    assert res.errors == []
    found = {(f.package.name, f.path) for f in res.findings if f.package}
    assert {("mistune", "pyproject.toml"), ("django", "pyproject.toml"),
            ("lodash", "web/package.json"), ("minimist", "web/package.json")} <= found
    assert {p for _, p in found} == {"pyproject.toml", "web/package.json"}


def test_a_manifest_beside_its_lockfile_is_left_to_the_lockfile(tmp_path: Path) -> None:
    lock = '{"name": "web", "lockfileVersion": 3, "packages": {}}'
    ws = make_workspace(tmp_path / "repo", {
        "web/package.json": PACKAGE_JSON, "web/package-lock.json": lock,
        "api/package.json": PACKAGE_JSON, "pyproject.toml": PYPROJECT, "poetry.lock": "",
        "svc/Pipfile": PIPFILE})
    locks, manifests = dependency_files(ws)
    assert sorted(locks) == ["poetry.lock", "web/package-lock.json"]
    assert sorted(manifests) == ["api/package.json", "svc/Pipfile"]
