"""Every PyPI advisory of the shared OSV fixtures is found for a pinned affected version.

Each affected package of each advisory is pinned, in a requirements file, at the first and the
last version its `versions` list names and at every real version a range's `introduced` event
names (both ends of what is listed, and where each range opens). The files go through the
project's real parser, the offline OSV source (`MERGEGATE_OSV_DB`) and matcher in one scan. A file holds each package once (the `k`-th file its `k`-th version), so every
finding belongs to exactly one pinned line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from mergegate.config import Settings
from mergegate.core.policy import DEFAULT_POLICY
from mergegate.scanners import dependencies
from mergegate.scanners.dependencies.model import PYPI, normalize_name
from mergegate.scanners.dependencies.osv_match import Advisory
from mergegate.scanners.dependencies.scanner import DependencyScanner
from mergegate.scanners.dependencies.sources import AdvisorySource, Query
from packaging.version import InvalidVersion, Version

from tests.dependencies.support import make_workspace

# Affected packages that name no version at all: no `versions` list and ranges that only
# open at "0", so there is no real release to pin.
NO_VERSION_NAMED = {
    ("PYSEC-2009-6", "moin"),
    ("PYSEC-2017-50", "lemur"),
    ("PYSEC-2019-172", "apache-superset"),
    ("PYSEC-2019-173", "apache-superset"),
    ("PYSEC-2021-371", "binderhub"),
    ("PYSEC-2022-15", "loguru"),  # withdrawn as well
    ("PYSEC-2022-42973", "flower"),
    ("PYSEC-2024-55", "cipherbcrypt"),
}

# (advisory, package, version) pinned and affected, but not reported, each with the reason.
KNOWN_MISSES: dict[tuple[str, str, str], str] = {}


@dataclass
class Pin:
    name: str  # as the advisory writes it
    version: str
    advisories: set[str] = field(default_factory=set)
    withdrawn: set[str] = field(default_factory=set)

    @property
    def line(self) -> str:
        try:
            Version(self.version)
        except InvalidVersion:
            return f"{self.name}==={self.version}"  # pip's arbitrary equality for legacy versions
        return f"{self.name}=={self.version}"


def affected_versions(entry: dict[str, Any]) -> list[str]:
    listed = [str(v) for v in entry.get("versions") or []]
    introduced = [
        str(event["introduced"])
        for r in entry.get("ranges") or []
        if r.get("type") == "ECOSYSTEM"
        for event in r.get("events") or []
        if "introduced" in event and event["introduced"] != "0"
    ]
    return listed[:1] + listed[1:][-1:] + introduced


def collect_pins(folder: Path) -> tuple[dict[tuple[str, str], Pin], set[tuple[str, str]]]:
    """(normalized name, version) -> Pin, and the (advisory, package) that name no version."""
    pins: dict[tuple[str, str], Pin] = {}
    unpinnable: set[tuple[str, str]] = set()
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text())
        for entry in doc.get("affected") or []:
            name = str(entry["package"]["name"])
            versions = affected_versions(entry)
            if not versions:
                unpinnable.add((doc["id"], name))
            for version in versions:
                pin = pins.setdefault((normalize_name(PYPI, name), version), Pin(name, version))
                (pin.withdrawn if doc.get("withdrawn") else pin.advisories).add(doc["id"])
    return pins, unpinnable


def requirement_files(pins: dict[tuple[str, str], Pin]) -> dict[tuple[str, str], str]:
    """(normalized name, version) -> the file pinning it; a file holds a package once."""
    count: dict[str, int] = {}
    placed = {}
    for key in sorted(pins):
        k = count.get(key[0], 0)
        count[key[0]] = k + 1
        placed[key] = f"chunk-{k:03d}/requirements.txt"
    return placed


class Recording:
    """The real advisory source, remembering which advisories it matched to each query."""

    def __init__(self, source: AdvisorySource) -> None:
        self.source = source
        self.prematched = source.prematched
        self.matched: dict[Query, set[str]] = {}

    def advisories(self, queries: Sequence[Query]) -> dict[Query, list[Advisory]]:
        out = self.source.advisories(queries)
        for q, found in out.items():
            self.matched.setdefault(q, set()).update(str(a["id"]) for a in found)
        return out


def test_every_pypi_advisory_is_found_for_a_pinned_affected_version(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = fixtures / "osv" / "PyPI"
    if not folder.is_dir():
        pytest.skip(f"no PyPI advisories in {folder}")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the offline index goes here
    pins, unpinnable = collect_pins(folder)
    assert unpinnable == NO_VERSION_NAMED
    placed = requirement_files(pins)
    files: dict[str, list[str]] = {}
    for key, rel in placed.items():
        files.setdefault(rel, []).append(pins[key].line)
    workspace = make_workspace(
        tmp_path / "repo", {rel: "\n".join(lines) + "\n" for rel, lines in files.items()}
    )

    settings = Settings.from_env({"MERGEGATE_OSV_DB": str(fixtures / "osv")})
    recording = Recording(dependencies.advisory_source(settings))
    result = DependencyScanner(lambda: recording).scan(workspace, DEFAULT_POLICY)

    assert result.errors == []
    reported: dict[tuple[str, str], set[str]] = {}
    for f in result.findings:
        assert f.package is not None
        key = (f.path, normalize_name(PYPI, f.package.name))
        reported.setdefault(key, set()).update((f.rule, *f.aliases))
    missed: set[tuple[str, str, str]] = set()
    withdrawn_matched: set[str] = set()
    for (norm, version), pin in pins.items():
        matched = recording.matched.get(Query(PYPI, norm, version), set())
        shown = reported.get((placed[norm, version], norm), set())
        missed.update((a, norm, version) for a in pin.advisories if a not in matched or a not in shown)
        withdrawn_matched.update(pin.withdrawn & matched)

    checked = sum(len(p.advisories) for p in pins.values())
    advisories = {a for p in pins.values() for a in p.advisories}
    assert len(advisories) > 900 and checked > 2_000, (len(advisories), checked)
    assert sorted(missed - KNOWN_MISSES.keys()) == [], f"{len(missed)} of {checked} pinned advisories missed"
    assert sorted(KNOWN_MISSES.keys() - missed) == [], "found now: remove from KNOWN_MISSES"
    assert result.notes == []  # every line parsed as a pin: no "unpinned", no "not a requirement"
    assert withdrawn_matched == set()
