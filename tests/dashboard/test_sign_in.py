"""Sign-in with GitHub: redirects with state, the callback's checks, the session cookie, and
the dashboard being off (never open) without sign-in settings."""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer
from mergegate.config import ConfigError, Settings
from mergegate.dashboard.auth import safe_next
from mergegate.dashboard.session import SESSION_COOKIE, STATE_COOKIE, Session, SessionCodec
from mergegate.dashboard.setup import OFF_MESSAGE, check_settings
from mergegate.service.context import Service
from mergegate.store.service_store import Store
from mergegate.web.app import create_app
from mergegate.web.context import WebContext

from tests.dashboard.conftest import CLIENT_ID, SESSION_KEY, Board, Browserish


async def test_without_sign_in_settings_the_dashboard_is_off_with_a_clear_message(
    tmp_path: Path,
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'm.db'}")
    service = Service(store=store, settings=Settings(database_url=str(store.engine.url)))
    client = TestClient(TestServer(create_app(WebContext(service), [], run_jobs=False)))
    await client.start_server()
    try:
        for path in ("/", "/audit", "/dismissals", "/deployments", "/login", "/oauth/callback",
                     "/repos/acme/app", "/repos/acme/app/changes/1"):
            r = await client.get(path, allow_redirects=False)
            assert r.status == 404, path
            assert OFF_MESSAGE in html.unescape(await r.text())
        assert (await client.get("/audit?format=csv")).status == 404
    finally:
        await client.close()
        store.close()


@pytest.mark.parametrize(("settings", "message"), [
    (Settings(github_client_id="x"),
     "GITHUB_CLIENT_ID is set but GITHUB_CLIENT_SECRET is not: the dashboard's sign-in needs both"),
    (Settings(gitlab_oauth_client_secret="x"),
     "GITLAB_OAUTH_CLIENT_SECRET is set but GITLAB_OAUTH_CLIENT_ID is not: the dashboard's "
     "sign-in needs both"),
    (Settings(github_client_id="x", github_client_secret="y"),
     "GITHUB_CLIENT_ID is set but MERGEGATE_SESSION_KEY is not: the dashboard needs a session "
     "key (at least 32 random characters) to sign people in"),
    (Settings(session_key="short"),
     "MERGEGATE_SESSION_KEY must be at least 32 characters (e.g. the output of "
     "`openssl rand -base64 32`)"),
])
def test_half_configured_sign_in_is_refused_at_start(settings: Settings, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_settings(settings)
    assert str(info.value) == message


def test_the_sign_in_secrets_are_read_from_files_and_hidden_from_repr(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-secret\n")
    s = Settings.from_env({"GITHUB_CLIENT_ID": "Iv1.x", "GITHUB_CLIENT_SECRET_FILE": str(secret),
                           "MERGEGATE_SESSION_KEY_FILE": str(secret)})
    assert s.github_client_secret == "from-a-file-secret" == s.session_key
    assert "from-a-file-secret" not in repr(s)
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"GITLAB_OAUTH_CLIENT_SECRET_FILE": str(tmp_path / "missing")})
    assert str(info.value) == (f"GITLAB_OAUTH_CLIENT_SECRET_FILE {str(tmp_path / 'missing')!r} "
                               "cannot be read: No such file or directory")


