"""The online path against a fake OSV.dev on 127.0.0.1: batching, retries, timeouts, cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mergegate.config import Settings
from mergegate.core.policy import DEFAULT_POLICY
from mergegate.scanners import dependencies
from mergegate.scanners.dependencies.osv_api import UNREACHABLE_ADVICE, OsvApi
from mergegate.scanners.dependencies.scanner import DependencyScanner
from mergegate.scanners.dependencies.sources import Query, SourceError
from mergegate.store.cache import open_cache

from tests.dependencies.fake_osv import FakeOsv
from tests.dependencies.local_server import serve
from tests.dependencies.support import make_workspace

FAST = {"timeout": 2.0, "retries": 2, "backoff": 0.01}


def real(fixtures: Path, *rels: str) -> dict[str, dict[str, Any]]:
    docs = [json.loads((fixtures / "osv" / rel).read_text()) for rel in rels]
    return {d["id"]: d for d in docs}


@pytest.fixture
def fake(fixtures: Path) -> FakeOsv:
    vulns = real(
        fixtures, "npm/GHSA-35jh-r3h4-6jhm.json", "npm/GHSA-p6mc-m468-83gw.json", "PyPI/PYSEC-2022-237.json"
    )
    return FakeOsv(
        vulns,
        {
            ("npm", "lodash", "4.17.15"): ["GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"],
            ("PyPI", "mistune", "2.0.2"): ["PYSEC-2022-237"],
        },
    )


def test_one_querybatch_per_1000_packages_never_one_per_package(fake: FakeOsv) -> None:
    queries = [Query("PyPI", f"pkg-{i}", "1.0") for i in range(2500)]
    queries.append(Query("npm", "lodash", "4.17.15"))
    with serve(fake.app()) as url:
        result = OsvApi(url, **FAST).advisories(queries)
    assert fake.requests == {"querybatch": 3, "vulns": 2}
    assert fake.batch_sizes == [1000, 1000, 501]
    assert sorted(a["id"] for a in result[Query("npm", "lodash", "4.17.15")]) == [
        "GHSA-35jh-r3h4-6jhm",
        "GHSA-p6mc-m468-83gw",
    ]
    assert result[Query("PyPI", "pkg-0", "1.0")] == []


def test_a_500_then_success_is_retried(fake: FakeOsv) -> None:
    fake.fail_next = 1
    with serve(fake.app()) as url:
        result = OsvApi(url, **FAST).advisories([Query("PyPI", "mistune", "2.0.2")])
    assert [a["id"] for a in result[Query("PyPI", "mistune", "2.0.2")]] == ["PYSEC-2022-237"]
    assert fake.requests == {"querybatch": 2, "vulns": 1}


def test_an_advisory_gone_since_the_query_is_skipped(fake: FakeOsv) -> None:
    fake.matches[("PyPI", "mistune", "2.0.2")].append("PYSEC-0000-404")
    with serve(fake.app()) as url:
        result = OsvApi(url, **FAST).advisories([Query("PyPI", "mistune", "2.0.2")])
    assert [a["id"] for a in result[Query("PyPI", "mistune", "2.0.2")]] == ["PYSEC-2022-237"]
    assert fake.requests == {"querybatch": 1, "vulns": 2}


def test_pages_are_followed(fake: FakeOsv) -> None:
    fake.page_size = 1
    with serve(fake.app()) as url:
        result = OsvApi(url, **FAST).advisories([Query("npm", "lodash", "4.17.15")])
    assert len(result[Query("npm", "lodash", "4.17.15")]) == 2
    assert fake.requests["querybatch"] == 2


def test_a_timeout_is_a_scanner_error_never_a_pass(fake: FakeOsv, tmp_path: Path) -> None:
    fake.delay = 1.0
    with serve(fake.app()) as url:
        scanner = DependencyScanner(lambda: OsvApi(url, timeout=0.2, retries=1, backoff=0.01))
        ws = make_workspace(tmp_path / "repo", {"requirements.txt": "mistune==2.0.2\n"})
        res = scanner.scan(ws, DEFAULT_POLICY)
    assert res.findings == []
    assert [(e.scanner, e.message) for e in res.errors] == [
        ("dependencies", f"OSV API {url} unreachable: timed out after 0.2 s (2 attempts). "
         + UNREACHABLE_ADVICE)
    ]


def test_unreachable_server_and_http_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        OsvApi("http://127.0.0.1:9", **FAST).advisories([Query("PyPI", "a", "1")])
    assert str(info.value) == (
        "OSV API http://127.0.0.1:9 unreachable: ClientConnectorError (3 attempts). Behind a proxy, "
        "set HTTPS_PROXY (and MERGEGATE_CA_BUNDLE if it presents its own CA); without network, run "
        "`mergegate db update` first and scan with `--offline`; or turn the check off with "
        "`dependencies: {enabled: false}` in .mergegate.yml")


def test_responses_are_cached_with_a_ttl(fake: FakeOsv, tmp_path: Path) -> None:
    now = [1_000_000.0]
    cache = open_cache(f"sqlite:///{tmp_path / 'cache.db'}", clock=lambda: now[0])
    query = Query("npm", "lodash", "4.17.15")
    with serve(fake.app()) as url:
        api = OsvApi(url, cache, **FAST)
        first = api.advisories([query])
        second = api.advisories([query])
        assert first == second
        assert fake.requests == {"querybatch": 1, "vulns": 2}
        now[0] += 7 * 3600  # past the query TTL (6 h), within the advisories' (24 h)
        api.advisories([query])
        assert fake.requests == {"querybatch": 2, "vulns": 2}
        fake.vulns["GHSA-35jh-r3h4-6jhm"]["modified"] = "2030-01-01T00:00:00Z"
        now[0] += 7 * 3600  # the query again; one advisory changed since it was cached
        api.advisories([query])
        assert fake.requests == {"querybatch": 3, "vulns": 3}


def test_scanner_from_settings_uses_the_api_and_the_store(fake: FakeOsv, tmp_path: Path) -> None:
    with serve(fake.app()) as url:
        settings = Settings(osv_url=url, database_url=f"sqlite:///{tmp_path / 'mg.db'}")
        scanner = dependencies.create(settings)
        lock = '{"lockfileVersion": 3, "packages": {"node_modules/lodash": {"version": "4.17.15"}}}'
        ws = make_workspace(tmp_path / "repo", {"package-lock.json": lock})
        res = scanner.scan(ws, DEFAULT_POLICY)
    assert res.errors == []
    assert sorted((f.rule, f.fix) for f in res.findings) == [
        ("GHSA-35jh-r3h4-6jhm", "upgrade to 4.17.21"),
        ("GHSA-p6mc-m468-83gw", "upgrade to 4.17.20"),
    ]


async def test_works_when_called_from_a_running_event_loop(fake: FakeOsv) -> None:
    with serve(fake.app()) as url:
        result = OsvApi(url, **FAST).advisories([Query("PyPI", "mistune", "2.0.2")])
    assert [a["id"] for a in result[Query("PyPI", "mistune", "2.0.2")]] == ["PYSEC-2022-237"]


def test_error_messages_never_show_credentials_of_the_url() -> None:
    with pytest.raises(SourceError) as info:
        OsvApi("http://user:s3cret@127.0.0.1:9", **FAST).advisories([Query("PyPI", "a", "1")])
    assert str(info.value).startswith("OSV API http://127.0.0.1:9 unreachable: ClientConnectorError")
    assert "s3cret" not in str(info.value)


@pytest.mark.parametrize(
    "body",
    [{"results": []}, {"results": ["x"]}, ["not", "an", "object"], {"nothing": 1}],
)
def test_malformed_querybatch_answers_are_source_errors(body: Any) -> None:
    from aiohttp import web

    async def answer(_request: web.Request) -> web.Response:
        return web.json_response(body)

    app = web.Application()
    app.router.add_post("/v1/querybatch", answer)
    with serve(app) as url, pytest.raises(SourceError) as info:
        OsvApi(url, **FAST).advisories([Query("PyPI", "a", "1")])
    assert str(info.value) == "OSV API: querybatch answered with a malformed body"
