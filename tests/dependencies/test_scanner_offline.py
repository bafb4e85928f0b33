"""The dependencies scanner over workspaces, with the real advisories as an offline database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mergegate.config import Settings
from mergegate.core.findings import Package, Severity, dependency_fingerprint
from mergegate.core.policy import DEFAULT_POLICY
from mergegate.scanners import dependencies
from mergegate.scanners.dependencies.osv_offline import OfflineOsv
from mergegate.scanners.dependencies.scanner import DependencyScanner

from tests.dependencies.support import advisory, make_workspace, write_advisories

LOCK_V3 = """{
  "name": "web",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "web", "dependencies": {"lodash": "^4.17.0", "minimist": "^1.2.0"}},
    "node_modules/express": {"version": "4.19.2", "license": "MIT"},
    "node_modules/left-pad": {"version": "1.3.0"},
    "node_modules/lodash": {"version": "4.17.20", "license": "MIT"},
    "node_modules/minimist": {"version": "1.2.5"}
  }
}
"""


@pytest.fixture
def scanner(fixtures: Path, tmp_path: Path) -> DependencyScanner:
    db = fixtures / "osv"
    return DependencyScanner(lambda: OfflineOsv(db, tmp_path / "index"))


def test_full_scan_finds_exactly_the_affected_packages(scanner: DependencyScanner, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "repo", {"web/package-lock.json": LOCK_V3})
    res = scanner.scan(ws, DEFAULT_POLICY)
    assert res.errors == []
    got = sorted(
        (f.rule, f.aliases, f.package, f.severity, f.fix, f.line, f.new, f.cwe) for f in res.findings
    )
    assert got == [
        (
            "GHSA-35jh-r3h4-6jhm",
            ("CVE-2021-23337",),
            Package("npm", "lodash", "4.17.20"),
            Severity.HIGH,
            "upgrade to 4.17.21",
            8,
            True,
            ("CWE-77", "CWE-94"),
        ),
        (
            "GHSA-qw6h-vgh9-j6wx",
            ("CVE-2024-43796",),
            Package("npm", "express", "4.19.2"),
            Severity.LOW,
            "upgrade to 4.20.0",
            6,
            True,
            ("CWE-79",),
        ),
        (
            "GHSA-xvch-5gv4-984h",
            ("CVE-2021-44906",),
            Package("npm", "minimist", "1.2.5"),
            Severity.CRITICAL,
            "upgrade to 1.2.6",
            9,
            True,
            ("CWE-1321",),
        ),
    ]
    lodash = next(f for f in res.findings if f.package and f.package.name == "lodash")
    assert lodash.scanner == "dependencies"
    assert lodash.path == "web/package-lock.json" and lodash.end_line == 8
    assert lodash.fingerprint == dependency_fingerprint(
        "npm", "lodash", "GHSA-35jh-r3h4-6jhm", "web/package-lock.json"
    )
    assert "Upgrade lodash to 4.17.21 or later." in lodash.message
    assert lodash.references[0] == "https://osv.dev/vulnerability/GHSA-35jh-r3h4-6jhm"


def test_edges_introduced_fixed_prerelease_and_no_advisory(
    scanner: DependencyScanner, tmp_path: Path
) -> None:
    reqs = "\n".join(
        [
            "mistune==2.0.0a1",  # equal to introduced: affected
            "Django==1.7b3",  # a pre-release inside [1.7a0, 1.7b4)
            "buildbot==0.7.12",  # equal to PYSEC-2009-1's fixed: not affected by it
            "zope-nothing==1.0",  # no advisory at all
            "hyperledger==0.1.5",  # only a withdrawn advisory (introduced 0)
            "",
        ]
    )
    ws = make_workspace(tmp_path / "repo", {"requirements.txt": reqs})
    res = scanner.scan(ws, DEFAULT_POLICY)
    by_pkg: dict[str, list[str]] = {}
    for f in res.findings:
        assert f.package is not None
        by_pkg.setdefault(f.package.name, []).append(f.rule)
    assert by_pkg["mistune"] == ["GHSA-fw3v-x4f2-v673"]
    assert "PYSEC-2014-19" in by_pkg["Django"]
    assert "PYSEC-2009-1" not in by_pkg.get("buildbot", [])
    assert "zope-nothing" not in by_pkg and "hyperledger" not in by_pkg
    mistune = next(f for f in res.findings if f.rule == "GHSA-fw3v-x4f2-v673")
    assert mistune.aliases == ("PYSEC-2022-237", "CVE-2022-34749")
    assert mistune.fix == "upgrade to 2.0.3" and mistune.line == 1
    # no summary in the advisory: the first sentence of its details, shortened
    assert mistune.title.startswith("mistune 2.0.0a1: In mistune through 2.0.2, support of inline")
    assert mistune.title.endswith("…") and len(mistune.title) <= len("mistune 2.0.0a1: ") + 120


def test_diff_aware_marks_preexisting_versions_not_new(scanner: DependencyScanner, tmp_path: Path) -> None:
    base = {"requirements.txt": "buildbot==0.7.6\nmistune==2.0.0\n"}
    head = {"requirements.txt": "buildbot==0.7.6\nmistune==2.0.1\nDjango==1.4\n"}
    ws = make_workspace(tmp_path / "repo", head, base)
    res = scanner.scan(ws, DEFAULT_POLICY)
    new = {f.package.name: f.new for f in res.findings if f.package}
    assert new == {"buildbot": False, "mistune": True, "Django": True}
    assert all(not f.new for f in res.findings if f.package and f.package.name == "buildbot")


def test_alias_merge_ghsa_and_pysec_for_one_cve_is_one_finding(fixtures: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    db.mkdir()
    shutil.copy(fixtures / "osv/PyPI/PYSEC-2022-237.json", db)
    ghsa = advisory(
        "GHSA-fw3v-x4f2-v673",
        "PyPI",
        "mistune",
        [{"introduced": "2.0.0a1"}, {"fixed": "2.0.3"}],
        aliases=("CVE-2022-34749",),
        database_specific={"severity": "HIGH", "cwe_ids": ["CWE-1333"]},
    )
    write_advisories(db, [ghsa])
    scanner = DependencyScanner(lambda: OfflineOsv(db, tmp_path / "index"))
    ws = make_workspace(tmp_path / "repo", {"requirements.txt": "mistune==2.0.2\n"})
    res = scanner.scan(ws, DEFAULT_POLICY)
    assert [(f.rule, f.aliases, f.severity, f.cwe) for f in res.findings] == [
        ("GHSA-fw3v-x4f2-v673", ("PYSEC-2022-237", "CVE-2022-34749"), Severity.HIGH, ("CWE-1333",)),
    ]


def test_malformed_lockfile_is_an_error_and_the_others_are_still_scanned(
    scanner: DependencyScanner, tmp_path: Path
) -> None:
    head = {
        "a/package-lock.json": '{"lockfileVersion": 3,\n "packages": {\n',
        "requirements.txt": "mistune==2.0.2\n",
    }
    res = scanner.scan(make_workspace(tmp_path / "repo", head), DEFAULT_POLICY)
    assert [(e.scanner, e.message, e.path) for e in res.errors] == [
        (
            "dependencies",
            "a/package-lock.json:3: invalid JSON: Expecting property name enclosed in double quotes",
            "a/package-lock.json",
        ),
    ]
    assert [f.rule for f in res.findings] == ["GHSA-fw3v-x4f2-v673"]


def test_no_lockfile_contacts_no_source(tmp_path: Path) -> None:
    settings = Settings(osv_db=tmp_path / "does-not-exist")
    scanner = dependencies.create(settings)
    ws = make_workspace(tmp_path / "repo", {"app.py": "print('hi')\n"})
    res = scanner.scan(ws, DEFAULT_POLICY)
    assert res.errors == [] and res.findings == []
    ws = make_workspace(tmp_path / "repo2", {"requirements.txt": "flask==2.0.0\n"})
    res = scanner.scan(ws, DEFAULT_POLICY)
    assert [e.message for e in res.errors] == [
        f"MERGEGATE_OSV_DB {tmp_path / 'does-not-exist'}: no such file or folder"
    ]
    assert res.findings == []


def test_unpinned_only_reports_notes_and_contacts_no_source(tmp_path: Path) -> None:
    scanner = dependencies.create(Settings(osv_db=tmp_path / "missing"))
    ws = make_workspace(tmp_path / "repo", {"requirements.txt": "flask>=2\n"})
    res = scanner.scan(ws, DEFAULT_POLICY)
    assert res.errors == []
    assert [n.message for n in res.notes] == ["requirements.txt:1: unpinned: flask >=2"]


def test_same_package_twice_in_one_lockfile_is_one_finding(
    scanner: DependencyScanner, tmp_path: Path
) -> None:
    lock = json.loads(LOCK_V3)
    lock["packages"]["node_modules/a/node_modules/lodash"] = {"version": "4.17.15"}
    ws = make_workspace(tmp_path / "repo", {"package-lock.json": json.dumps(lock, indent=1)})
    res = scanner.scan(ws, DEFAULT_POLICY)
    lodash = [f for f in res.findings if f.rule == "GHSA-35jh-r3h4-6jhm"]
    assert len(lodash) == 1
    assert lodash[0].title.startswith("lodash 4.17.15, 4.17.20:")
    # 4.17.15 is also affected by GHSA-p6mc (fixed 4.17.20): its own finding
    assert "GHSA-p6mc-m468-83gw" in {f.rule for f in res.findings}


def test_lockfile_over_the_workspace_size_limit_is_still_scanned(
    scanner: DependencyScanner, tmp_path: Path
) -> None:
    from mergegate.workspace import CandidateFile, build_workspace

    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text("mistune==2.0.2\n" + "# padding\n" * 200)
    (root / "big.txt").write_text("x" * 5000)
    ws = build_workspace(
        root,
        [CandidateFile("requirements.txt"), CandidateFile("big.txt")],
        diff_aware=False,
        max_file_bytes=1000,
    )
    assert ws.files == []
    res = scanner.scan(ws, DEFAULT_POLICY)
    assert [f.rule for f in res.findings] == ["GHSA-fw3v-x4f2-v673"]


def test_go_module_versions_with_v_and_pseudo_versions(tmp_path: Path) -> None:
    db = write_advisories(
        tmp_path / "db",
        [
            advisory(
                "GO-2020-0001",
                "Go",
                "golang.org/x/crypto",
                [{"introduced": "0"}, {"fixed": "0.0.0-20201216223049-8b5274cf687f"}],
                range_type="SEMVER",
                aliases=("CVE-2020-29652",),
            ),
            advisory(
                "GO-2021-0002",
                "Go",
                "github.com/gin-gonic/gin",
                [{"introduced": "0"}, {"fixed": "1.7.0"}],
                aliases=("GHSA-h395-qcrw-5vmq",),
            ),
        ],
    )
    gomod = (Path(__file__).parent / "data" / "go.mod").read_text()
    scanner = DependencyScanner(lambda: OfflineOsv(db, tmp_path / "index"))
    res = scanner.scan(make_workspace(tmp_path / "repo", {"go.mod": gomod}), DEFAULT_POLICY)
    assert sorted((f.rule, f.package.name if f.package else "", f.fix, f.line) for f in res.findings) == [
        ("GHSA-h395-qcrw-5vmq", "github.com/gin-gonic/gin", "upgrade to 1.7.0", 6),
        ("GO-2020-0001", "golang.org/x/crypto", "upgrade to 0.0.0-20201216223049-8b5274cf687f", 8),
    ]


def test_unchanged_include_missing_from_a_forge_workspace_is_read_at_base(
    scanner: DependencyScanner, tmp_path: Path
) -> None:
    # A workspace from a forge's API holds only the changed files; requirements-base.txt is
    # unchanged, so its base content is its head content.
    base = {"requirements.txt": "-r requirements-base.txt\n", "requirements-base.txt": "mistune==2.0.2\n"}
    head = {"requirements.txt": "-r requirements-base.txt\nzope-nothing==1.0\n"}
    ws = make_workspace(tmp_path / "repo", head, base)
    res = scanner.scan(ws, DEFAULT_POLICY)
    assert [(f.rule, f.path, f.new) for f in res.findings] == [
        ("GHSA-fw3v-x4f2-v673", "requirements-base.txt", False)
    ]
