"""A GitLab instance's OAuth 2 provider and the two API calls the dashboard makes with a
person's token, as GitLab documents them (doc/api/oauth2.md, users, projects):

- ``GET /oauth/authorize?client_id&redirect_uri&response_type=code&state&scope``: GitLab asks
  the person and redirects to ``redirect_uri?code=…&state=…`` (here ``signing_in`` approves);
- ``POST /oauth/token`` (form: client_id, client_secret, code, grant_type=authorization_code,
  redirect_uri): a JSON token, or 400 ``invalid_grant`` / 401 ``invalid_client``;
- ``GET /api/v4/user`` and ``GET /api/v4/projects?membership=true`` with ``Authorization:
  Bearer <token>``: the person and the projects they are a member of (paginated with a
  ``Link`` header).

Its own small server (the dashboard talks to nothing else of GitLab); requests GitLab would
refuse are recorded in ``violations``.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from aiohttp import web

from tests.fakes.http import FakeHttpServer, Recorded

AUTHORIZE_PARAMS = {"client_id", "redirect_uri", "response_type", "state", "scope",
                    "code_challenge", "code_challenge_method"}
PROJECT_PARAMS = {"membership", "simple", "per_page", "page", "min_access_level"}


class FakeGitLabOAuth(FakeHttpServer):
    forge_name = "GitLab"

    def __init__(self, client_id: str, client_secret: str) -> None:
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.signing_in = "root"
        self.members: dict[str, set[str]] = {}  # project path: usernames
        self.codes: dict[str, tuple[str, str]] = {}  # code: (username, redirect_uri)
        self.tokens: dict[str, str] = {}  # token: username

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        rec = Recorded(request.method, request.path, dict(request.query), body, request.path,
                       dict(request.headers))
        self.requests.append(rec)
        response = self._route(request, body)
        rec.status = response.status
        return response

    def _violation(self, request: web.Request, problem: str) -> None:
        self.violations.append(f"{request.method} {request.path}: {problem}")

    def _route(self, request: web.Request, body: bytes) -> web.Response:
        q, path = request.query, request.path
        if path == "/oauth/authorize" and request.method == "GET":
            if set(q) - AUTHORIZE_PARAMS:
                self._violation(request, f"unknown parameters {sorted(set(q) - AUTHORIZE_PARAMS)}")
            if q.get("response_type") != "code" or q.get("client_id") != self.client_id:
                return web.Response(status=400, text="The client is not authorized")
            code = f"glcode{next(self.ids)}"
            self.codes[code] = (self.signing_in, q.get("redirect_uri", ""))
            raise web.HTTPFound(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}")
        if path == "/oauth/token" and request.method == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if form.get("grant_type") != "authorization_code":
                self._violation(request, "grant_type must be authorization_code")
            if (form.get("client_id"), form.get("client_secret")) != (self.client_id,
                                                                    self.client_secret):
                return web.json_response({"error": "invalid_client"}, status=401)
            found = self.codes.pop(form.get("code", ""), None)
            if found is None or found[1] != form.get("redirect_uri"):
                return web.json_response({"error": "invalid_grant", "error_description":
                                          "The provided authorization grant is invalid"},
                                         status=400)
            token = f"gloas-fake{next(self.ids)}"
            self.tokens[token] = found[0]
            return web.json_response({"access_token": token, "token_type": "Bearer",
                                      "expires_in": 7200, "refresh_token": f"r{token}",
                                      "scope": "read_api", "created_at": 1700000000})
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self.tokens:
            return web.json_response({"message": "401 Unauthorized"}, status=401)
        user = self.tokens[token]
        if path == "/api/v4/user" and request.method == "GET":
            return web.json_response({"id": 7, "username": user, "name": user.title()})
        if path == "/api/v4/projects" and request.method == "GET":
            if set(q) - PROJECT_PARAMS:
                self._violation(request, f"unknown parameters {sorted(set(q) - PROJECT_PARAMS)}")
            mine = [p for p, users in sorted(self.members.items()) if user in users]
            per_page, page = int(q.get("per_page", 20)), int(q.get("page", 1))
            chunk = mine[(page - 1) * per_page: page * per_page]
            headers = {"X-Total": str(len(mine))}
            if page * per_page < len(mine):
                headers["Link"] = (f'<{self.url}/api/v4/projects?membership=true&simple=true'
                                   f'&per_page={per_page}&page={page + 1}>; rel="next"')
            return web.json_response([{"id": i, "path_with_namespace": p,
                                       "name": p.rsplit("/", 1)[-1]}
                                      for i, p in enumerate(chunk, 1)], headers=headers)
        self._violation(request, "not an endpoint the dashboard uses")
        return web.json_response({"message": "404 Not Found"}, status=404)
