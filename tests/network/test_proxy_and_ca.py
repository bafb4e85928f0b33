"""Every outgoing client goes through HTTPS_PROXY/HTTP_PROXY and trusts MERGEGATE_CA_BUNDLE
(or SSL_CERT_FILE): the quickstart's scan (OSV and deps.dev), GitHub and GitLab.

The servers answer under `*.mergegate.test` names that only the recording proxy resolves (to
127.0.0.1), over TLS with certificates of a CA made for the test: a request that does not go
through the proxy, or a client that does not trust the bundle, fails.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from mergegate.config import ConfigError, Settings
from mergegate.forge.base import RepoRef
from mergegate.forge.github.forge import GitHubForge
from mergegate.forge.gitlab.client import GitLabClient
from mergegate.forge.gitlab.forge import GitLabForge
from mergegate.scanners.dependencies.osv_api import OsvApi
from mergegate.scanners.dependencies.sources import Query, SourceError

from tests.dependencies.fake_osv import FakeOsv
from tests.dependencies.local_server import serve
from tests.fakes.github import FakeGitHub
from tests.fakes.gitlab import TOKEN, FakeGitLab
from tests.network.relays import RecordingProxy, recording_proxy, tls_front

REPO_ROOT = Path(__file__).resolve().parents[2]
HOSTS = ("osv.mergegate.test", "deps.mergegate.test", "github.mergegate.test",
         "gitlab.mergegate.test")
LOCK = """{
  "name": "shop",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "shop", "dependencies": {"lodash": "^4.17.0", "minimist": "^1.2.0"}},
    "node_modules/lodash": {"version": "4.17.20", "license": "MIT"},
    "node_modules/minimist": {"version": "1.2.5"}
  }
}
"""


@dataclass
class Tls:
    ca_file: Path
    server: ssl.SSLContext


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*HOSTS).configure_cert(server)
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Tls(ca_file, server)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                 "ALL_PROXY", "all_proxy", "SSL_CERT_FILE", "MERGEGATE_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    with recording_proxy() as p:
        yield p


def osv_and_deps_dev(fixtures: Path) -> web.Application:
    """OSV.dev's API answering for the lockfile's two packages, and deps.dev's version API."""
    npm = fixtures / "osv" / "npm"
    vulns = {i: json.loads((npm / f"{i}.json").read_text())
             for i in ("GHSA-35jh-r3h4-6jhm", "GHSA-xvch-5gv4-984h")}
    app = FakeOsv(vulns, {("npm", "lodash", "4.17.20"): ["GHSA-35jh-r3h4-6jhm"],
                          ("npm", "minimist", "1.2.5"): ["GHSA-xvch-5gv4-984h"]}).app()

    async def version(request: web.Request) -> web.Response:
        return web.json_response({"licenses": ["MIT"]})

    app.router.add_get("/v3/systems/{system}/packages/{name}/versions/{version}", version)
    return app


@pytest.fixture
def https_osv(fixtures: Path, tls: Tls) -> Iterator[int]:
    with serve(osv_and_deps_dev(fixtures)) as url, tls_front(int(url.rsplit(":", 1)[1]),
                                                              tls.server) as port:
        yield port


