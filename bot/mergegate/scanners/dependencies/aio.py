"""Running the HTTP adapters' coroutines from synchronous scanner code."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

from yarl import URL

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, also when this thread already runs an event loop (then the coroutine
    runs on a fresh loop in a helper thread, and this thread waits for it)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def shown_url(url: str) -> str:
    """A URL as messages may show it: without any user name or password."""
    try:
        return str(URL(url).with_user(None))
    except (TypeError, ValueError):
        return "<invalid URL>"
