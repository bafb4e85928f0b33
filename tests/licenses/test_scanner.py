"""The licenses scanner: lockfile licenses, deps.dev (a fake on 127.0.0.1), overrides, policy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from mergegate.config import Settings
from mergegate.core.findings import Package, Severity, fingerprint
from mergegate.core.policy import LicensesPolicy, Policy
from mergegate.scanners import licenses
from mergegate.scanners.base import Scanner
from mergegate.store.cache import optional_cache

from tests.dependencies.local_server import serve
from tests.dependencies.support import make_workspace

LOCK = """{
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "app", "dependencies": {"left-pad": "1.3.0"}},
    "node_modules/left-pad": {"version": "1.3.0", "license": "WTFPL"},
    "node_modules/lodash": {"version": "4.17.21", "license": "MIT"},
    "node_modules/ghostscript-js": {"version": "2.0.0", "license": "AGPL-3.0-or-later"},
    "node_modules/dual": {"version": "1.0.0", "license": "(MIT OR GPL-3.0-only)"}
  }
}
"""
POLICY = Policy(
    licenses=LicensesPolicy(
        allow=("MIT", "Apache-2.0", "BSD-3-Clause"), deny=("AGPL-3.0-or-later",), unknown="warn"
    )
)
DEPS_DEV = {
    ("pypi", "requests", "2.25.1"): ["Apache-2.0"],
    ("pypi", "pyqt5", "5.15.0"): ["GPL-3.0-only"],
    ("pypi", "odd", "1.0"): ["non-standard"],
}


class FakeDepsDev:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v3/systems/{system}/packages/{name}/versions/{version}", self.version)
        return app

    async def version(self, request: web.Request) -> web.Response:
        m = request.match_info
        self.requests[m["name"]] += 1
        found = DEPS_DEV.get((m["system"], m["name"], m["version"]))
        if found is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(
            {
                "versionKey": {"system": m["system"].upper(), "name": m["name"], "version": m["version"]},
                "licenses": found,
            }
        )


@pytest.fixture
def deps_dev() -> Iterator[tuple[FakeDepsDev, str]]:
    fake = FakeDepsDev()
    with serve(fake.app()) as url:
        yield fake, url


def settings(tmp_path: Path, url: str) -> Settings:
    return Settings(deps_dev_url=url, database_url=f"sqlite:///{tmp_path / 'mg.db'}")


def test_lockfile_licenses_judged_exactly(tmp_path: Path, deps_dev: tuple[FakeDepsDev, str]) -> None:
    fake, url = deps_dev
    scanner = with_cache(settings(tmp_path, url))
    ws = make_workspace(tmp_path / "repo", {"package-lock.json": LOCK})
    res = scanner.scan(ws, POLICY)
    assert res.errors == [] and not fake.requests
    got = sorted((f.rule, f.severity, f.package, f.line, f.new) for f in res.findings)
    assert got == [
        ("license-denied", Severity.HIGH, Package("npm", "ghostscript-js", "2.0.0"), 7, True),
        ("license-not-allowed", Severity.HIGH, Package("npm", "left-pad", "1.3.0"), 5, True),
    ]
    denied = next(f for f in res.findings if f.rule == "license-denied")
    assert denied.scanner == "licenses"
    assert denied.title == "ghostscript-js 2.0.0: license AGPL-3.0-or-later is denied"
    assert denied.fingerprint == fingerprint(
        "licenses", "license-denied", "package-lock.json", "npm\x1eghostscript-js\x1eAGPL-3.0-or-later"
    )


def with_cache(s: Settings) -> Scanner:
    """The scanner as the engine builds it: with the store's response cache."""
    return licenses.create(s, lambda: optional_cache(s.database_url))


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("warn", [("license-unknown", Severity.LOW)]),
        ("block", [("license-unknown", Severity.HIGH)]),
        ("allow", []),
    ],
)
def test_deps_dev_lookups_unknown_modes_and_cache(
    tmp_path: Path, deps_dev: tuple[FakeDepsDev, str], mode: str, expected: list[object]
) -> None:
    fake, url = deps_dev
    policy = Policy(licenses=LicensesPolicy(allow=("Apache-2.0",), unknown=mode))  # type: ignore[arg-type]
    scanner = with_cache(settings(tmp_path, url))
    ws = make_workspace(tmp_path / "repo", {"requirements.txt": "requests==2.25.1\nodd==1.0\n"})
    res = scanner.scan(ws, policy)
    assert [(f.rule, f.severity) for f in res.findings] == expected
    assert fake.requests == {"requests": 1, "odd": 1}
    again = with_cache(settings(tmp_path, url)).scan(ws, policy)
    assert again.findings == res.findings
    assert fake.requests == {"requests": 1, "odd": 1}  # answered from the store's cache


