"""The hashed lock files agree with pyproject.toml: every dependency (and, in
requirements-test.lock, every test tool) is pinned at a version its specifier allows, with
hashes, and both files pin the shared packages alike. scripts/test and the Dockerfile install
only from them, so a dependency added to pyproject.toml without `scripts/lock` would be
missing on a fresh machine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
STALE = "stale: run scripts/lock after changing pyproject.toml's dependencies"


def pins(name: str) -> dict[str, tuple[str, bool]]:
    """package -> (version, has hashes) for every pin of a lock file."""
    text = (ROOT / name).read_text()
    out: dict[str, tuple[str, bool]] = {}
    for block in re.split(r"\n(?=\S)", text):
        m = PIN.match(block)
        if m:
            out[canonicalize_name(m.group(1))] = (m.group(2), "--hash=sha256:" in block)
    return out


def requirements(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    raw = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(r) for r in raw]


@pytest.mark.parametrize(("lock", "extras"), [
    ("requirements.lock", [None]),
    ("requirements-test.lock", [None, "test"]),
])
def test_every_dependency_is_pinned_with_hashes_at_an_allowed_version(
        lock: str, extras: list[str | None]) -> None:
    pinned = pins(lock)
    problems = []
    for extra in extras:
        for req in requirements(extra):
            got = pinned.get(canonicalize_name(req.name))
            if got is None:
                problems.append(f"{req.name} is not in {lock}")
            elif not req.specifier.contains(got[0], prereleases=True):
                problems.append(f"{req.name}=={got[0]} does not satisfy {req.specifier}")
    problems += [f"{n}=={v} has no hashes" for n, (v, hashed) in pinned.items() if not hashed]
    assert problems == [], f"{lock} is {STALE}: {problems}"


def test_the_test_lock_keeps_the_service_versions() -> None:
    service, test = pins("requirements.lock"), pins("requirements-test.lock")
    differ = {n: (v, test.get(n, ("missing",))[0]) for n, (v, _) in service.items()
              if test.get(n, ("",))[0] != v}
    assert differ == {}, STALE