async def test_anonymous_pages_redirect_to_sign_in_then_to_github_with_a_state(
    board: Board, browser: Browserish,
) -> None:
    r = await browser.get("/audit?action=dismiss")
    assert r.status == 302
    location = urlsplit(r.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": ["/audit?action=dismiss"]}
    r = await browser.get("/login?next=%2Faudit%3Faction%3Ddismiss")
    assert r.status == 302
    target = urlsplit(r.headers["Location"])
    assert f"{target.scheme}://{target.netloc}" == board.h.fake.url
    assert target.path == "/login/oauth/authorize"
    query = parse_qs(target.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [f"{browser.base}/oauth/callback"]
    assert len(query["state"][0]) >= 32
    cookie = r.cookies[STATE_COOKIE]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    # Every page, and the action too, is closed to anonymous visitors.
    for path in ("/", "/dismissals", "/deployments", "/repos/Codertocat/Hello-World",
                 "/audit?format=csv"):
        assert (await browser.get(path)).status == 302, path
    r = await browser.post("/repos/Codertocat/Hello-World/changes/1/undismiss",
                           data={"id": "mg-1"})
    assert r.status == 302 and r.headers["Location"].startswith("/login")


async def test_sign_in_sets_an_encrypted_session_and_returns_to_the_page(
    board: Board, browser: Browserish,
) -> None:
    board.h.repo.permissions["alice"] = ("admin", "admin")
    assert await browser.sign_in(board.oauth, "alice", "/dismissals") == "/dismissals"
    r = await browser.get("/dismissals")
    assert r.status == 200 and "Signed in as <strong>alice</strong>" in await r.text()
    sealed = browser.cookie(SESSION_COOKIE)
    assert sealed is not None and "alice" not in sealed and "ghu_" not in sealed
    session = SessionCodec(SESSION_KEY).open_session(sealed)
    assert session is not None and session.login == "alice" and session.forge == "github"
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
    # the sign-in used GitHub's endpoints as GitHub documents them
    board.h.fake.assert_clean()


async def test_the_callback_refuses_a_missing_or_wrong_state(
    board: Board, browser: Browserish,
) -> None:
    board.oauth.signing_in = "alice"
    r = await browser.get("/login")
    authorize = r.headers["Location"]
    r = await browser.http.get(authorize, allow_redirects=False)
    callback = urlsplit(r.headers["Location"])
    code = parse_qs(callback.query)["code"][0]
    for query in (f"code={code}", f"code={code}&state=forged", f"code={code}&state="):
        r = await browser.get(f"/oauth/callback?{query}")
        assert r.status == 400, query
        assert "the state does not match" in await r.text()
        assert browser.cookie(SESSION_COOKIE) is None
    # A browser that never started a sign-in (no state cookie) is refused even with a state.
    fresh = Browserish(browser.base, browser.http.__class__())
    try:
        r = await fresh.get(f"/oauth/callback?{callback.query}")
        assert r.status == 400
    finally:
        await fresh.http.close()


async def test_a_tampered_or_foreign_session_cookie_is_no_session(
    board: Board, browser: Browserish,
) -> None:
    board.h.repo.permissions["alice"] = ("admin", "admin")
    await browser.sign_in(board.oauth, "alice")
    sealed = browser.cookie(SESSION_COOKIE)
    assert sealed is not None
    flipped = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    other_key = SessionCodec("another-session-key-of-at-least-32-chars").seal_session(
        Session("github", "alice", "ghu_x", "c", 9e9))
    for bad in (flipped, other_key, "not-a-cookie", ""):
        r = await browser.http.get(browser.base + "/", allow_redirects=False,
                                   cookies={SESSION_COOKIE: bad})
        assert r.status == 302 and r.headers["Location"].startswith("/login"), bad


def test_codec_refuses_expired_sessions_and_other_purposes() -> None:
    codec = SessionCodec(SESSION_KEY)
    sealed = codec.seal_session(Session("github", "a", "t", "c", expires=100.0))
    assert codec.open_session(sealed, now=99.0) is not None
    assert codec.open_session(sealed, now=101.0) is None
    assert codec.open_sign_in(sealed) is None  # a session is not a sign-in state
    with pytest.raises(ValueError, match="at least 32 characters"):
        SessionCodec("short")


@pytest.mark.parametrize(("target", "expected"), [
    ("/audit?x=1", "/audit?x=1"), ("//evil.example/", "/"), ("https://evil.example", "/"),
    ("/\\evil.example", "/"), (None, "/"), ("audit", "/"), ("/\t/evil.example", "/"),
    ("/\n/evil.example", "/"), ("/ok page", "/"),
])
def test_only_local_pages_are_returned_to(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


async def test_sign_out_needs_the_csrf_token_and_ends_the_session(
    board: Board, browser: Browserish,
) -> None:
    board.h.repo.permissions["alice"] = ("admin", "admin")
    await browser.sign_in(board.oauth, "alice")
    assert (await browser.post("/logout", data={})).status == 403
    token = await browser.csrf()
    r = await browser.post("/logout", data={"csrf": token})
    assert r.status == 303
    assert (await browser.get("/")).status == 302


async def test_a_revoked_token_means_signing_in_again(board: Board, browser: Browserish) -> None:
    board.h.repo.permissions["alice"] = ("admin", "admin")
    await browser.sign_in(board.oauth, "alice")
    board.oauth.user_tokens.clear()  # revoked on GitHub (or expired)
    r = await browser.get("/audit")
    assert r.status == 302
    assert parse_qs(urlsplit(r.headers["Location"]).query) == {"next": ["/audit"]}
    assert browser.cookie(SESSION_COOKIE) in (None, "")
