"""`mergegate db update` against a local fake of OSV's archive endpoint (zips built at test time
from the real advisories in the fixtures), then `scan --offline`: the same findings as the
online source (a fake OSV.dev API) on the same advisories."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from mergegate.commands.db import _Progress
from mergegate.scanners.dependencies import osv_archives

from tests.cli.conftest import Repo, Run
from tests.dependencies.fake_osv import FakeOsv
from tests.dependencies.local_server import serve

LOCK = """{
  "name": "web",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "web", "dependencies": {"lodash": "^4.17.0", "minimist": "^1.2.0"}},
    "node_modules/express": {"version": "4.19.2", "license": "MIT"},
    "node_modules/left-pad": {"version": "1.3.0", "license": "MIT"},
    "node_modules/lodash": {"version": "4.17.20", "license": "MIT"},
    "node_modules/minimist": {"version": "1.2.5", "license": "MIT"}
  }
}
"""
REQUIREMENTS = "mistune==2.0.2\nbuildbot==0.7.12\n"
# what OSV.dev answers for these packages (the advisories of the fixtures that affect them)
ONLINE_MATCHES = {
    ("npm", "lodash", "4.17.20"): ["GHSA-35jh-r3h4-6jhm"],
    ("npm", "express", "4.19.2"): ["GHSA-qw6h-vgh9-j6wx"],
    ("npm", "minimist", "1.2.5"): ["GHSA-xvch-5gv4-984h"],
    ("PyPI", "mistune", "2.0.2"): ["PYSEC-2022-237"],
    ("PyPI", "buildbot", "0.7.12"): ["PYSEC-2019-6"],  # 0.7.12 fixes PYSEC-2009-1 and -2
}
POLICY = "version: 1\nsast: {enabled: false}\nsecrets: {enabled: false}\nlicenses: {enabled: false}\n"


def zipped(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.glob("*.json")):
            zf.write(path, path.name)
    return buf.getvalue()


@dataclass
class ArchiveEndpoint:
    """`GET /<Ecosystem>/all.zip`, as osv-vulnerabilities.storage.googleapis.com answers."""

    archives: dict[str, bytes]
    requests: Counter[str] = field(default_factory=Counter)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{ecosystem}/all.zip", self.archive)
        return app

    async def archive(self, request: web.Request) -> web.Response:
        ecosystem = request.match_info["ecosystem"]
        self.requests[ecosystem] += 1
        if ecosystem not in self.archives:
            return web.Response(status=404, text="NoSuchKey")
        return web.Response(body=self.archives[ecosystem], content_type="application/zip")


@pytest.fixture
def endpoint(fixtures: Path) -> Iterator[tuple[ArchiveEndpoint, str]]:
    ep = ArchiveEndpoint({"PyPI": zipped(fixtures / "osv" / "PyPI"),
                          "npm": zipped(fixtures / "osv" / "npm")})
    with serve(ep.app()) as url:
        yield ep, url


def findings(run: Run) -> list[tuple[Any, ...]]:
    report = json.loads(run.out)
    assert report["errors"] == []
    return sorted((f["rule"], f["package"]["ecosystem"], f["package"]["name"], f["path"], f["line"],
                   f["severity"], f["fix"], f["fingerprint"], tuple(f["cwe"]))
                  for f in report["findings"])


def test_db_update_then_offline_gives_the_online_findings(
        cli: Callable[..., Run], repo: Repo, endpoint: tuple[ArchiveEndpoint, str],
        fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ep, url = endpoint
    repo.write(".mergegate.yml", POLICY)
    repo.write("web/package-lock.json", LOCK)
    repo.write("requirements.txt", REQUIREMENTS)
    repo.commit()

    vulns = {p.stem: json.loads(p.read_text()) for p in (fixtures / "osv").rglob("*.json")}
    with serve(FakeOsv(vulns, ONLINE_MATCHES).app()) as osv_url:
        monkeypatch.setenv("MERGEGATE_OSV_URL", osv_url)
        online = cli("scan", "--format", "json")
    assert online.code == 1
    expected = findings(online)
    assert {f[0] for f in expected} == {"GHSA-35jh-r3h4-6jhm", "GHSA-qw6h-vgh9-j6wx",
                                        "GHSA-xvch-5gv4-984h", "GHSA-fw3v-x4f2-v673",
                                        "GHSA-g86p-hgx5-2pfh"}

    monkeypatch.setenv("MERGEGATE_OSV_ARCHIVE_URL", url)
    monkeypatch.setenv("MERGEGATE_OSV_URL", "http://127.0.0.1:9")  # never reached offline
    update = cli("db", "update", "--ecosystem", "pypi", "--ecosystem", "npm")
    assert update.code == 0, update.err
    root = tmp_path / "xdg" / "mergegate" / "osv"
    assert update.out.splitlines() == [
        f"PyPI: 983 advisories ({(root / 'PyPI' / 'all.zip').stat().st_size / 1e6:.1f} MB)",
        f"npm: 7 advisories ({(root / 'npm' / 'all.zip').stat().st_size / 1e6:.1f} MB)",
        f"advisories cached in {root}",
    ]
    assert update.err == ""  # no progress line: stderr is not a terminal
    assert ep.requests == Counter({"PyPI": 1, "npm": 1})
    assert sorted(p.name for p in root.rglob("*")) == ["PyPI", "all.zip", "all.zip", "npm"]

    offline = cli("scan", "--format", "json", "--offline")
    assert offline.code == 1
    assert findings(offline) == expected
    # without --offline too, the cached ecosystems are read from the cache (OSV_URL is dead)
    assert findings(cli("scan", "--format", "json")) == expected


def test_offline_names_the_ecosystems_it_lacks_and_blocks(
        cli: Callable[..., Run], repo: Repo, endpoint: tuple[ArchiveEndpoint, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, url = endpoint
    monkeypatch.setenv("MERGEGATE_OSV_ARCHIVE_URL", url)
    assert cli("db", "update", "--ecosystem", "npm").code == 0
    repo.write(".mergegate.yml", POLICY)
    repo.write("go.mod", "module example.com/app\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.0\n")
    repo.write("requirements.txt", "mistune==2.0.2\nidna==3.6\n")
    repo.commit()
    run = cli("scan", "--offline")
    assert run.code == 1
    assert ("not scanned: (change): offline: no Go advisories in the cache, 1 package(s) not "
            "checked; run `mergegate db update --ecosystem Go`") in run.out
    assert ("not scanned: (change): offline: no PyPI advisories in the cache, 2 package(s) not "
            "checked; run `mergegate db update --ecosystem PyPI`") in run.out


def test_failed_downloads_keep_the_old_archive_and_say_why(
        cli: Callable[..., Run], endpoint: tuple[ArchiveEndpoint, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ep, url = endpoint
    monkeypatch.setenv("MERGEGATE_OSV_ARCHIVE_URL", url)
    assert cli("db", "update", "--ecosystem", "npm").code == 0
    archive = tmp_path / "xdg" / "mergegate" / "osv" / "npm" / "all.zip"
    good = archive.read_bytes()

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("GHSA-big.json", b" " * (osv_archives.MAX_MEMBER_BYTES + 1))
    ep.archives["npm"] = bomb.getvalue()
    run = cli("db", "update", "--ecosystem", "npm", "--ecosystem", "Go")
    assert run.code == 1
    assert run.err.splitlines() == [
        "mergegate db update: npm: 'GHSA-big.json' expands beyond 16 MiB",
        f"mergegate db update: Go: no archive at {url}/Go/all.zip (HTTP 404): is 'Go' an OSV ecosystem?",
        "mergegate db update: the archives that failed were left as they were. Behind a proxy, "
        "set HTTPS_PROXY (and MERGEGATE_CA_BUNDLE if it presents its own CA).",
    ]
    assert archive.read_bytes() == good
    assert sorted(p.name for p in archive.parent.iterdir()) == ["all.zip"]  # no partial file

    ep.archives["npm"] = b"<html>not a zip</html>"
    run = cli("db", "update", "--ecosystem", "npm")
    assert run.err.splitlines()[0] == ("mergegate db update: npm: not a readable zip archive "
                                       "(File is not a zip file)")
    assert archive.read_bytes() == good

    monkeypatch.setenv("MERGEGATE_OSV_ARCHIVE_URL", "http://127.0.0.1:9")
    run = cli("db", "update", "--ecosystem", "npm")
    assert run.err.splitlines()[0] == ("mergegate db update: npm: http://127.0.0.1:9/npm/all.zip "
                                       "unreachable (ClientConnectorError)")


def test_unknown_ecosystem_is_a_usage_error(cli: Callable[..., Run]) -> None:
    run = cli("db", "update", "--ecosystem", "pip")
    assert run.code == 2
    assert run.err.strip() == (
        "mergegate db update: argument --ecosystem: unknown ecosystem 'pip' (choose from PyPI, "
        "npm, Go, crates.io, RubyGems, Packagist, Maven, NuGet)")


def test_progress_line_on_a_terminal() -> None:
    out = io.StringIO()
    progress = _Progress(out)
    progress("PyPI", 1_500_000, 3_000_000)
    progress("npm", 2_000_000, None)
    progress.clear()
    assert out.getvalue() == ("\r\x1b[Kmergegate: downloading PyPI: 1.5 of 3.0 MB"
                              "\r\x1b[Kmergegate: downloading npm: 2.0 MB\r\x1b[K")


def test_an_old_archive_gets_a_note(
        cli: Callable[..., Run], repo: Repo, endpoint: tuple[ArchiveEndpoint, str],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, url = endpoint
    monkeypatch.setenv("MERGEGATE_OSV_ARCHIVE_URL", url)
    assert cli("db", "update", "--ecosystem", "npm", "--ecosystem", "PyPI").code == 0
    archive = tmp_path / "xdg" / "mergegate" / "osv" / "npm" / "all.zip"
    ten_days_ago = time.time() - 10 * 86400 - 60
    os.utime(archive, (ten_days_ago, ten_days_ago))
    repo.write(".mergegate.yml", POLICY)
    repo.write("web/package-lock.json", LOCK)
    repo.commit()
    run = cli("scan", "--offline")
    assert ("note: npm advisories were downloaded 10 days ago: run `mergegate db update "
            "--ecosystem npm`\n") in run.out
    assert "PyPI advisories were downloaded" not in run.out  # fresh, and not used here
