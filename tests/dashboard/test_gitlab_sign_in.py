"""Sign-in with a GitLab OAuth application: members see their projects' changes, others get
404; with both forges configured the sign-in page lets the person choose."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from mergegate.config import Settings
from mergegate.service.context import Service
from mergegate.store.service_store import Store
from mergegate.web.app import create_app
from mergegate.web.context import WebContext
from yarl import URL

from tests.dashboard.conftest import SESSION_KEY, Browserish
from tests.fakes.gitlab_oauth import FakeGitLabOAuth

APP_ID, APP_SECRET = "gitlab-app-id", "gitlab-app-secret"  # pragma: allowlist secret


@pytest.fixture
async def gitlab(tmp_path: Path) -> AsyncIterator[tuple[FakeGitLabOAuth, Browserish]]:
    fake = FakeGitLabOAuth(APP_ID, APP_SECRET)
    await fake.start()
    fake.members["group/sub/app"] = {"dev"}
    store = Store.open(f"sqlite:///{tmp_path / 'm.db'}")
    scan_id = store.records.start_scan("gitlab:group/sub/app", "a" * 40, 5, None)
    store.records.complete_scan(scan_id, conclusion="failure", found=[], policy_text=None,
                                policy_source=None, org_policy_text=None, context={},
                                report_id=None, blocking={"sast|high": 1})
    settings = Settings(database_url=str(store.engine.url), gitlab_url=fake.url,
                        gitlab_oauth_client_id=APP_ID, gitlab_oauth_client_secret=APP_SECRET,
                        github_client_id="Iv1.x", github_client_secret="y",
                        session_key=SESSION_KEY)
    client = TestClient(TestServer(create_app(WebContext(Service(store=store, settings=settings)),
                                              [], run_jobs=False)))
    await client.start_server()
    base = str(client.make_url("")).rstrip("/")
    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[URL(base)])
    browser = Browserish(base, aiohttp.ClientSession(cookie_jar=jar))
    try:
        yield fake, browser
    finally:
        await browser.http.close()
        await client.close()
        store.close()
        await fake.close()
    fake.assert_clean()


async def sign_in(fake: FakeGitLabOAuth, browser: Browserish, user: str) -> None:
    fake.signing_in = user
    r = await browser.get("/login?forge=gitlab&next=/")
    authorize = urlsplit(r.headers["Location"])
    assert authorize.path == "/oauth/authorize"
    assert parse_qs(authorize.query)["scope"] == ["read_api"]
    r = await browser.http.get(r.headers["Location"], allow_redirects=False)
    callback = urlsplit(r.headers["Location"])
    r = await browser.get(f"{callback.path}?{callback.query}")
    assert r.status == 302, await r.text()


async def test_with_two_forges_the_sign_in_page_offers_both(
    gitlab: tuple[FakeGitLabOAuth, Browserish],
) -> None:
    _, browser = gitlab
    r = await browser.get("/login?next=/audit")
    page = html.unescape(await r.text())
    assert r.status == 200
    assert "Sign in with GitHub" in page and "Sign in with GitLab" in page
    assert "/login?forge=gitlab&next=/audit" in page


async def test_a_member_sees_the_project_and_a_stranger_gets_404(
    gitlab: tuple[FakeGitLabOAuth, Browserish],
) -> None:
    fake, browser = gitlab
    await sign_in(fake, browser, "dev")
    page = await (await browser.get("/")).text()
    assert "group/sub/app" in page and "Signed in as <strong>dev</strong> (gitlab)" in page
    assert (await browser.get("/repos/group/sub/app/changes/5")).status == 200
    browser.http.cookie_jar.clear()
    await sign_in(fake, browser, "stranger")
    assert "group/sub/app" not in await (await browser.get("/")).text()
    assert (await browser.get("/repos/group/sub/app")).status == 404
    assert (await browser.get("/repos/group/sub/app/changes/5")).status == 404
