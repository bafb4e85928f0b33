"""The dashboard wired to the fake GitHub with its OAuth endpoints, a store seeded with
changes, and a cookie-keeping HTTP client that signs in like a browser."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from mergegate.core.findings import Finding, Severity
from mergegate.core.policy import Policy
from mergegate.core.verdict import Dismissal, evaluate
from mergegate.core.verdict_counts import blocking_counts
from mergegate.forge.base import ChangeRef, RepoRef
from mergegate.service.payloads import change_to_dict
from mergegate.store.service_store import Store
from yarl import URL

from tests.e2e.github.conftest import Harness, fake, running_bot  # noqa: F401 (fixture)
from tests.fakes.github import FakeGitHub, Pull, Repo
from tests.fakes.github_oauth import FakeGitHubOAuth

CLIENT_ID = "Iv1.dashboardtest"
CLIENT_SECRET = "dashboard-test-client-secret"  # pragma: allowlist secret
SESSION_KEY = "dashboard-test-session-key-of-forty-chars!"  # pragma: allowlist secret
SIGN_IN = {"github_client_id": CLIENT_ID, "github_client_secret": CLIENT_SECRET,
           "session_key": SESSION_KEY}
NOW = dt.datetime.now(dt.UTC)


def finding(n: int, severity: Severity = Severity.HIGH, scanner: str = "sast") -> Finding:
    fp = f"{n:02d}" * 32
    return Finding(scanner, f"rule-{n}", severity, f"Finding {n}", "message", f"app/f{n}.py",
                   n, n, fp)


def seed_change(store: Store, repo: Repo, pull: Pull, found: list[Finding],
                dismissed: tuple[Dismissal, ...] = ()) -> None:
    """A completed scan of the pull request's head as `scan_change` stores it, and the job
    whose payload tells the installation (as a webhook would have)."""
    ref = RepoRef("github", repo.full_name, installation_id=str(repo.installation_id),
                  default_branch="main")
    change = ChangeRef(ref, pull.number, pull.head_sha, pull.base_sha, pull.base_ref,
                       pull.author)
    job = store.queue.enqueue("scan", change.key, {"change": change_to_dict(change),
                                                   "reason": "seeded"}, coalesce=False)
    store.queue.finish(job, "done")
    for d in dismissed:
        store.records.add_dismissal(ref.key, d)
    verdict = evaluate(found, Policy(), dismissals=list(dismissed), now=NOW)
    scan_id = store.records.start_scan(ref.key, pull.head_sha, pull.number, None)
    store.records.complete_scan(
        scan_id, conclusion=verdict.conclusion, found=found, policy_text=None,
        policy_source=None, org_policy_text=None, context={"author": pull.author},
        report_id=None, blocking=blocking_counts(verdict))
    store.records.audit(ref.key, "verdict", "mergegate", pull.head_sha,
                        f"{verdict.conclusion}: {verdict.summary}")


@dataclass
class Browserish:
    """An HTTP client that keeps cookies like a browser on a secure origin (the dashboard's
    cookies are Secure; the test server speaks plain HTTP on 127.0.0.1)."""

    base: str
    http: aiohttp.ClientSession

    async def get(self, path: str, **kw: Any) -> aiohttp.ClientResponse:
        return await self.http.get(self.base + path, allow_redirects=False, **kw)

    async def post(self, path: str, **kw: Any) -> aiohttp.ClientResponse:
        return await self.http.post(self.base + path, allow_redirects=False, **kw)

    def cookie(self, name: str) -> str | None:
        for c in self.http.cookie_jar:
            if c.key == name:
                return c.value
        return None

    async def sign_in(self, oauth: FakeGitHubOAuth, login: str, next_path: str = "/") -> str:
        """The whole web flow; returns where the dashboard sent the browser at the end."""
        oauth.signing_in = login
        r = await self.get(f"/login?next={next_path}")
        assert r.status == 302, await r.text()
        authorize = r.headers["Location"]
        r = await self.http.get(authorize, allow_redirects=False)  # the forge
        assert r.status == 302
        callback = urlsplit(r.headers["Location"])
        r = await self.get(f"{callback.path}?{callback.query}")
        assert r.status == 302, await r.text()
        return r.headers["Location"]

    async def csrf(self) -> str:
        text = await (await self.get("/")).text()
        marker = 'name="csrf" value="'
        start = text.index(marker) + len(marker)
        return text[start:text.index('"', start)]


@dataclass
class Board:
    h: Harness
    oauth: FakeGitHubOAuth
    store: Store

    @property
    def base(self) -> str:
        return str(self.h.client.make_url("")).rstrip("/")

    def browser(self) -> Browserish:
        jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[URL(self.base)])
        return Browserish(self.base, aiohttp.ClientSession(cookie_jar=jar))


@pytest.fixture
async def board(fake: FakeGitHub, fixtures: Path, app_private_key: str,  # noqa: F811
                tmp_path: Path) -> AsyncIterator[Board]:
    oauth = FakeGitHubOAuth.attach(fake, CLIENT_ID, CLIENT_SECRET)
    store = Store.open(f"sqlite:///{tmp_path / 'mergegate.db'}")
    async with running_bot(fake, fixtures, app_private_key, tmp_path, store, **SIGN_IN) as h:
        yield Board(h, oauth, store)


@pytest.fixture
async def browser(board: Board) -> AsyncIterator[Browserish]:
    b = board.browser()
    yield b
    await b.http.close()


def dismissal(fp: str, by: str = "maint", reason: str = "false-positive",
              expires: dt.datetime | None = None, role: str = "maintain") -> Dismissal:
    return Dismissal(fp, reason, by, NOW - dt.timedelta(hours=1), expires, "reviewed",
                     None, role=role)
