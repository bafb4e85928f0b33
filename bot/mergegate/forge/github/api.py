"""Installation-scoped calls: every request carries the installation's token; a 401 drops
the cached token and the request is made once more with a fresh one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import gidgethub
from gidgethub import sansio

from mergegate.forge.base import ForgeError
from mergegate.forge.github.auth import AppAuth
from mergegate.forge.github.client import USER_AGENT, GitHubClient, status_of

JSON_ACCEPT = "application/vnd.github+json"


class Api:
    def __init__(self, client: GitHubClient, auth: AppAuth) -> None:
        self.client = client
        self.auth = auth

    async def _token(self, installation_id: str | None) -> str:
        if not installation_id:
            raise ForgeError("the event names no App installation: cannot authenticate")
        return await self.auth.token(installation_id)

    async def request(
        self,
        installation_id: str | None,
        method: str,
        url: str,
        url_vars: Mapping[str, Any] | None = None,
        data: Any = None,
    ) -> Any:
        for attempt in (1, 2):
            token = await self._token(installation_id)
            try:
                if method == "GET":
                    return await self.client.getitem(url, url_vars or {}, oauth_token=token)
                if method == "POST":
                    return await self.client.post(
                        url, url_vars or {}, data=data if data is not None else b"",
                        oauth_token=token,
                    )
                if method == "PATCH":
                    return await self.client.patch(url, url_vars or {}, data=data,
                                                   oauth_token=token)
                raise ValueError(f"unsupported method {method}")
            except gidgethub.HTTPException as exc:
                if status_of(exc) == 401 and attempt == 1 and installation_id:
                    self.auth.invalidate(installation_id, token)
                    continue
                raise
        raise ForgeError("unreachable")  # pragma: no cover

    async def iterate(
        self,
        installation_id: str | None,
        url: str,
        url_vars: Mapping[str, Any] | None = None,
        iterable_key: str | None = None,
    ) -> AsyncIterator[Any]:
        """Every item of a paginated list (following ``Link: rel=next``)."""
        token = await self._token(installation_id)
        kwargs: dict[str, Any] = {"oauth_token": token}
        if iterable_key is not None:
            kwargs["iterable_key"] = iterable_key
        try:
            async for item in self.client.getiter(url, url_vars or {}, **kwargs):
                yield item
        except gidgethub.HTTPException as exc:
            if status_of(exc) == 401 and installation_id:
                self.auth.invalidate(installation_id, token)
            raise

    async def download(
        self, installation_id: str | None, url: str, limit: int
    ) -> bytes:
        """A binary body (the tarball), following redirects, refusing more than ``limit``."""
        token = await self._token(installation_id)
        full = sansio.format_url(url, {}, base_url=self.client.base_url)
        headers = {"authorization": f"token {token}", "user-agent": USER_AGENT,
                   "accept": JSON_ACCEPT}
        async with self.client.session.get(full, headers=headers) as resp:
            if resp.status != 200:
                raise ForgeError(f"download of {url.split('?')[0]} failed: HTTP {resp.status}")
            if resp.content_length is not None and resp.content_length > limit:
                raise ForgeError(f"download is {resp.content_length} bytes, over {limit}")
            chunks: list[bytes] = []
            total = 0
            async for chunk in resp.content.iter_chunked(65536):
                total += len(chunk)
                if total > limit:
                    raise ForgeError(f"download is over the {limit}-byte limit")
                chunks.append(chunk)
        return b"".join(chunks)
