"""Sign-in, sign-out and the checks every page makes: a session, CSRF on POSTs.

An anonymous request for a page is redirected to `/login?next=PAGE`; `/login` sends the
browser to the forge's authorize URL with a fresh `state`, remembered in a short-lived
encrypted cookie together with the page asked for; `/oauth/callback` accepts the forge's
answer only with that same state, then sets the session cookie and goes back to the page.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web

from mergegate.dashboard.access import AccessCache
from mergegate.dashboard.oauth import OAuthError, Provider
from mergegate.dashboard.session import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    STATE_COOKIE,
    STATE_SECONDS,
    Session,
    SessionCodec,
    SignIn,
    new_token,
)

log = logging.getLogger(__name__)
FLASH_COOKIE = "mergegate_flash"


class ChooseForge(Exception):
    """More than one forge signs people in: the sign-in page lets the person choose."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


def safe_next(target: str | None) -> str:
    """A local path to go back to after signing in; anything else (another host, a scheme,
    ``//host``, a backslash) is the overview."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target)):
        return "/"  # browsers drop tabs and newlines: "/\t/evil.example" is "//evil.example"
    return target


@dataclass
class Auth:
    codec: SessionCodec
    providers: dict[str, Provider]
    access: AccessCache
    public_url: str | None = None

    def _cookie(self, response: web.StreamResponse, name: str, value: str, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", secure=True,
                            httponly=True, samesite="Lax")

    def redirect_uri(self, request: web.Request) -> str:
        base = self.public_url.rstrip("/") if self.public_url else str(request.url.origin())
        return f"{base}/oauth/callback"

    def session(self, request: web.Request) -> Session | None:
        return self.codec.open_session(request.cookies.get(SESSION_COOKIE))

    def require(self, request: web.Request) -> Session:
        """The signed-in person; anonymous visitors are redirected to sign in."""
        session = self.session(request)
        if session is None:
            raise self.sign_in_again(request)
        return session

    def sign_in_again(self, request: web.Request) -> web.HTTPFound:
        """To the sign-in, coming back to this page (a GET) afterwards; the session cookie,
        if any, is dropped."""
        target = request.path_qs if request.method == "GET" else "/"
        response = web.HTTPFound(f"/login?{urlencode({'next': target})}")
        if SESSION_COOKIE in request.cookies:
            response.del_cookie(SESSION_COOKIE, path="/")
        return response

    def check_csrf(self, session: Session, token: object) -> None:
        if not isinstance(token, str) or not hmac.compare_digest(token, session.csrf):
            raise web.HTTPForbidden(text="The form's CSRF token is missing or wrong: reload "
                                         "the page and try again.")

    # -- handlers ---------------------------------------------------------------------------
    async def login(self, request: web.Request) -> web.StreamResponse:
        target = safe_next(request.query.get("next"))
        name = request.query.get("forge")
        if name is None and len(self.providers) == 1:
            name = next(iter(self.providers))
        if name is None or name not in self.providers:
            raise ChooseForge(target)
        provider = self.providers[name]
        state = new_token()
        response = web.HTTPFound(provider.authorize_url(state, self.redirect_uri(request)))
        sealed = self.codec.seal_sign_in(SignIn(state, name, target, time.time() + STATE_SECONDS))
        self._cookie(response, STATE_COOKIE, sealed, STATE_SECONDS)
        raise response

    async def callback(self, request: web.Request) -> web.StreamResponse:
        sign_in = self.codec.open_sign_in(request.cookies.get(STATE_COOKIE))
        state = request.query.get("state", "")
        if sign_in is None or not state or not hmac.compare_digest(state, sign_in.state):
            raise web.HTTPBadRequest(text="Sign-in failed: the state does not match this "
                                          "browser's sign-in (it expired or was not started "
                                          "here). Start again from the dashboard.")
        code = request.query.get("code")
        if not code:
            denied = request.query.get("error", "no code")
            raise web.HTTPForbidden(text=f"Sign-in was not granted by the forge ({denied}).")
        provider = self.providers[sign_in.forge]
        try:
            token = await provider.exchange(code, self.redirect_uri(request))
            login = await provider.login(token)
        except OAuthError as exc:
            log.warning("dashboard sign-in failed: %s", exc)
            raise web.HTTPBadGateway(text=f"Sign-in failed: {exc}") from None
        session = Session(sign_in.forge, login, token, new_token(), time.time() + SESSION_SECONDS)
        self.access.forget(session)
        response = web.HTTPFound(safe_next(sign_in.next))
        self._cookie(response, SESSION_COOKIE, self.codec.seal_session(session), SESSION_SECONDS)
        response.del_cookie(STATE_COOKIE, path="/")
        log.info("dashboard: %s signed in", session.describe())
        raise response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        session = self.require(request)
        form = await request.post()
        self.check_csrf(session, form.get("csrf"))
        self.access.forget(session)
        response = web.HTTPSeeOther("/login?signed_out=1")
        response.del_cookie(SESSION_COOKIE, path="/")
        raise response

    # -- one-time messages after a POST -----------------------------------------------------
    def flash(self, response: web.StreamResponse, kind: str, text: str) -> None:
        sealed = self.codec.seal(FLASH_COOKIE, {"kind": kind, "text": text})
        self._cookie(response, FLASH_COOKIE, sealed, 120)

    def take_flash(self, request: web.Request,
                   response: web.StreamResponse) -> dict[str, str] | None:
        value = self.codec.open(FLASH_COOKIE, request.cookies.get(FLASH_COOKIE))
        if FLASH_COOKIE in request.cookies:
            response.del_cookie(FLASH_COOKIE, path="/")
        if value is None:
            return None
        return {"kind": str(value.get("kind", "")), "text": str(value.get("text", ""))}


