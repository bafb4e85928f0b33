"""Benchmark of the GitHub App against the fake GitHub (tests/fakes/github.py) on this machine.

`mergegate serve` runs as a separate process (real SQLite store, real scanners); this script
plays GitHub (the fake API on 127.0.0.1) and the webhook sender. It prints:

- webhook acknowledgement latency (p50/p99/max) at RATE deliveries/s for DURATION s, and
  whether every delivery was acknowledged and recorded;
- a one-file PR from delivery to completed check run (median of RUNS);
- a dismissal comment to the updated check run (median of RUNS);
- how many scans 10 pushes to one PR within 5 s cause;
- the service's resident memory when idle (after start-up, and after the load).

Usage: python bench/bench_github.py [--rate 200] [--duration 30] [--runs 5]
Budgets (issue 5): p99 < 50 ms with none lost; PR < 3 s; dismissal < 1 s; <= 2 scans; < 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import fixtures_dir, free_port, pct, sign, tree_rss_mb  # noqa: E402

from tests.e2e.github import scenario as sc  # noqa: E402
from tests.e2e.github.payloads import Payloads  # noqa: E402
from tests.fakes.github import FakeGitHub  # noqa: E402

SECRET = "bench-secret"
APP_ID = "4242"


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()
        self.fake = FakeGitHub(fixtures_dir() / "github" / "openapi-subset.json", APP_ID,
                               key.public_key())
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = tmp / "bench.db"
        self.proc: subprocess.Popen[bytes] | None = None
        self.session: aiohttp.ClientSession | None = None
        self.next_pr = 100

    async def start(self) -> None:
        await self.fake.start()
        self.payloads = Payloads(fixtures_dir(), self.fake.url)
        self.repo = self.fake.repo("Codertocat/Hello-World")
        self.repo.permissions["maint"] = ("write", "maintain")
        (self.tmp / "osv").mkdir()
        env = {**os.environ, "MERGEGATE_DATABASE_URL": f"sqlite:///{self.db}",
               "GITHUB_APP_ID": APP_ID, "GITHUB_PRIVATE_KEY": self.pem,
               "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": self.fake.url,
               "MERGEGATE_OSV_DB": str(self.tmp / "osv"), "MERGEGATE_OSV_URL": self.fake.url,
               "MERGEGATE_DEPS_DEV_URL": self.fake.url, "MERGEGATE_WORKERS": "2",
               "MERGEGATE_SCANNER_IDLE_TIMEOUT": str(self.args.idle_timeout)}
        self.log = (self.tmp / "serve.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mergegate.cli", "serve", "--host", "127.0.0.1",
             "--port", str(self.port)], cwd=ROOT, env=env, stdout=self.log,
            stderr=subprocess.STDOUT)
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                async with self.session.get(self.url + "/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        raise SystemExit("the service did not start; see serve.log")

    async def stop(self) -> None:
        if self.session:
            await self.session.close()
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        await self.fake.close()

    async def deliver(self, event: str, payload: dict[str, Any], delivery: str) -> tuple[int, float]:
        assert self.session is not None
        body = json.dumps(payload).encode()
        headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
                   "X-Hub-Signature-256": sign(body, SECRET), "Content-Type": "application/json"}
        started = time.perf_counter()
        async with self.session.post(self.url + "/webhooks/github", data=body,
                                     headers=headers) as r:
            await r.read()
            return r.status, time.perf_counter() - started

    async def idle(self, timeout: float = 600) -> None:
        assert self.session is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            async with self.session.get(self.url + "/healthz") as r:
                if (await r.json())["jobs_pending"] == 0:
                    return
            await asyncio.sleep(0.05)
        raise SystemExit("jobs still pending")

    async def wait_completed(self, sha: str, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = [r for r in self.fake.check_runs(self.repo, sha) if r["status"] == "completed"]
            if len(runs) >= count:
                return
            await asyncio.sleep(0.005)
        raise SystemExit(f"no completed check run on {sha}")

    def new_pull(self, files: dict[str, str]) -> Any:
        self.next_pr += 1
        return self.fake.open_pull(self.repo, self.next_pr, sc.BASE, {**sc.BASE, **files})

    async def webhook_load(self) -> dict[str, Any]:
        """RATE deliveries/s for DURATION s: synchronize events over 20 open PRs."""
        pulls = [self.new_pull({f"app/m{i}.py": sc.CLEAN_PY}) for i in range(20)]
        payloads = [self.payloads.pull_request("synchronize", self.repo, p) for p in pulls]
        if self.args.prescan:
            for i, p in enumerate(payloads):
                await self.deliver("pull_request", p, f"pre-{i}")
            await self.idle()
        total = int(self.args.rate * self.args.duration)
        results: list[tuple[int, float]] = []
        per_second: dict[int, list[float]] = {}
        t0 = time.perf_counter()

        async def one(i: int) -> None:
            delay = t0 + i / self.args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            status, latency = await self.deliver("pull_request", payloads[i % 20], f"load-{i}")
            results.append((status, latency))
            per_second.setdefault(int(i / self.args.rate), []).append(latency * 1000)

        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - t0
        latencies = [lat * 1000 for _, lat in results]
        acked = sum(1 for status, _ in results if status == 202)
        with sqlite3.connect(self.db) as conn:
            recorded = conn.execute(
                "SELECT count(*) FROM deliveries WHERE id LIKE 'github:load-%'").fetchone()[0]
        if self.args.verbose:
            print("p99 per second (ms):", " ".join(
                f"{pct(v, 0.99):.0f}" for _, v in sorted(per_second.items())))
        return {"sent": total, "acked_202": acked, "recorded": recorded,
                "achieved_rate": total / elapsed, "p50_ms": pct(latencies, 0.5),
                "p99_ms": pct(latencies, 0.99), "max_ms": max(latencies)}

    async def pr_to_check(self) -> list[float]:
        times = []
        for i in range(self.args.runs):
            pull = self.new_pull({f"app/one{i}.py": sc.CLEAN_PY})
            started = time.perf_counter()
            await self.deliver("pull_request",
                               self.payloads.pull_request("opened", self.repo, pull), f"pr-{i}")
            await self.wait_completed(pull.head_sha, 1)
            times.append(time.perf_counter() - started)
        return times

    async def dismissal_to_check(self) -> list[float]:
        times = []
        for i in range(self.args.runs):
            pull = self.new_pull({f"app/db{i}.py": sc.DB_PY})  # a path per run: new fingerprints
            await self.deliver("pull_request",
                               self.payloads.pull_request("opened", self.repo, pull), f"dpr-{i}")
            await self.wait_completed(pull.head_sha, 1)
            await self.idle()
            run = self.fake.check_runs(self.repo, pull.head_sha)[-1]
            finding = next(a["title"].split()[0] for a in run["annotations"]
                           if a["annotation_level"] == "failure")
            body = f"/mergegate dismiss {finding} false-positive benchmark"
            started = time.perf_counter()
            await self.deliver("issue_comment", self.payloads.comment(
                self.repo, pull, 5000 + i, "maint", body), f"dismiss-{i}")
            await self.wait_completed(pull.head_sha, 2)
            times.append(time.perf_counter() - started)
        return times

    async def ten_pushes(self) -> int:
        pull = self.new_pull({"app/p0.py": sc.CLEAN_PY})
        before = len(self.fake.calls("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files"))
        await self.deliver("pull_request", self.payloads.pull_request("opened", self.repo, pull),
                           "push-0")
        for i in range(1, 10):
            await asyncio.sleep(0.5)
            self.fake.push(self.repo, pull.number, {**sc.BASE, f"app/p{i}.py": sc.CLEAN_PY})
            await self.deliver("pull_request",
                               self.payloads.pull_request("synchronize", self.repo, pull),
                               f"push-{i}")
        await self.idle()
        return len(self.fake.calls("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files")) - before


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--prescan", action="store_true",
                        help="scan the 20 PRs of the load before it (acks without scans)")
    parser.add_argument("--verbose", action="store_true", help="p99 of each second of load")
    parser.add_argument("--idle-timeout", type=float, default=5.0,
                        help="MERGEGATE_SCANNER_IDLE_TIMEOUT of the service")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mergegate-bench-") as tmp:
        bench = Bench(args, Path(tmp))
        await bench.start()
        try:
            assert bench.proc is not None
            await asyncio.sleep(1.0)
            idle_start = tree_rss_mb(bench.proc.pid)
            pr = await bench.pr_to_check()
            dismissal = await bench.dismissal_to_check()
            pushes = await bench.ten_pushes()
            load = await bench.webhook_load()
            await bench.idle()
            busy = tree_rss_mb(bench.proc.pid)
            await asyncio.sleep(args.idle_timeout + 2.0)
            idle_after = tree_rss_mb(bench.proc.pid)
            bench.fake.assert_clean()
        finally:
            await bench.stop()
    print(f"webhook ack at {load['achieved_rate']:.0f}/s for {args.duration:.0f}s: "
          f"p50 {load['p50_ms']:.1f} ms, p99 {load['p99_ms']:.1f} ms, max {load['max_ms']:.1f} ms;"
          f" {load['acked_202']}/{load['sent']} acknowledged, {load['recorded']} recorded "
          f"(budget p99 < 50 ms, none lost)")
    print(f"one-file PR to completed check run: median {statistics.median(pr):.2f} s "
          f"(min {min(pr):.2f}, max {max(pr):.2f}; budget < 3 s)")
    print(f"dismissal to updated check run: median {statistics.median(dismissal):.3f} s "
          f"(min {min(dismissal):.3f}, max {max(dismissal):.3f}; budget < 1 s)")
    print(f"10 pushes to one PR within 5 s: {pushes} scans (budget <= 2)")
    print(f"resident memory (service and its scanner processes): idle {idle_start:.0f} MB after "
          f"start-up, {busy:.0f} MB right after the load with the scanner processes up, "
          f"{idle_after:.0f} MB idle once they stopped (budget idle < 150 MB)")


if __name__ == "__main__":
    asyncio.run(main())
