"""python-gitlab, which is synchronous, run through a bounded thread pool.

Every call the forge makes goes through `GitLabClient.call`: the blocking python-gitlab call
runs in this client's own executor (never the event loop, never the default executor that
scans use), at most ``max_threads`` at a time. Transient answers (500, 502, 503, 504) and 429
are retried by python-gitlab itself with exponential backoff (0.1 s, 0.2 s, 0.4 s, ...),
honouring ``Retry-After``; errors that remain become `ForgeError` / `NotFound`.

A POST is not repeated blindly: GitLab (or a proxy in front of it) may answer 502 or time out
after it has created the note, and repeating it would post the note twice. Only 429 (nothing
was done) is retried for a POST, plus the few POSTs whose repetition changes nothing
(`_REPEATABLE_POST`). Notes and discussions go through `create_once`, which looks for the
object (by its hidden marker) before posting again.

The token travels only in the ``PRIVATE-TOKEN`` header, to GitLab only: requests keeps
custom headers on a redirect, so a download GitLab redirects to another host (an LFS object in
object storage) would carry it there; `TokenSafeSession` drops it whenever requests drops an
``Authorization`` header. It is never logged or formatted into an error message.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import gitlab
import gitlab.const
import gitlab.exceptions
import requests

from mergegate.forge.base import ForgeError, NotFound
from mergegate.network import requests_verify

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_RETRIES = 5  # 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s of backoff at most, plus Retry-After
DEFAULT_THREADS = 8
USER_AGENT = "mergegate"
# POSTs that set a state rather than add something people read: a commit status (GitLab
# refuses the same state twice), an external status check answer (the latest one counts) and a
# deployment approval (one per user). python-gitlab may repeat these after a 5xx.
_REPEATABLE_POST = re.compile(
    r"/statuses/[0-9a-f]{40}$|/status_check_responses$|/deployments/\d+/approval$"
)
TRANSIENT = frozenset(gitlab.const.RETRYABLE_TRANSIENT_ERROR_CODES)


TOKEN_HEADERS = ("PRIVATE-TOKEN", "JOB-TOKEN")


class TokenSafeSession(requests.Session):
    """A session that treats GitLab's token headers as credentials on redirects."""

    def rebuild_auth(self, prepared_request: requests.PreparedRequest,
                     response: requests.Response) -> None:
        super().rebuild_auth(prepared_request, response)
        if response.request.url and prepared_request.url and self.should_strip_auth(
                response.request.url, prepared_request.url):
            for name in TOKEN_HEADERS:
                prepared_request.headers.pop(name, None)


class GitLabApiError(ForgeError):
    """GitLab answered an error after the retries; ``status`` is its HTTP status (or None)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _Gitlab(gitlab.Gitlab):
    """python-gitlab with a bounded number of retries on every request."""

    max_retries = MAX_RETRIES

    def http_request(self, verb: str, path: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("max_retries", self.max_retries)
        if verb.lower() == "post" and not _REPEATABLE_POST.search(path.split("?", 1)[0]):
            kwargs["retry_transient_errors"] = False
        return super().http_request(verb, path, *args, **kwargs)


def is_transient(exc: BaseException) -> bool:
    """A failure after which a POST may or may not have been applied: a 5xx, or no answer."""
    return isinstance(exc, GitLabApiError) and (exc.status is None or exc.status in TRANSIENT)


def status_of(exc: BaseException) -> int | None:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, GitLabApiError):
        return exc.status
    return None


def error_message(exc: BaseException) -> str:
    """What GitLab said, without anything from the request (its headers hold the token)."""
    if isinstance(exc, gitlab.exceptions.GitlabError):
        message = exc.error_message
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        return f"HTTP {exc.response_code}: {str(message)[:300]}"
    return type(exc).__name__


class GitLabClient:
    def __init__(
        self, url: str, token: str, *, max_threads: int = DEFAULT_THREADS,
        timeout: float = 60.0, max_retries: int = MAX_RETRIES, ca_bundle: Path | None = None,
    ) -> None:
        self.gl = _Gitlab(
            url, private_token=token, timeout=timeout, retry_transient_errors=True,
            user_agent=USER_AGENT, per_page=100, ssl_verify=requests_verify(ca_bundle),
            session=TokenSafeSession(),
        )  # requests honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY itself
        self.gl.max_retries = max_retries
        self.max_retries = max_retries
        self.pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_threads, thread_name_prefix="mergegate-gitlab"
        )

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking python-gitlab call in the pool; GitLab errors become ForgeErrors."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(self.sync, fn, *args,
                                                                       **kwargs))

    async def create_once(self, create: Callable[[], T], find: Callable[[], T | None]) -> T:
        """POST something that must exist once (a note, a discussion, an award).

        `create` posts it; `find` looks for it (by its marker) and returns it, or None. After
        a transient failure the POST may have been applied all the same, so it is posted again
        only when `find` does not see it, with the client's backoff between attempts. Any
        other error, or a `find` that fails, is raised: a missing note is retried later by
        the job, a duplicate could never be taken back.
        """
        attempt = 0
        while True:
            try:
                return await self.call(create)
            except GitLabApiError as exc:
                if not is_transient(exc) or attempt >= self.max_retries:
                    raise
                log.info("GitLab answered %s to a POST: looking for its result before posting "
                         "again", exc.status or "nothing")
            found = await self.call(find)
            if found is not None:
                return found
            await asyncio.sleep(0.1 * 2**attempt)
            attempt += 1

    @staticmethod
    def sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """The same, for a caller already in a worker thread (a scanner reading base files)."""
        try:
            return fn(*args, **kwargs)
        except gitlab.exceptions.GitlabError as exc:
            if exc.response_code == 404:
                raise NotFound(error_message(exc)) from None
            raise GitLabApiError(f"GitLab answered {error_message(exc)}",
                                 exc.response_code) from None
        except requests.RequestException as exc:
            raise GitLabApiError(f"GitLab could not be reached: {type(exc).__name__}") from None

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.gl.session.close()