def quickstart_scan(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "package-lock.json").write_text(LOCK)
    for cmd in (["init", "-q", "-b", "main"], ["add", "-A"],
                ["-c", "user.email=d@example.com", "-c", "user.name=D", "commit", "-q", "-m", "x"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True, capture_output=True)
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    full = {**keep, "PYTHONPATH": str(REPO_ROOT / "bot"), "XDG_CACHE_HOME": str(tmp_path / "xdg"),
            **env}
    return subprocess.run([sys.executable, "-m", "mergegate.cli", "scan", ".", "--format", "json",
                           *args], cwd=repo, env=full, capture_output=True, text=True, timeout=180)


def test_the_quickstart_scan_goes_through_the_proxy_and_trusts_the_bundle(
        tmp_path: Path, proxy: RecordingProxy, https_osv: int, tls: Tls) -> None:
    osv = f"https://osv.mergegate.test:{https_osv}"
    deps = f"https://deps.mergegate.test:{https_osv}"
    run = quickstart_scan(tmp_path, {"HTTPS_PROXY": proxy.url, "MERGEGATE_OSV_URL": osv,
                                     "MERGEGATE_DEPS_DEV_URL": deps,
                                     "MERGEGATE_CA_BUNDLE": str(tls.ca_file)})
    report = json.loads(run.stdout)
    assert report["errors"] == [], run.stderr
    assert sorted((f["rule"], f["package"]["name"]) for f in report["findings"]
                  if f["scanner"] == "dependencies") == [
        ("GHSA-35jh-r3h4-6jhm", "lodash"), ("GHSA-xvch-5gv4-984h", "minimist")]
    assert run.returncode == 1  # a critical advisory blocks
    tunnels = {r for r in proxy.requests if "mergegate.test" in r}
    assert tunnels == {f"CONNECT osv.mergegate.test:{https_osv}",
                       f"CONNECT deps.mergegate.test:{https_osv}"}
    # querybatch, then one advisory each: every request went through a tunnel of the proxy
    assert proxy.requests.count(f"CONNECT osv.mergegate.test:{https_osv}") >= 1


def test_without_the_bundle_the_scan_says_what_to_do(
        tmp_path: Path, proxy: RecordingProxy, https_osv: int) -> None:
    osv = f"https://osv.mergegate.test:{https_osv}"
    run = quickstart_scan(tmp_path, {"HTTPS_PROXY": proxy.url, "MERGEGATE_OSV_URL": osv},
                          "--only", "dependencies")
    report = json.loads(run.stdout)
    assert report["errors"] == [{
        "scanner": "dependencies",
        "message": f"OSV API {osv} unreachable: ClientConnectorCertificateError (4 attempts). "
        "Behind a proxy, set HTTPS_PROXY (and MERGEGATE_CA_BUNDLE if it presents its own CA); "
        "without network, run `mergegate db update` first and scan with `--offline`; or turn "
        "the check off with `dependencies: {enabled: false}` in .mergegate.yml"}]
    assert run.returncode == 1  # the gate fails closed
    assert f"CONNECT osv.mergegate.test:{https_osv}" in proxy.requests


def test_osv_client_trusts_ssl_cert_file_and_the_bundle_wins(
        fixtures: Path, tls: Tls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    ours = Settings.from_env({"SSL_CERT_FILE": str(tls.ca_file)}).ca_bundle
    assert ours == tls.ca_file
    wins = Settings.from_env({"SSL_CERT_FILE": str(other), "MERGEGATE_CA_BUNDLE": str(tls.ca_file)})
    assert wins.ca_bundle == tls.ca_file
    query = Query("npm", "lodash", "4.17.20")
    with serve(osv_and_deps_dev(fixtures)) as url, tls_front(int(url.rsplit(":", 1)[1]),
                                                              tls.server) as port:
        monkeypatch.setenv("NO_PROXY", "")
        with recording_proxy() as p:
            monkeypatch.setenv("HTTPS_PROXY", p.url)
            api = OsvApi(f"https://osv.mergegate.test:{port}", retries=0, ca_bundle=wins.ca_bundle)
            assert [a["id"] for a in api.advisories([query])[query]] == ["GHSA-35jh-r3h4-6jhm"]
            untrusted = OsvApi(f"https://osv.mergegate.test:{port}", retries=0, ca_bundle=other)
            with pytest.raises(SourceError, match="ClientConnectorCertificateError"):
                untrusted.advisories([query])


def test_a_missing_bundle_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"MERGEGATE_CA_BUNDLE": str(tmp_path / "nope.pem")})
    assert str(info.value) == (f"MERGEGATE_CA_BUNDLE '{tmp_path / 'nope.pem'}': no such file "
                               "(a PEM bundle of CA certificates)")
    run = quickstart_scan(tmp_path, {"SSL_CERT_FILE": str(tmp_path / "gone.pem")})
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1] == (
        f"mergegate: SSL_CERT_FILE '{tmp_path / 'gone.pem'}': no such file "
        "(a PEM bundle of CA certificates)")


async def test_github_api_goes_through_the_proxy_with_the_bundle(
        fixtures: Path, app_private_key: str, proxy: RecordingProxy, tls: Tls,
        monkeypatch: pytest.MonkeyPatch) -> None:
    public = serialization.load_pem_private_key(app_private_key.encode(), None).public_key()
    fake = FakeGitHub(fixtures / "github" / "openapi-subset.json", "12345", public)
    await fake.start()
    repo = fake.repo("Codertocat/Hello-World")
    sha = fake.commit(repo, {"README.md": "hello"})
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    try:
        with tls_front(int(fake.url.rsplit(":", 1)[1]), tls.server) as port:
            settings = Settings(github_app_id="12345", github_private_key=app_private_key,
                                github_api_url=f"https://github.mergegate.test:{port}",
                                ca_bundle=tls.ca_file)
            forge = GitHubForge.create(settings)
            ref = RepoRef("github", "Codertocat/Hello-World", installation_id="1")
            try:
                assert await forge.read_file(ref, "README.md", sha) == b"hello"
            finally:
                await forge.aclose()
    finally:
        await fake.close()
    assert proxy.requests == [f"CONNECT github.mergegate.test:{port}"] * len(proxy.requests)
    assert proxy.requests
    fake.assert_clean()


async def test_gitlab_api_goes_through_the_proxy_with_the_bundle(
        proxy: RecordingProxy, tls: Tls, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeGitLab()
    await fake.start()
    project = fake.project()
    sha = fake.commit(project, {"README.md": "hello"})
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    try:
        with tls_front(int(fake.url.rsplit(":", 1)[1]), tls.server) as port:
            url = f"https://gitlab.mergegate.test:{port}"
            forge = GitLabForge(Settings(gitlab_url=url, gitlab_token=TOKEN, ca_bundle=tls.ca_file))
            ref = RepoRef("gitlab", project.path, project_id=str(project.id))
            assert await forge.read_file(ref, "README.md", sha) == b"hello"
            await forge.aclose()
            # plain http: the proxy gets the absolute URL of each request
            plain = fake.url.replace("127.0.0.1", "gitlab.mergegate.test")
            http_forge = GitLabForge(Settings(gitlab_url=plain, gitlab_token=TOKEN),
                                     GitLabClient(plain, TOKEN))
            assert await http_forge.read_file(ref, "README.md", sha) == b"hello"
            await http_forge.aclose()
    finally:
        await fake.close()
    assert f"CONNECT gitlab.mergegate.test:{port}" in proxy.requests
    assert any(r.startswith(f"GET {plain}/api/v4/projects/{project.id}/repository/files/")
               for r in proxy.requests), proxy.requests
    fake.assert_clean()

