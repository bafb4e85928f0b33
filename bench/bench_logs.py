"""Benchmark: scan and cluster a 100 MB CI log (target: < 30 s, < 300 MB RSS).

Usage: /work/venv/bin/python bench/bench_logs.py [--mb 100] [--runs 3]

The log is generated (streamed to a temporary file): GitHub-Actions-style timestamped lines,
pytest progress, pip/npm chatter with keyword lines the credential prefilter must look at,
repeated Python tracebacks and Java stack traces with varying ids, and one AWS key. Each run
scans it in a fresh child process (`mergegate logs --format json`), so the peak RSS measured is
the scan's own.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"


def generate(path: Path, megabytes: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    target = megabytes * 1024 * 1024
    written = lines = 0
    with path.open("w", encoding="utf-8") as fh:
        while written < target:
            ts = f"2024-05-01T12:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(10**7):07d}Z"
            r = rng.random()
            if r < 0.002:
                block = [
                    f"{ts} Traceback (most recent call last):",
                    f'{ts}   File "/home/runner/work/app/app/db.py", line {rng.randrange(90, 99)}, '
                    "in connect",
                    f"{ts}     conn = pool.get(timeout={rng.randrange(100)})",
                    f"{ts} ConnectionError: connection 0x{rng.getrandbits(32):x} refused after "
                    f"{rng.randrange(999)} ms",
                ]
            elif r < 0.003:
                block = [
                    f"{ts} java.lang.IllegalStateException: order {rng.randrange(10**6)} not found",
                    f"{ts} \tat com.acme.Orders.find(Orders.java:{rng.randrange(100, 200)})",
                    f"{ts} \tat com.acme.Api.handle(Api.java:42)",
                    f"{ts} \t... {rng.randrange(5, 30)} more",
                ]
            elif r < 0.02:
                block = [f"{ts} ##[debug]registry token: *** (request {rng.getrandbits(64):x})"]
            elif r < 0.05:
                block = [
                    f"{ts} ERROR test_api.py::test_case_{rng.randrange(40)} - AssertionError: "
                    f"{rng.randrange(10**4)} != 200"
                ]
            else:
                block = [
                    f"{ts} tests/test_module_{rng.randrange(300)}.py::test_{rng.randrange(10**5)} PASSED "
                    f"[{rng.randrange(100):>3}%] in {rng.random():.3f}s"
                ]
            if lines == 1000:
                block.append(f"{ts} export AWS_ACCESS_KEY_ID={AWS_KEY}")
            text = "\n".join(block) + "\n"
            fh.write(text)
            written += len(text)
            lines += len(block)
    return lines


def run_once(path: Path) -> tuple[float, dict[str, object]]:
    code = (
        "import sys; from mergegate.cli import main; "
        "sys.exit(main(['logs', sys.argv[1], '--format', 'json']))"
    )
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 1:
        raise SystemExit(f"unexpected exit {proc.returncode}: {proc.stderr[-2000:]}")
    return elapsed, json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ci.log"
        lines = generate(path, args.mb)
        size = path.stat().st_size
        times = []
        report: dict[str, object] = {}
        for _ in range(args.runs):
            elapsed, report = run_once(path)
            times.append(elapsed)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    failures = report["failures"]
    assert isinstance(failures, dict)
    median = statistics.median(times)
    print(f"log: {size / 2**20:.1f} MB, {lines:,} lines")
    print(f"runs: {', '.join(f'{t:.2f}s' for t in times)}; median {median:.2f}s "
          f"({size / 2**20 / median:.1f} MB/s); target 30 s: {median / 30:.0%} of budget")
    print(f"peak RSS of a scan: {peak_mb:.0f} MB; target 300 MB: {peak_mb / 300:.0%} of budget")
    creds = report["credentials"]
    assert isinstance(creds, list)
    print(f"credentials: {len(creds)}; failure events: {failures['events']:,} "
          f"in {failures['distinct']} clusters")


if __name__ == "__main__":
    main()
