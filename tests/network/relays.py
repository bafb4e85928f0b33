"""Real network pieces for the proxy and CA tests, each served from a background thread:

- `RecordingProxy`: an HTTP proxy (CONNECT tunnels for https, absolute-form requests for
  http) that records every request and sends every host to 127.0.0.1 — so a client can reach
  a `*.mergegate.test` name only through it;
- `tls_front`: TLS termination (a certificate of our own CA) in front of a plain local server.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.contextmanager
def _serving(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> Iterator[int]:
    """Serve `handler` on 127.0.0.1 from a thread of its own; yield the port."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    ports: list[int] = []
    servers: list[asyncio.Server] = []

    async def start() -> None:
        server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=ssl_context)
        servers.append(server)
        ports.append(server.sockets[0].getsockname()[1])
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield ports[0]
    finally:
        async def stop() -> None:
            servers[0].close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _splice(a: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                  b: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
    await asyncio.gather(_pipe(a[0], b[1]), _pipe(b[0], a[1]))


@dataclass
class RecordingProxy:
    requests: list[str] = field(default_factory=list)  # "CONNECT host:port", "GET http://…"
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        self.requests.append(f"{method} {target}")
        if method == "CONNECT":
            port = int(target.rsplit(":", 1)[1])
            upstream = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await _splice((reader, writer), upstream)
            return
        url = urlsplit(target)
        headers = [h for h in lines[1:] if h and not h.lower().startswith(
            ("proxy-", "connection:", "keep-alive:"))]
        length = next((int(h.split(":", 1)[1]) for h in headers
                       if h.lower().startswith("content-length:")), 0)
        body = await reader.readexactly(length) if length else b""
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", url.port or 80)
        path = url.path + (f"?{url.query}" if url.query else "")
        up_writer.write(f"{method} {path or '/'} HTTP/1.1\r\n".encode()
                        + "".join(f"{h}\r\n" for h in headers).encode()
                        + b"Connection: close\r\n\r\n" + body)
        await up_writer.drain()
        writer.write(await up_reader.read())  # the whole answer: the server closes after it
        await writer.drain()
        writer.close()
        up_writer.close()


@contextlib.contextmanager
def recording_proxy() -> Iterator[RecordingProxy]:
    proxy = RecordingProxy()
    with _serving(proxy.handle) as port:
        proxy.port = port
        yield proxy


@contextlib.contextmanager
def tls_front(target_port: int, server_context: ssl.SSLContext) -> Iterator[int]:
    """A TLS port whose connections are relayed to the plain server on `target_port`."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            writer.close()
            return
        await _splice((reader, writer), upstream)

    with _serving(handle, server_context) as port:
        yield port
