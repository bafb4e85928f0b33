"""Sign-in with the forge (OAuth 2 web flow) and what the person may read there.

GitHub: the GitHub App's own client id and secret (its user-to-server tokens), the authorize
page on the web host (github.com, or a GitHub Enterprise Server's host), the API for `/user`
and the repositories of the App's installations the person can read
(`/user/installations`, `/user/installations/{id}/repositories`). GitLab: an OAuth
application with the `read_api` scope; the projects the person is a member of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp

from mergegate.config import Settings
from mergegate.network import client_session

PER_PAGE = 100
MAX_PAGES = 50  # 5,000 repositories per installation (or GitLab projects) at most
TIMEOUT = aiohttp.ClientTimeout(total=20)


class OAuthError(Exception):
    """The forge refused the sign-in or did not answer; the message is safe to show.
    ``status`` is the forge's HTTP status when it answered (401: the token is no longer
    valid)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Provider(Protocol):
    name: str  # github | gitlab
    label: str  # GitHub | GitLab

    def authorize_url(self, state: str, redirect_uri: str) -> str: ...

    async def exchange(self, code: str, redirect_uri: str) -> str: ...

    async def login(self, token: str) -> str: ...

    async def readable_repos(self, token: str) -> frozenset[str]:
        """Store keys (``github:owner/name``) of the repositories the token's person can read."""
        ...


def github_web_url(api_url: str) -> str:
    """The web host of a GitHub API URL: api.github.com is github.com, a GitHub Enterprise
    Server's ``https://HOST/api/v3`` is ``https://HOST``; anything else is its own web host."""
    url = api_url.rstrip("/")
    if url == "https://api.github.com":
        return "https://github.com"
    return re.sub(r"/api/v3$", "", url)


async def _json(response: aiohttp.ClientResponse, what: str) -> Any:
    if response.status >= 400:
        raise OAuthError(f"{what} failed: the forge answered HTTP {response.status}",
                         response.status)
    try:
        return await response.json(content_type=None)
    except ValueError:
        raise OAuthError(f"{what} failed: the forge's answer is not JSON") from None


async def _call(ca_bundle: Path | None, method: str, url: str, what: str, **kwargs: Any) -> Any:
    async with client_session(ca_bundle, timeout=TIMEOUT) as http, \
            http.request(method, url, **kwargs) as response:
        return await _json(response, what)


def _next_link(response: aiohttp.ClientResponse) -> str | None:
    link = response.links.get("next")
    return str(link["url"]) if link else None


@dataclass
class GitHubOAuth:
    client_id: str
    client_secret: str
    api_url: str
    ca_bundle: Path | None = None
    name: str = "github"
    label: str = "GitHub"

    @property
    def web_url(self) -> str:
        return github_web_url(self.api_url)

    def authorize_url(self, state: str, redirect_uri: str) -> str:
        query = urlencode({"client_id": self.client_id, "redirect_uri": redirect_uri,
                           "state": state, "allow_signup": "false"})
        return f"{self.web_url}/login/oauth/authorize?{query}"

    async def exchange(self, code: str, redirect_uri: str) -> str:
        body = await _call(
            self.ca_bundle, "POST", f"{self.web_url}/login/oauth/access_token", "GitHub sign-in",
            data={"client_id": self.client_id, "client_secret": self.client_secret,
                  "code": code, "redirect_uri": redirect_uri},
            headers={"Accept": "application/json"},
        )
        if not isinstance(body, dict) or "access_token" not in body:
            error = body.get("error") if isinstance(body, dict) else None
            raise OAuthError(f"GitHub refused the sign-in ({error or 'no token'})")
        return str(body["access_token"])

    def _headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28"}

    async def login(self, token: str) -> str:
        body = await _call(self.ca_bundle, "GET", f"{self.api_url}/user", "GitHub /user",
                           headers=self._headers(token))
        return str(body["login"])

    async def readable_repos(self, token: str) -> frozenset[str]:
        keys: set[str] = set()
        async with client_session(self.ca_bundle, timeout=TIMEOUT,
                                  headers=self._headers(token)) as http:
            installations = await self._pages(http, f"{self.api_url}/user/installations",
                                              "installations")
            for installation in installations:
                repos = await self._pages(
                    http, f"{self.api_url}/user/installations/{installation['id']}/repositories",
                    "repositories")
                keys.update(f"github:{r['full_name']}" for r in repos)
        return frozenset(keys)

    async def _pages(self, http: aiohttp.ClientSession, url: str, field: str) -> list[Any]:
        items: list[Any] = []
        next_url: str | None = f"{url}?{urlencode({'per_page': PER_PAGE})}"
        for _ in range(MAX_PAGES):
            if next_url is None:
                break
            async with http.get(next_url) as response:
                body = await _json(response, f"GitHub {url.removeprefix(self.api_url)}")
                next_url = _next_link(response)
            items.extend(body[field])
        return items


@dataclass
class GitLabOAuth:
    client_id: str
    client_secret: str
    gitlab_url: str
    ca_bundle: Path | None = None
    name: str = "gitlab"
    label: str = "GitLab"

    def authorize_url(self, state: str, redirect_uri: str) -> str:
        query = urlencode({"client_id": self.client_id, "redirect_uri": redirect_uri,
                           "response_type": "code", "state": state, "scope": "read_api"})
        return f"{self.gitlab_url}/oauth/authorize?{query}"

    async def exchange(self, code: str, redirect_uri: str) -> str:
        body = await _call(
            self.ca_bundle, "POST", f"{self.gitlab_url}/oauth/token", "GitLab sign-in",
            data={"client_id": self.client_id, "client_secret": self.client_secret,
                  "code": code, "grant_type": "authorization_code",
                  "redirect_uri": redirect_uri},
        )
        if not isinstance(body, dict) or "access_token" not in body:
            raise OAuthError("GitLab refused the sign-in (no token)")
        return str(body["access_token"])

    async def login(self, token: str) -> str:
        body = await _call(self.ca_bundle, "GET", f"{self.gitlab_url}/api/v4/user", "GitLab /user",
                           headers={"Authorization": f"Bearer {token}"})
        return str(body["username"])

    async def readable_repos(self, token: str) -> frozenset[str]:
        keys: set[str] = set()
        next_url: str | None = f"{self.gitlab_url}/api/v4/projects?" + urlencode(
            {"membership": "true", "simple": "true", "per_page": PER_PAGE})
        async with client_session(self.ca_bundle, timeout=TIMEOUT,
                                  headers={"Authorization": f"Bearer {token}"}) as http:
            for _ in range(MAX_PAGES):
                if next_url is None:
                    break
                async with http.get(next_url) as response:
                    body = await _json(response, "GitLab /projects")
                    next_url = _next_link(response)
                keys.update(f"gitlab:{p['path_with_namespace']}" for p in body)
        return frozenset(keys)


def providers(settings: Settings) -> dict[str, Provider]:
    """The configured sign-in providers, by forge name."""
    found: dict[str, Provider] = {}
    if settings.github_client_id and settings.github_client_secret:
        found["github"] = GitHubOAuth(settings.github_client_id, settings.github_client_secret,
                                      settings.github_api_url, settings.ca_bundle)
    if settings.gitlab_oauth_client_id and settings.gitlab_oauth_client_secret:
        found["gitlab"] = GitLabOAuth(settings.gitlab_oauth_client_id,
                                      settings.gitlab_oauth_client_secret, settings.gitlab_url,
                                      settings.ca_bundle)
    return found
