"""Benchmark of the scale-out deployment on this machine: PostgreSQL, one server process
(webhooks only), `mergegate worker` processes, the fake GitHub (tests/fakes/github.py).

It prints:
- throughput in scans per minute with 1, 2 and 4 workers (one job at a time each; real
  scanners, Semgrep included) and the scaling ratio against one worker (median of RUNS);
- delivery-to-scan-start latency (ack of the webhook to the check run created in progress,
  p50/p99) with idle workers, and the queue pick-up latency p99 read from the workers'
  `mergegate_queue_pickup_seconds` histogram (bucket upper bound);
- webhook acknowledgement latency p50/p99/max at RATE deliveries/s for DURATION s with
  PostgreSQL and two busy workers, and whether every delivery was recorded.

Usage: python bench/bench_workers.py [--postgres URL] [--prs 16] [--workers 1 2 4] [--runs 1]
       [--rate 200] [--duration 10]
PostgreSQL: --postgres, else MERGEGATE_TEST_POSTGRES_URL, else postgresql://postgres@127.0.0.1/test
(a fresh database is created and dropped). Budgets (issue 7): ack p99 < 50 ms at 200/s,
pick-up p99 < 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import fixtures_dir, free_port, pct, sign  # noqa: E402

from tests.e2e.github.payloads import Payloads  # noqa: E402
from tests.fakes.github import FakeGitHub, Pull  # noqa: E402

SECRET = "bench-secret"
APP_ID = "4242"
CODE = """import subprocess


def run(cmd: str) -> str:
    return subprocess.check_output(cmd, shell=True).decode()


def add(a: int, b: int) -> int:
    return a + b
