"""Benchmark of the GitLab webhook service against the fake GitLab (tests/fakes/gitlab.py).

`mergegate serve` runs as a separate process (real SQLite store, real scanners, the GitLab
forge only); this script plays GitLab (the fake API on 127.0.0.1) and the webhook sender.
It prints:

- webhook acknowledgement latency (p50/p99/max) at RATE deliveries/s for DURATION s
  (Merge Request Hook updates with new commits over 20 open MRs), and whether every delivery
  was acknowledged and recorded;
- a one-file MR from delivery to its final `mergegate` commit status (median of RUNS);
- a dismissal note to the updated status (median of RUNS).

Usage: python bench/bench_gitlab.py [--rate 200] [--duration 30] [--runs 5] [--prescan]
Budgets (issue 6, the same as GitHub's): p99 < 50 ms with none lost; one-file MR < 3 s.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import fixtures_dir, free_port, pct  # noqa: E402

from tests.e2e.github import scenario as sc  # noqa: E402
from tests.e2e.gitlab.payloads import Payloads  # noqa: E402
from tests.fakes.gitlab import MR, TOKEN, FakeGitLab  # noqa: E402

SECRET = "bench-gitlab-secret"
EVENTS = {"merge_request": "Merge Request Hook", "note": "Note Hook"}


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.fake = FakeGitLab()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = tmp / "bench.db"
        self.proc: subprocess.Popen[bytes] | None = None
        self.session: aiohttp.ClientSession | None = None
        self.next_mr = 100

    async def start(self) -> None:
        await self.fake.start()
        self.payloads = Payloads(fixtures_dir())
        self.project = self.fake.project()
        self.project.members["maint"] = 40
        (self.tmp / "osv").mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_"))}
        env.update({"MERGEGATE_DATABASE_URL": f"sqlite:///{self.db}",
                    "GITLAB_URL": self.fake.url, "GITLAB_TOKEN": TOKEN,
                    "GITLAB_WEBHOOK_SECRET": SECRET, "MERGEGATE_OSV_DB": str(self.tmp / "osv"),
                    "MERGEGATE_OSV_URL": self.fake.url, "MERGEGATE_DEPS_DEV_URL": self.fake.url,
                    "MERGEGATE_WORKERS": "2"})
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

    async def deliver(self, payload: dict[str, Any], uuid: str) -> tuple[int, float]:
        assert self.session is not None
        body = json.dumps(payload).encode()
        headers = {"X-Gitlab-Event": EVENTS[payload["object_kind"]], "X-Gitlab-Token": SECRET,
                   "X-Gitlab-Event-UUID": uuid, "Content-Type": "application/json"}
        started = time.perf_counter()
        async with self.session.post(self.url + "/webhooks/gitlab", data=body,
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

    async def wait_final(self, sha: str, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [s for s in self.fake.mergegate_statuses(self.project, sha)
                    if s["status"] in ("success", "failed")]
            if len(done) >= count:
                return
            await asyncio.sleep(0.005)
        raise SystemExit(f"no final mergegate status on {sha}")

    def new_mr(self, files: dict[str, str]) -> MR:
        self.next_mr += 1
        return self.fake.open_mr(self.project, self.next_mr, sc.BASE, {**sc.BASE, **files})

    async def webhook_load(self) -> dict[str, Any]:
        mrs = [self.new_mr({f"app/m{i}.py": sc.CLEAN_PY}) for i in range(20)]
        payloads = [self.payloads.merge_request("update", self.project, mr, oldrev="0" * 40)
                    for mr in mrs]
        if self.args.prescan:
            for i, p in enumerate(payloads):
                await self.deliver(p, f"pre-{i}")
            await self.idle()
        total = int(self.args.rate * self.args.duration)
        results: list[tuple[int, float]] = []
        t0 = time.perf_counter()

        async def one(i: int) -> None:
            delay = t0 + i / self.args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            results.append(await self.deliver(payloads[i % 20], f"load-{i}"))

        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - t0
        latencies = [lat * 1000 for _, lat in results]
        acked = sum(1 for status, _ in results if status == 202)
        with sqlite3.connect(self.db) as conn:
            recorded = conn.execute(
                "SELECT count(*) FROM deliveries WHERE id LIKE 'gitlab:load-%'").fetchone()[0]
        return {"sent": total, "acked_202": acked, "recorded": recorded,
                "achieved_rate": total / elapsed, "p50_ms": pct(latencies, 0.5),
                "p99_ms": pct(latencies, 0.99), "max_ms": max(latencies)}

    async def mr_to_status(self) -> list[float]:
        times = []
        for i in range(self.args.runs):
            mr = self.new_mr({f"app/one{i}.py": sc.CLEAN_PY})
            started = time.perf_counter()
            await self.deliver(self.payloads.merge_request("open", self.project, mr), f"mr-{i}")
            await self.wait_final(mr.head_sha, 1)
            times.append(time.perf_counter() - started)
        return times

    async def dismissal_to_status(self) -> list[float]:
        times = []
        for i in range(self.args.runs):
            mr = self.new_mr({f"app/db{i}.py": sc.DB_PY})
            await self.deliver(self.payloads.merge_request("open", self.project, mr), f"d-{i}")
            await self.wait_final(mr.head_sha, 1)
            await self.idle()
            note = next(n for n in self.project.notes[mr.iid]
                        if "mergegate:summary" in str(n["body"]))
            finding = str(note["body"]).split("| `mg-", 1)[1][:8]
            body = f"/mergegate dismiss mg-{finding} false-positive benchmark"
            started = time.perf_counter()
            await self.deliver(self.payloads.note(self.project, mr, 5000 + i, "maint", body),
                               f"dismiss-{i}")
            await self.wait_final(mr.head_sha, 2)
            times.append(time.perf_counter() - started)
        return times


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--prescan", action="store_true",
                        help="scan the 20 MRs before the load (the load then only acknowledges)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mergegate-bench-gitlab-") as tmp:
        bench = Bench(args, Path(tmp))
        await bench.start()
        try:
            await asyncio.sleep(1.0)
            mr = await bench.mr_to_status()
            dismissal = await bench.dismissal_to_status()
            load = await bench.webhook_load()
            await bench.idle()
            bench.fake.assert_clean()
        finally:
            await bench.stop()
    print(f"webhook ack at {load['achieved_rate']:.0f}/s for {args.duration:.0f}s: "
          f"p50 {load['p50_ms']:.1f} ms, p99 {load['p99_ms']:.1f} ms, max {load['max_ms']:.1f} ms;"
          f" {load['acked_202']}/{load['sent']} acknowledged, {load['recorded']} recorded "
          f"(budget p99 < 50 ms, none lost)")
    print(f"one-file MR to final mergegate status: median {statistics.median(mr):.2f} s "
          f"(min {min(mr):.2f}, max {max(mr):.2f}; budget < 3 s)")
    print(f"dismissal note to updated status: median {statistics.median(dismissal):.3f} s "
          f"(min {min(dismissal):.3f}, max {max(dismissal):.3f}; budget < 1 s)")


if __name__ == "__main__":
    asyncio.run(main())
