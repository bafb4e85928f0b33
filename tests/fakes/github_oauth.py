"""GitHub's OAuth web flow and the user-to-server endpoints the dashboard uses, for the fake
GitHub (plugged in with ``FakeGitHubOAuth.attach(fake)``), as GitHub documents them:

- ``GET /login/oauth/authorize?client_id&redirect_uri&state``: GitHub asks the person and
  redirects to ``redirect_uri?code=…&state=…`` (here the person is ``signing_in``, who
  approves at once);
- ``POST /login/oauth/access_token`` (form: client_id, client_secret, code, redirect_uri):
  with ``Accept: application/json`` a JSON token, or 200 with an ``error`` for a bad code
  or bad client credentials (codes are single-use and expire);
- ``GET /user``, ``GET /user/installations`` and
  ``GET /user/installations/{installation_id}/repositories`` with ``Authorization: Bearer
  <user token>``: the person, the App's installations they can reach and the repositories of
  one that they can read (``repositories`` they have a permission on in the fake).

Requests GitHub would refuse are recorded in the fake's ``violations``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from aiohttp import web

from tests.fakes.github import FakeGitHub
from tests.fakes.http import Recorded

AUTHORIZE_PARAMS = {"client_id", "redirect_uri", "state", "allow_signup", "login", "scope",
                    "prompt"}


@dataclass
class FakeGitHubOAuth:
    fake: FakeGitHub
    client_id: str
    client_secret: str
    signing_in: str = "octocat"  # who approves the next authorize request
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code: (login, redirect)
    user_tokens: dict[str, str] = field(default_factory=dict)  # token: login
    user_ids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def attach(cls, fake: FakeGitHub, client_id: str, client_secret: str) -> FakeGitHubOAuth:
        oauth = cls(fake, client_id, client_secret)
        fake.extensions.append(oauth)
        return oauth

    def _violation(self, request: web.Request, problem: str) -> None:
        self.fake.violations.append(f"{request.method} {request.path}: {problem}")

    async def handle(self, request: web.Request, body: bytes) -> web.StreamResponse | None:
        """The answer to a request of the OAuth flow or with a user token; None otherwise."""
        path = request.path
        token = _bearer(request)
        if not (path.startswith("/login/oauth/") or token in self.user_tokens
                or path.startswith("/user")):
            return None
        rec = Recorded(request.method, path, dict(request.query), body, f"oauth:{path}",
                       dict(request.headers))
        self.fake.requests.append(rec)
        response = self._route(request, body, token)
        rec.status = response.status
        return response

    def _route(self, request: web.Request, body: bytes, token: str | None) -> web.Response:
        path, q = request.path, request.query
        if path == "/login/oauth/authorize" and request.method == "GET":
            unknown = set(q) - AUTHORIZE_PARAMS
            if unknown:
                self._violation(request, f"unknown parameters {sorted(unknown)}")
            if q.get("client_id") != self.client_id:
                return web.Response(status=404, text="unknown client_id")
            redirect = q.get("redirect_uri", "")
            if not redirect.startswith(("http://", "https://")):
                self._violation(request, "redirect_uri must be an absolute URL")
                return web.Response(status=400, text="bad redirect_uri")
            code = f"code{next(self.fake.ids)}"
            self.codes[code] = (self.signing_in, redirect)
            query = {"code": code}
            if "state" in q:
                query["state"] = q["state"]
            raise web.HTTPFound(f"{redirect}?{urlencode(query)}")
        if path == "/login/oauth/access_token" and request.method == "POST":
            return self._access_token(request, body)
        if token is None or token not in self.user_tokens:
            return web.json_response({"message": "Bad credentials"}, status=401)
        login = self.user_tokens[token]
        if path == "/user" and request.method == "GET":
            return web.json_response({"login": login, "id": self._id(login), "type": "User"})
        if path == "/user/installations" and request.method == "GET":
            ids = sorted({r.installation_id for r in self._readable(login)})
            return web.json_response({"total_count": len(ids), "installations": [
                {"id": i, "account": {"login": next(r.owner for r in self.fake.repos.values()
                                                    if r.installation_id == i)}} for i in ids]})
        match = re.fullmatch(r"/user/installations/(\d+)/repositories", path)
        if match and request.method == "GET":
            repos = [r for r in self._readable(login) if r.installation_id == int(match[1])]
            per_page, page = int(q.get("per_page", 30)), int(q.get("page", 1))
            chunk = repos[(page - 1) * per_page: page * per_page]
            headers = {}
            if page * per_page < len(repos):
                headers["Link"] = (f'<{self.fake.url}{path}?per_page={per_page}&page={page + 1}>;'
                                   ' rel="next"')
            return web.json_response({"total_count": len(repos), "repositories": [
                {"id": self._id(r.full_name), "full_name": r.full_name, "name": r.name,
                 "owner": {"login": r.owner}, "private": True} for r in chunk]}, headers=headers)
        self._violation(request, "not an endpoint a user-to-server token is used for here")
        return web.json_response({"message": "Not Found"}, status=404)

    def _access_token(self, request: web.Request, body: bytes) -> web.Response:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if "application/json" not in request.headers.get("Accept", ""):
            self._violation(request, "without Accept: application/json GitHub answers "
                                     "form-encoded")
        if form.get("client_id") != self.client_id or form.get("client_secret") != \
                self.client_secret:
            return web.json_response({"error": "incorrect_client_credentials",
                                      "error_description": "The client_id and/or "
                                      "client_secret passed are incorrect."})
        code = form.get("code", "")
        if code not in self.codes:
            return web.json_response({"error": "bad_verification_code",
                                      "error_description": "The code passed is incorrect or "
                                      "expired."})
        login, redirect = self.codes.pop(code)
        if form.get("redirect_uri") not in (None, redirect):
            return web.json_response({"error": "redirect_uri_mismatch",
                                      "error_description": "The redirect_uri MUST match the "
                                      "registered callback URL for this application."})
        token = f"ghu_fake{next(self.fake.ids)}"
        self.user_tokens[token] = login
        return web.json_response({"access_token": token, "token_type": "bearer", "scope": "",
                                  "expires_in": 28800, "refresh_token": f"ghr_fake{token[8:]}",
                                  "refresh_token_expires_in": 15897600})

    def _readable(self, login: str) -> list[Any]:
        return [r for r in self.fake.repos.values() if login in r.permissions]

    def _id(self, name: str) -> int:
        return self.user_ids.setdefault(name, 5000 + len(self.user_ids))


def _bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme.lower() in ("bearer", "token") and token else None
