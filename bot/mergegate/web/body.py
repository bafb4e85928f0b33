"""Reading a webhook's body safely, for every forge's endpoint.

A body is unauthenticated until its signature is checked, and checking it needs the whole
body. So it is never held in memory whole: it streams through the HMAC into a spooled file
(in memory up to `SPOOL_BYTES`, on disk beyond), under a cap on its size, a deadline for the
whole read, and a limit on how many bodies are read at once. Hundreds of slow or huge unsigned
POSTs cost a few megabytes and a bounded number of file descriptors, and each gets an answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any

from aiohttp import web

MAX_BODY_BYTES = 25 * 1024 * 1024
READ_TIMEOUT_S = 10.0
CONCURRENT_READS = 16
SPOOL_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64


class BodyRefused(Exception):
    """The body was not read; ``status`` and ``message`` are the answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Body:
    """A received body: spooled bytes and, when a key was given, its HMAC-SHA256 hex digest."""

    file: IO[bytes]
    size: int
    digest: str | None = None

    def read(self) -> bytes:
        self.file.seek(0)
        return self.file.read()

    def close(self) -> None:
        self.file.close()


@dataclass
class BodyReader:
    """Reads bodies under a size cap, a deadline and a limit on concurrent reads."""

    limit: int = MAX_BODY_BYTES
    timeout: float = READ_TIMEOUT_S
    concurrency: int = CONCURRENT_READS
    _gate: asyncio.Semaphore | None = field(default=None, init=False, repr=False)

    async def read(self, request: web.Request, hmac_key: bytes | None = None) -> Body:
        """The body, streamed through HMAC-SHA256 with ``hmac_key`` when given.

        Raises BodyRefused: 413 over the cap (declared or sent), 408 when the body (including
        the wait for a reading slot) does not arrive within the deadline.
        """
        if request.content_length is not None and request.content_length > self.limit:
            raise BodyRefused(413, f"payload over {self.limit // (1024 * 1024)} MB")
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.concurrency)
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        mac = hmac.new(hmac_key, digestmod=hashlib.sha256) if hmac_key is not None else None
        size = 0
        try:
            async with asyncio.timeout(self.timeout), self._gate:
                async for chunk in request.content.iter_chunked(65536):
                    size += len(chunk)
                    if size > self.limit:
                        raise BodyRefused(413, f"payload over {self.limit // (1024 * 1024)} MB")
                    if mac is not None:
                        mac.update(chunk)
                    spool.write(chunk)
        except TimeoutError:
            spool.close()
            raise BodyRefused(408, f"the body did not arrive within {self.timeout:g} s") from None
        except BaseException:
            spool.close()
            raise
        return Body(spool, size, mac.hexdigest() if mac is not None else None)


def json_depth_ok(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a parsed JSON value nests at most ``limit`` levels (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return True


def parse_json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; BodyRefused(400) when it is not one, or nests too deep."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BodyRefused(400, "malformed JSON") from None
    except RecursionError:
        raise BodyRefused(400, f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    if not isinstance(data, dict):
        raise BodyRefused(400, "the payload must be a JSON object")
    if not json_depth_ok(data):
        raise BodyRefused(400, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return data
