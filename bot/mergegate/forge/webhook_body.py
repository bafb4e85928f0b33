"""Reading a webhook's body with a size cap, for every forge's endpoint."""

from __future__ import annotations

from aiohttp import web

MAX_BODY_BYTES = 25 * 1024 * 1024


async def read_body(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The raw body, or None when it is over `limit` bytes (declared or actually sent)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(65536):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