def test_policy_overrides_win(tmp_path: Path, deps_dev: tuple[FakeDepsDev, str]) -> None:
    fake, url = deps_dev
    policy = Policy(
        licenses=LicensesPolicy(
            allow=("MIT", "LicenseRef-Commercial"),
            deny=("GPL-3.0-only",),
            packages={"PyQt5": "LicenseRef-Commercial", "left-pad": "GPL-3.0-only"},
        )
    )
    ws = make_workspace(
        tmp_path / "repo",
        {"package-lock.json": LOCK, "requirements.txt": "pyqt5==5.15.0\n"},
    )
    res = with_cache(settings(tmp_path, url)).scan(ws, policy)
    rules = {f.package.name: f.rule for f in res.findings if f.package}
    assert rules == {"left-pad": "license-denied", "ghostscript-js": "license-not-allowed"}
    assert fake.requests == {}


def test_deps_dev_unreachable_means_unknown_with_a_note(tmp_path: Path) -> None:
    scanner = licenses.create(settings(tmp_path, "http://127.0.0.1:9"))
    ws = make_workspace(tmp_path / "repo", {"requirements.txt": "requests==2.25.1\n"})
    res = scanner.scan(ws, POLICY)
    assert [(f.rule, f.title) for f in res.findings] == [
        ("license-unknown", "requests 2.25.1: license unknown")
    ]
    assert [n.message for n in res.notes] == [
        "licenses of some packages are unknown: deps.dev unreachable (ClientConnectorError)"
    ]


def test_diff_aware_preexisting_packages_are_not_new_and_not_looked_up(
    tmp_path: Path, deps_dev: tuple[FakeDepsDev, str]
) -> None:
    fake, url = deps_dev
    base = {"requirements.txt": "odd==1.0\n", "package-lock.json": LOCK}
    head = {"requirements.txt": "odd==1.0\npyqt5==5.15.0\n", "package-lock.json": LOCK}
    ws = make_workspace(tmp_path / "repo", head, base)
    res = with_cache(settings(tmp_path, url)).scan(ws, POLICY)
    assert sorted((f.rule, f.package.name, f.new) for f in res.findings if f.package) == [
        ("license-denied", "ghostscript-js", False),
        ("license-not-allowed", "left-pad", False),
        ("license-not-allowed", "pyqt5", True),
    ]
    assert fake.requests == {"pyqt5": 1}


def test_offline_mode_and_no_lockfile_contact_nobody(
    tmp_path: Path, deps_dev: tuple[FakeDepsDev, str]
) -> None:
    fake, url = deps_dev
    offline = Settings(deps_dev_url=url, osv_db=tmp_path / "db")
    ws = make_workspace(tmp_path / "repo", {"requirements.txt": "requests==2.25.1\n"})
    res = licenses.create(offline).scan(ws, POLICY)
    assert [f.rule for f in res.findings] == ["license-unknown"]
    assert [n.message for n in res.notes] == [
        "licenses of some packages are unknown: offline (--offline or MERGEGATE_OSV_DB), deps.dev was not consulted"
    ]
    ws = make_workspace(tmp_path / "repo2", {"main.py": "print(1)\n"})
    assert with_cache(settings(tmp_path, url)).scan(ws, POLICY).findings == []
    assert fake.requests == {}
    assert not (tmp_path / "mg.db").exists()  # no store opened either


def test_unrecognised_license_text_is_shown_as_written(tmp_path: Path) -> None:
    lock = (
        '{"lockfileVersion": 3, "packages": {"node_modules/inhouse": '
        '{"version": "1.0.0", "license": "SEE LICENSE IN LICENSE.md"}}}'
    )
    ws = make_workspace(tmp_path / "repo", {"package-lock.json": lock})
    res = licenses.create(Settings(osv_db=tmp_path / "db")).scan(ws, POLICY)
    assert [(f.rule, f.severity, f.title) for f in res.findings] == [
        ("license-unknown", Severity.LOW, "inhouse 1.0.0: license 'SEE LICENSE IN LICENSE.md' not recognised")
    ]
    assert res.findings[0].message == (
        "inhouse 1.0.0 in package-lock.json: its license 'SEE LICENSE IN LICENSE.md' is not a known "
        "SPDX expression; set it under licenses.packages if you know it. Replace the package or "
        "change the policy."
    )


def test_policy_entries_that_name_no_spdx_license_are_noted(tmp_path: Path) -> None:
    policy = Policy(
        licenses=LicensesPolicy(allow=("MIT", "Apache 2.0", "MITT"), deny=("AGPL-3.0-or-laterr",))
    )
    ws = make_workspace(tmp_path / "repo", {"package-lock.json": LOCK})
    res = licenses.create(Settings(osv_db=tmp_path / "db")).scan(ws, policy)
    assert [n.message for n in res.notes] == [
        "licenses.allow: 'MITT' is not a known SPDX license id",
        "licenses.deny: 'AGPL-3.0-or-laterr' is not a known SPDX license id",
    ]
