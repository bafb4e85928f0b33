"""Downloads that GitHub answers with a redirect to a signed URL (a run's logs, an artifact).

The redirect is followed by hand: the installation token goes to GitHub only, never to the
storage host of the redirect. The body is streamed to a file under a size cap; 5xx and
connection failures are retried with the client's backoff, a 401 once with a fresh token.
Every failure is a `ForgeError` of the caller's type whose message says why, in the words of
`Terms`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any, Protocol
from urllib.parse import urljoin

import aiohttp
from gidgethub import sansio

from mergegate.forge.base import ForgeError, RepoRef
from mergegate.forge.github.auth import AppAuth
from mergegate.forge.github.client import USER_AGENT, GitHubClient

# A large zip may take longer than the session's overall limit; a stalled one may not.
DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=60)


class Downloader(Protocol):
    """What a download needs of the GitHub forge (`GitHubForge` has it)."""

    client: GitHubClient
    auth: AppAuth


@dataclass(frozen=True, slots=True)
class Terms:
    """How the messages name the thing downloaded."""

    subject: str  # "the logs"
    gone: str  # "have expired or were deleted"
    storage: str  # "the log storage"
    expired: str  # "have expired"
    download: str  # "the logs download"
    transfer: str  # "the log download"
    over: str  # "are over"


LOGS = Terms("the logs", "have expired or were deleted", "the log storage", "have expired",
             "the logs download", "the log download", "are over")
ARTIFACT = Terms("the artifact", "has expired or was deleted", "the artifact storage",
                 "has expired", "the artifact download", "the artifact download", "is over")


async def download_redirected(
    forge: Downloader, repo: RepoRef, url: str, url_vars: Mapping[str, Any], dest: IO[bytes],
    limit: int, *, terms: Terms, error: type[ForgeError],
) -> None:
    """Write the body behind ``url`` (a GitHub endpoint answering a redirect) to ``dest``."""
    client, auth = forge.client, forge.auth
    if not repo.installation_id:
        raise error("the event names no App installation")
    full = sansio.format_url(url, url_vars, base_url=client.base_url)
    attempt = 0
    refreshed = False
    while True:
        attempt += 1
        token = await auth.token(repo.installation_id)
        headers = {"authorization": f"token {token}", "user-agent": USER_AGENT,
                   "accept": "application/vnd.github+json"}
        try:
            async with client.session.get(full, headers=headers, allow_redirects=False) as resp:
                status, location = resp.status, resp.headers.get("Location")
                if client.metrics is not None:
                    client.metrics.record_api_call("github", "GET", status)
                if status == 200:  # served directly (some GitHub Enterprise set-ups)
                    dest.seek(0)
                    dest.truncate()  # a retry after a broken transfer starts afresh
                    await stream(resp, dest, limit, terms, error)
                    return
        except (TimeoutError, aiohttp.ClientConnectionError) as exc:
            status, location = 0, None
            reason = type(exc).__name__
        else:
            reason = f"HTTP {status}"
        if status in (301, 302, 303, 307, 308) and location:
            break
        if status == 401 and not refreshed:
            auth.invalidate(repo.installation_id, token)
            refreshed = True
            continue
        if status in (404, 410):
            raise error(f"GitHub answered {reason}: {terms.subject} {terms.gone}")
        if status == 403:
            raise error(f"GitHub answered {reason}: the App needs the `actions: read` "
                        "permission")
        if (status == 0 or status >= 500) and attempt < client.retry.attempts:
            await client.sleep(client.retry.backoff(attempt))
            continue
        raise error(f"GitHub answered {reason} to {terms.download}")
    target = urljoin(full, location)
    # The signed URL carries its own authorisation: no token goes to the storage host.
    try:
        async with client.session.get(target, headers={"user-agent": USER_AGENT},
                                      timeout=DOWNLOAD_TIMEOUT) as resp:
            if resp.status in (404, 410):
                raise error(f"{terms.storage} answered HTTP {resp.status}: {terms.subject} "
                            f"{terms.expired}")
            if resp.status != 200:
                raise error(f"{terms.storage} answered HTTP {resp.status}")
            await stream(resp, dest, limit, terms, error)
    except (TimeoutError, aiohttp.ClientConnectionError) as exc:
        raise error(f"{terms.transfer} failed: {type(exc).__name__}") from None


async def stream(resp: aiohttp.ClientResponse, dest: IO[bytes], limit: int, terms: Terms,
                 error: type[ForgeError]) -> None:
    too_big = error(f"{terms.subject} {terms.over} the {limit:,}-byte limit: not read")
    if resp.content_length is not None and resp.content_length > limit:
        raise too_big
    total = 0
    async for chunk in resp.content.iter_chunked(1 << 16):
        total += len(chunk)
        if total > limit:
            raise too_big
        dest.write(chunk)