"""
BASE = {"README.md": "# bench\n", "app/__init__.py": ""}


class TimedFake(FakeGitHub):
    """The fake GitHub, noting when each check run was created (by head sha)."""

    created_at: dict[str, float]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.method == "POST" and request.path.endswith("/check-runs"):
            body = json.loads(await request.read() or b"{}")
            self.created_at.setdefault(str(body.get("head_sha")), time.monotonic())
        return await super()._handle(request)


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []
        self.number = 0

    async def setup(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self.fake = TimedFake(fixtures_dir() / "github" / "openapi-subset.json", APP_ID, key.public_key())
        self.fake.created_at = {}
        await self.fake.start()
        self.repo = self.fake.repo("acme/bench")
        self.payloads = Payloads(fixtures_dir(), self.fake.url)
        server = self.args.postgres
        self.dbname = f"mergegate_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.dbname}"')
        self.db_url = server.rsplit("/", 1)[0] + "/" + self.dbname
        empty = self.tmp / "osv"
        empty.mkdir()
        self.env = {
            **os.environ,
            "MERGEGATE_DATABASE_URL": self.db_url,
            "GITHUB_APP_ID": APP_ID,
            "GITHUB_PRIVATE_KEY": pem,
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "GITHUB_API_URL": self.fake.url,
            "MERGEGATE_OSV_DB": str(empty),
            "MERGEGATE_OSV_URL": self.fake.url,
            "MERGEGATE_DEPS_DEV_URL": self.fake.url,
            "MERGEGATE_LOG_FORMAT": "json",
        }
        port = free_port()
        self.serve_url = f"http://127.0.0.1:{port}"
        argv = [sys.executable, "-m", "mergegate.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        self.spawn("serve", argv)
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        await self.until(self.healthy, 60)

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{name}-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen(argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def start_workers(self, n: int) -> list[tuple[subprocess.Popen[bytes], int]]:
        out = []
        for i in range(n):
            port = free_port()
            argv = [sys.executable, "-m", "mergegate.cli", "worker", "--concurrency", "1",
                    "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
            out.append((self.spawn(f"worker{i}", argv), port))
        return out

    async def stop_workers(self, workers: list[tuple[subprocess.Popen[bytes], int]]) -> None:
        for proc, _ in workers:
            proc.send_signal(signal.SIGTERM)
        for proc, _ in workers:
            await asyncio.to_thread(proc.wait, 60)

    async def healthy(self, url: str | None = None) -> bool:
        try:
            async with self.http.get(f"{url or self.serve_url}/healthz") as r:
                return r.status == 200
        except aiohttp.ClientError:
            return False

    async def until(self, check: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await check():
                return
            await asyncio.sleep(0.05)
        raise TimeoutError(f"not reached in {timeout} s")

    async def deliver(self, event: str, payload: dict[str, Any]) -> tuple[int, float]:
        body = json.dumps(payload).encode()
        headers = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, SECRET),
        }
        started = time.perf_counter()
        async with self.http.post(f"{self.serve_url}/webhooks/github", data=body, headers=headers) as r:
            await r.read()
            return r.status, time.perf_counter() - started

    def new_pull(self) -> Pull:
        self.number += 1
        files = {**BASE, f"app/mod{self.number}.py": CODE.replace("add", f"add{self.number}")}
        return self.fake.open_pull(self.repo, self.number, BASE, files)

    def completed(self, pull: Pull) -> bool:
        runs = self.fake.check_runs(self.repo, pull.head_sha)
        return bool(runs) and all(r["status"] == "completed" for r in runs)

    async def all_completed(self, pulls: list[Pull]) -> bool:
        return all(self.completed(p) for p in pulls)

    async def throughput(self, workers: int) -> float:
        procs = self.start_workers(workers)
        for _, port in procs:
            await self.until(lambda p=port: self.healthy(f"http://127.0.0.1:{p}"), 60)
        warm = [self.new_pull() for _ in range(workers)]  # every worker loads its scanners
        for pull in warm:
            await self.deliver("pull_request", self.payloads.pull_request("opened", self.repo, pull))
        await self.until(lambda: self.all_completed(warm), 300)
        pulls = [self.new_pull() for _ in range(self.args.prs)]
        started = time.perf_counter()
        for pull in pulls:
            await self.deliver("pull_request", self.payloads.pull_request("opened", self.repo, pull))
        await self.until(lambda: self.all_completed(pulls), 900)
        minutes = (time.perf_counter() - started) / 60
        await self.stop_workers(procs)
        return self.args.prs / minutes

    async def pickup_lines(self, procs: list[tuple[subprocess.Popen[bytes], int]]) -> list[str]:
        lines: list[str] = []
        for _, port in procs:
            async with self.http.get(f"http://127.0.0.1:{port}/metrics") as r:
                text = await r.text()
            lines += [line for line in text.splitlines() if line.startswith("mergegate_queue_pick")]
        return lines

    async def pickup(self) -> tuple[list[float], str]:
        procs = self.start_workers(2)
        for _, port in procs:
            await self.until(lambda p=port: self.healthy(f"http://127.0.0.1:{p}"), 60)
        warm = self.new_pull()
        await self.deliver("pull_request", self.payloads.pull_request("opened", self.repo, warm))
        await self.until(lambda: self.all_completed([warm]), 300)
        before = await self.pickup_lines(procs)
        latencies: list[float] = []
        for _ in range(30):
            pull = self.new_pull()
            acked = time.monotonic()
            _, seconds = await self.deliver(
                "pull_request", self.payloads.pull_request("opened", self.repo, pull)
            )
            acked += seconds
            await self.until(lambda p=pull: self.all_completed([p]), 300)
            latencies.append(self.fake.created_at[pull.head_sha] - acked)
        histogram = bucket_counts(await self.pickup_lines(procs), minus=bucket_counts(before))
        await self.stop_workers(procs)
        return latencies, p99_bucket(histogram)

    def recorded_deliveries(self) -> int:
        with psycopg.connect(self.db_url) as conn:
            row = conn.execute("SELECT count(*) FROM deliveries").fetchone()
        return int(row[0]) if row else 0

    async def acks(self, workers: int) -> tuple[list[float], int, int]:
        procs = self.start_workers(workers)
        before = self.recorded_deliveries()
        pulls = [self.new_pull() for _ in range(100)]
        total = int(self.args.rate * self.args.duration)
        latencies: list[float] = []
        failures = 0

        async def one(i: int) -> None:
            nonlocal failures
            pull = pulls[i % len(pulls)]
            payload = self.payloads.pull_request("synchronize", self.repo, pull)
            try:
                status, seconds = await self.deliver("pull_request", payload)
            except aiohttp.ClientError:
                failures += 1
                return
            if status >= 300:
                failures += 1
            latencies.append(seconds)

        start = time.perf_counter()
        tasks = []
        for i in range(total):
            delay = start + i / self.args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        recorded = self.recorded_deliveries() - before
        await self.stop_workers(procs)
        return latencies, failures, recorded

    async def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        await self.http.close()
        await self.fake.close()
        with psycopg.connect(self.args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')


def bucket_counts(lines: list[str], minus: dict[float, float] | None = None) -> dict[float, float]:
    """Cumulative histogram counts by upper bound, summed over workers (less ``minus``)."""
    buckets: dict[float, float] = {}
    for line in lines:
        if "_bucket{" in line:
            le = float(line.split('le="', 1)[1].split('"', 1)[0])
            buckets[le] = buckets.get(le, 0.0) + float(line.rsplit(" ", 1)[1])
    for le, count in (minus or {}).items():
        buckets[le] = buckets.get(le, 0.0) - count
    return buckets


def p99_bucket(buckets: dict[float, float]) -> str:
    """The smallest histogram bucket holding 99% of the observed pick-ups."""
    total = buckets.get(float("inf"), 0.0)
    if total <= 0:
        return "no pick-ups observed"
    for le, count in sorted(buckets.items()):
        if count >= 0.99 * total:
            return f"<= {le * 1000:.0f} ms ({int(total)} pick-ups)"
    return "> largest bucket"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("MERGEGATE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--prs", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--ack-workers", type=int, nargs="*", default=[0, 2])
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mergegate-bench-") as tmp:
        bench = Bench(args, Path(tmp))
        await bench.setup()
        try:
            print(f"cpus: {os.cpu_count()}; {args.prs} one-file PRs per run, real scanners")
            rates: dict[int, float] = {}
            for n in [] if args.skip_throughput else args.workers:
                runs = [await bench.throughput(n) for _ in range(args.runs)]
                rates[n] = statistics.median(runs)
                base = rates[args.workers[0]]
                print(
                    f"throughput, {n} worker(s): {rates[n]:.1f} scans/min "
                    f"(x{rates[n] / base:.2f} of {args.workers[0]}; runs {len(runs)})",
                    flush=True,
                )
            latencies, histogram = await bench.pickup()
            print(
                f"delivery ack -> check run in progress (idle workers, {len(latencies)}): "
                f"p50 {pct(latencies, 0.5) * 1000:.0f} ms, p99 {pct(latencies, 0.99) * 1000:.0f} ms"
            )
            print(f"queue pick-up p99 (worker histogram): {histogram}")
            for busy in args.ack_workers:
                await report_acks(bench, args, busy)
        finally:
            await bench.close()


async def report_acks(bench: Bench, args: argparse.Namespace, workers: int) -> None:
    acks, failures, recorded = await bench.acks(workers)
    print(
        f"webhook ack at {args.rate:.0f}/s for {args.duration:.0f} s, {workers} workers: "
        f"p50 {pct(acks, 0.5) * 1000:.1f} ms, p99 {pct(acks, 0.99) * 1000:.1f} ms, "
        f"max {max(acks) * 1000:.1f} ms; {failures} not acknowledged; "
        f"{recorded} of {int(args.rate * args.duration)} deliveries recorded"
    )


if __name__ == "__main__":
    asyncio.run(main())
