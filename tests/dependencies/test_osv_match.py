"""OSV semantics at the edges, on the real advisories of ../shared/fixtures/osv."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mergegate.core.findings import Severity
from mergegate.scanners.dependencies import osv_match

from tests.dependencies.support import advisory


def load(fixtures: Path, rel: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((fixtures / "osv" / rel).read_text())
    return data


@pytest.mark.parametrize(
    ("rel", "ecosystem", "name", "version", "affected"),
    [
        # introduced is inclusive, fixed exclusive (django 1.4 series of PYSEC-2014-19)
        ("PyPI/PYSEC-2014-19.json", "PyPI", "django", "1.4", True),
        ("PyPI/PYSEC-2014-19.json", "PyPI", "Django", "1.4.12", True),
        ("PyPI/PYSEC-2014-19.json", "PyPI", "django", "1.4.13", False),
        ("PyPI/PYSEC-2014-19.json", "PyPI", "django", "1.3.7", False),
        # pre-releases, decided by the range alone (the versions list holds none of them)
        ("PyPI/PYSEC-2014-19.json", "PyPI", "django", "1.7a0", True),
        ("PyPI/PYSEC-2014-19.json", "PyPI", "django", "1.7b3", True),
        ("PyPI/PYSEC-2014-19.json", "PyPI", "django", "1.7b4", False),
        ("PyPI/PYSEC-2014-19.json", "PyPI", "django", "1.7", False),
        # PEP 503 names and the GIT range ignored (mistune, introduced 2.0.0a1)
        ("PyPI/PYSEC-2022-237.json", "PyPI", "Mistune", "2.0.0a1", True),
        ("PyPI/PYSEC-2022-237.json", "PyPI", "mistune", "2.0.0a0", False),
        ("PyPI/PYSEC-2022-237.json", "PyPI", "mistune", "2.0.2", True),
        ("PyPI/PYSEC-2022-237.json", "PyPI", "mistune", "2.0.3", False),
        # npm: two ranges, pre-releases in the 5.x one
        ("npm/GHSA-rv95-896h-c2vc.json", "npm", "express", "4.19.1", True),
        ("npm/GHSA-rv95-896h-c2vc.json", "npm", "express", "4.19.2", False),
        ("npm/GHSA-rv95-896h-c2vc.json", "npm", "express", "5.0.0-alpha.0", False),
        ("npm/GHSA-rv95-896h-c2vc.json", "npm", "express", "5.0.0-alpha.1", True),
        ("npm/GHSA-rv95-896h-c2vc.json", "npm", "express", "5.0.0-beta.2", True),
        ("npm/GHSA-rv95-896h-c2vc.json", "npm", "express", "5.0.0-beta.3", False),
        # the wrong ecosystem or package never matches
        ("npm/GHSA-rv95-896h-c2vc.json", "PyPI", "express", "4.0.0", False),
        ("npm/GHSA-35jh-r3h4-6jhm.json", "npm", "lodash-es", "4.17.20", True),
        ("npm/GHSA-35jh-r3h4-6jhm.json", "npm", "lodash.template", "4.17.20", False),
        # withdrawn advisories affect nothing (aiohttp, introduced 0, withdrawn 2023)
        ("PyPI/PYSEC-2022-43059.json", "PyPI", "aiohttp", "3.8.1", False),
    ],
)
def test_real_advisory_edges(
    fixtures: Path, rel: str, ecosystem: str, name: str, version: str, affected: bool
) -> None:
    adv = load(fixtures, rel)
    assert osv_match.affects(adv, ecosystem, name, version).affected is affected


def test_versions_list_alone_decides_when_the_range_cannot(fixtures: Path) -> None:
    adv = load(fixtures, "PyPI/PYSEC-2009-1.json")  # buildbot 0.7.6 .. 0.7.12 fixed
    assert osv_match.affects(adv, "PyPI", "buildbot", "0.7.11").affected
    # drop the range: only the explicit list is left, compared in PEP 440 normal form
    adv["affected"][0]["ranges"] = []
    assert osv_match.affects(adv, "PyPI", "buildbot", "0.7.6.0").affected
    assert not osv_match.affects(adv, "PyPI", "buildbot", "0.7.11p1").affected


@pytest.mark.parametrize(
    ("events", "version", "affected"),
    [
        ([{"introduced": "1.0.0"}, {"last_affected": "1.2.0"}], "1.2.0", True),
        ([{"introduced": "1.0.0"}, {"last_affected": "1.2.0"}], "1.2.1", False),
        ([{"introduced": "1.0.0"}, {"last_affected": "1.2.0"}], "0.9.9", False),
        ([{"introduced": "0"}, {"limit": "2.0.0"}], "1.9.9", True),
        ([{"introduced": "0"}, {"limit": "2.0.0"}], "2.0.0", False),
        ([{"introduced": "0"}, {"limit": "*"}], "9.0.0", True),
        # events out of order are sorted first; a re-introduction re-opens
        ([{"fixed": "1.5.0"}, {"introduced": "2.0.0"}, {"introduced": "1.0.0"}], "1.5.0", False),
        ([{"fixed": "1.5.0"}, {"introduced": "2.0.0"}, {"introduced": "1.0.0"}], "2.1.0", True),
        ([{"introduced": "0"}], "0.0.1", True),
    ],
)
def test_synthetic_range_events(events: list[dict[str, str]], version: str, affected: bool) -> None:
    adv = advisory("TEST-1", "npm", "pkg", events)
    assert osv_match.affects(adv, "npm", "pkg", version).affected is affected


def test_semver_ranges_go_pseudo_versions_and_git_ranges() -> None:
    semver = advisory(
        "GO-1",
        "Go",
        "golang.org/x/crypto",
        [{"introduced": "0"}, {"fixed": "0.0.0-20201216223049-8b5274cf687f"}],
        range_type="SEMVER",
    )
    assert osv_match.affects(
        semver, "Go", "golang.org/x/crypto", "v0.0.0-20200622213623-75b288015ac9"
    ).affected
    assert not osv_match.affects(
        semver, "Go", "golang.org/x/crypto", "v0.0.0-20201216223049-8b5274cf687f"
    ).affected
    assert not osv_match.affects(semver, "Go", "golang.org/x/crypto", "v0.1.0").affected
    git = advisory("GIT-1", "PyPI", "pkg", [{"introduced": "0"}, {"fixed": "abc"}], range_type="GIT")
    assert not osv_match.affects(git, "PyPI", "pkg", "1.0").affected


@pytest.mark.parametrize(
    ("ecosystem", "events", "version", "affected"),
    [
        ("Maven", [{"introduced": "2.0-beta9"}, {"fixed": "2.15.0"}], "2.14.1", True),
        ("Maven", [{"introduced": "2.0-beta9"}, {"fixed": "2.15.0"}], "2.15.0", False),
        ("Maven", [{"introduced": "2.0-beta9"}, {"fixed": "2.15.0"}], "2.0-beta8", False),
        ("RubyGems", [{"introduced": "0"}, {"fixed": "1.10.4"}], "1.10.4.rc1", True),
        ("RubyGems", [{"introduced": "0"}, {"fixed": "1.10.4"}], "1.10.4", False),
        ("crates.io", [{"introduced": "0.1.0"}, {"fixed": "0.2.23"}], "0.1.43", True),
        ("NuGet", [{"introduced": "0"}, {"fixed": "13.0.1"}], "12.0.1", True),
        ("Packagist", [{"introduced": "4.4.0"}, {"fixed": "4.4.13"}], "4.4.13", False),
    ],
)
def test_other_ecosystem_orderings(
    ecosystem: str, events: list[dict[str, str]], version: str, affected: bool
) -> None:
    adv = advisory("X-1", ecosystem, "p", events)
    assert osv_match.affects(adv, ecosystem, "p", version).affected is affected


def test_fix_is_lowest_fixed_version_above_current(fixtures: Path) -> None:
    adv = load(fixtures, "PyPI/PYSEC-2014-19.json")
    hit = osv_match.affects(adv, "PyPI", "django", "1.5.2")
    assert osv_match.lowest_fix_above("PyPI", "1.5.2", hit.fixed_versions) == "1.5.8"
    assert osv_match.lowest_fix_above("PyPI", "1.6.4", hit.fixed_versions) == "1.6.5"
    assert osv_match.lowest_fix_above("PyPI", "1.7b4", hit.fixed_versions) is None


def test_severity_from_cvss_v4_then_v3_then_ghsa_then_medium(fixtures: Path) -> None:
    assert osv_match.severity_of(load(fixtures, "npm/GHSA-35jh-r3h4-6jhm.json")) is Severity.HIGH
    assert osv_match.severity_of(load(fixtures, "npm/GHSA-xvch-5gv4-984h.json")) is Severity.CRITICAL
    v4 = load(fixtures, "npm/GHSA-qw6h-vgh9-j6wx.json")
    assert osv_match.severity_of(v4) is Severity.LOW  # CVSS:4.0 ... SC:L/SI:L/SA:L
    v4["severity"] = [s for s in v4["severity"] if s["type"] == "CVSS_V3"]
    assert osv_match.severity_of(v4) is Severity.MEDIUM  # 5.0 under v3.1
    ghsa_only = {"id": "GHSA-x", "database_specific": {"severity": "HIGH"}}
    assert osv_match.severity_of(ghsa_only) is Severity.HIGH
    assert osv_match.severity_of(load(fixtures, "PyPI/PYSEC-2014-19.json")) is Severity.MEDIUM
    broken = {"id": "X", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/garbage"}]}
    assert osv_match.severity_of(broken) is Severity.MEDIUM
    assert osv_match.cwe_ids(load(fixtures, "npm/GHSA-rv95-896h-c2vc.json")) == (
        "CWE-1286",
        "CWE-601",
    )


def test_alias_groups_merge_transitively_and_keep_strangers_apart() -> None:
    from mergegate.scanners.dependencies.vulnerabilities import canonical_id, group_by_alias

    a = {"id": "PYSEC-1", "aliases": ["CVE-1"]}
    b = {"id": "OSV-2", "aliases": ["CVE-2"]}
    c = {"id": "GHSA-c", "aliases": ["CVE-1", "CVE-2"]}
    d = {"id": "PYSEC-9", "aliases": ["CVE-9"]}
    e = {"id": "GHSA-e", "aliases": ["PYSEC-9"]}
    groups = group_by_alias([a, b, d, c, e])
    assert [sorted(x["id"] for x in g) for g in groups] == [
        ["GHSA-c", "OSV-2", "PYSEC-1"],
        ["GHSA-e", "PYSEC-9"],
    ]
    assert canonical_id(["CVE-1", "PYSEC-1", "GHSA-c"]) == "GHSA-c"
    assert canonical_id(["CVE-1", "PYSEC-1"]) == "PYSEC-1"


def test_advisories_of_odd_shapes_never_raise(fixtures: Path) -> None:
    import random

    from mergegate.scanners.dependencies.model import Dependency
    from mergegate.scanners.dependencies.vulnerabilities import Match, build_findings

    from tests.dependencies.test_parsers_shapes import mutate

    rng = random.Random(3)
    docs = [json.loads(p.read_text()) for p in sorted((fixtures / "osv" / "npm").glob("*.json"))]
    docs.append(load(fixtures, "PyPI/PYSEC-2014-19.json"))
    dep = Dependency("npm", "lodash", "4.17.0", "package-lock.json", 3)
    for _ in range(300):
        doc = mutate(rng.choice(docs), rng, rate=0.2)
        doc["id"] = str(doc.get("id"))
        for eco, name, version in (("npm", "lodash", "4.17.0"), ("PyPI", "django", "1.4")):
            hit = osv_match.affects(doc, eco, name, version)
            osv_match.severity_of(doc)
            osv_match.lowest_fix_above(eco, version, hit.fixed_versions)
        build_findings([Match(dep, (doc,), {doc["id"]: ("4.17.21",)}, True)])
