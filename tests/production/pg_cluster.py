"""A database the tests may restart: a private PostgreSQL cluster on 127.0.0.1 (initdb into a
temporary folder, a free port) when the server binaries are installed, so a test can really stop
and start the server mid-run; otherwise a database on the shared test server whose "restart"
refuses connections and drops every open one (what clients see), leaving other databases alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import warnings
from pathlib import Path

import psycopg


def _bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateCluster:
    """A throw-away PostgreSQL server owned by this test (stopped and deleted at close)."""

    kind = "private cluster (real restart)"

    @staticmethod
    def available() -> str | None:
        """None when a private cluster can be made here, else the reason it cannot."""
        if _bindir() is None:
            return "no PostgreSQL server binaries (initdb, pg_ctl)"
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                return "running as root without runuser to start PostgreSQL as its user"
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no postgres user to run PostgreSQL as"
        return None

    def __init__(self) -> None:
        bindir = _bindir()
        assert bindir is not None
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="mergegate-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            self.prefix = ["runuser", "-u", "postgres", "--"]
        else:
            self.prefix = []
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE mergegate")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/mergegate"

    @property
    def server_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            [*self.prefix, str(self.bindir / tool), *args],
            check=True, capture_output=True, timeout=timeout,
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c shared_buffers=16MB -c max_connections=100"
            # a client that opened a connection but never sent its start-up packet (starved of
            # CPU, or cancelled mid-connect) holds a shutdown for this long: 60 s by default
            " -c authentication_timeout=5s"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "start")  # fmt: skip

    def stop(self, mode: str = "fast", timeout: float = 60) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", timeout=timeout)

    async def restart(self, down_seconds: float) -> None:
        """Stop the server (fast shutdown: every connection is cut), wait, start it again.

        A fast shutdown that has not finished after 20 s becomes an immediate one, as after a
        crash (clients see the same: every connection cut). On a loaded two-core machine a fast
        shutdown took over 20 s now and then: its checkpoint was done at once, and the server
        waited for a connection that never sent its start-up packet (authentication_timeout)."""
        try:
            await asyncio.to_thread(self.stop, "fast", 20)
        except subprocess.TimeoutExpired:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
            warnings.warn(f"fast shutdown over 20 s, now immediate; server log:\n{tail}",
                          stacklevel=2)
            await asyncio.to_thread(self.stop, "immediate")
        await asyncio.sleep(down_seconds)
        await asyncio.to_thread(self.start)

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class SharedServerDatabase:
    """A database on the shared test server; :meth:`restart` simulates a restart for it."""

    kind = "shared server (connections cut and refused)"

    def __init__(self, server_url: str, url: str) -> None:
        self.server_url = server_url
        self.url = url
        self.name = url.rsplit("/", 1)[1]

    async def restart(self, down_seconds: float) -> None:
        async with await psycopg.AsyncConnection.connect(self.server_url, autocommit=True) as admin:
            await admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.name,),
            )
            await asyncio.sleep(down_seconds)
            await admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    def close(self) -> None:
        pass
