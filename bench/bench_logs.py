"""Benchmark: scan and cluster a 100 MB CI log (target: < 30 s, < 300 MB RSS); pathological
inputs (target: at least 20 MB/s each); decompression bombs (target: a truncated report, fast).

Usage: /work/main/.venv/bin/python bench/bench_logs.py [--mb 100] [--runs 3]
       /work/main/.venv/bin/python bench/bench_logs.py --pathological [--mb 20] [--runs 3]
       /work/main/.venv/bin/python bench/bench_logs.py --bombs [--runs 3]

The log is generated (streamed to a temporary file): GitHub-Actions-style timestamped lines,
pytest progress, pip/npm chatter with keyword lines the credential prefilter must look at,
repeated Python tracebacks and Java stack traces with varying ids, and one AWS key. Each run
scans it in a fresh child process (`mergegate logs --format json`), so the peak RSS measured is
the scan's own.

`--pathological` writes one file per kind of hostile input (very long lines, lines of only
separators, many distinct failure lines, lines full of secret-like tokens, lines with a
keyword but a masked value, binary garbage, empty lines, one failure line repeated, Python
tracebacks that each differ, pytest's `E` lines without end, lines holding our token plugins'
keywords in ordinary use) and
times `scan_logs` on each in this process (after a warm-up, so detect-secrets' import is not
counted), printing MB/s, the median over the runs, by CPU time (the machine is shared: wall
time measures the neighbours too) and by wall time. `--bombs` runs `mergegate logs` on a gzip of
1 GiB of zeros and on a zip of 480 MB of log lines, each small on disk, and prints how long the
command took and the truncation note it printed.
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


def _random_words(rng: random.Random, n: int) -> str:
    return " ".join(
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randrange(3, 10)))
        for _ in range(n)
    )


def _long_lines(rng: random.Random) -> bytes:
    """One line of a megabyte: base64-like text with a keyword now and then, no newline."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    chunk = "".join(rng.choice(alphabet) for _ in range(4096))
    parts = [chunk[rng.randrange(64):] + " token" for _ in range(256)]
    return ("".join(parts)[: 1 << 20] + "\n").encode()


def _separators(rng: random.Random) -> bytes:
    sep = rng.choice("=-_*#/.:~+|\\")
    return (sep * rng.choice((80, 200, 1000, 4000, 20000)) + "\n").encode()


def _distinct_failures(rng: random.Random) -> bytes:
    return "".join(
        f"ERROR test_{_random_words(rng, 1)}.py::{_random_words(rng, 1)} failed: "
        f"{_random_words(rng, 6)} in /srv/{_random_words(rng, 1)}/{rng.randrange(99)}.py\n"
        for _ in range(50)
    ).encode()


def _secret_tokens(rng: random.Random) -> bytes:
    def tok(n: int) -> str:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))

    return "".join(
        f"password={tok(16)} token: {tok(24)} api_key={tok(32)} secret='{tok(20)}' "
        f"AKIA{tok(16).upper()} ghp_{tok(36)} Authorization: Bearer {tok(40)}\n"
        for _ in range(50)
    ).encode()


def _masked_keywords(rng: random.Random) -> bytes:
    """Lines a credential detector must look at that hold none: masked or templated values."""
    return "".join(
        rng.choice((
            f"##[debug]registry token: *** (request {rng.getrandbits(64):x})\n",
            f"  password: ${{{{ secrets.DB_PASSWORD_{rng.randrange(10**6)} }}}}\n",
            f"export API_KEY=$API_KEY_{rng.randrange(10**6)}  # job {rng.randrange(10**6)}\n",
        ))
        for _ in range(50)
    ).encode()


def _binary(rng: random.Random) -> bytes:
    return rng.randbytes(1 << 16)


def _empty_lines(rng: random.Random) -> bytes:
    return b"\n" * 4096


def _repeated_failure(rng: random.Random) -> bytes:
    """The same short failure line, again and again (one cluster, millions of events)."""
    return b"ERROR\n" * 1024


def _tracebacks(rng: random.Random) -> bytes:
    """Python tracebacks, each with its own message (the clusters fill up)."""
    return "".join(
        f'Traceback (most recent call last):\n  File "/app/{_random_words(rng, 1)}.py", line '
        f"{rng.randrange(999)}, in {_random_words(rng, 1)}\n    {_random_words(rng, 1)}()\n"
        f"{_random_words(rng, 1).capitalize()}Error: {_random_words(rng, 2)}\n"
        for _ in range(50)
    ).encode()


def _pytest_lines(rng: random.Random) -> bytes:
    """pytest's `E   ` lines without end: one event that takes every line."""
    return "".join(f"E   assert {rng.randrange(10**6)} == {_random_words(rng, 1)}\n"
                   for _ in range(100)).encode()


def _keywords_of_plugins(rng: random.Random) -> bytes:
    """Lines holding the keywords of our token plugins in ordinary use: URLs (`://`), compiler
    options (`-p`), the AWS CLI (`aws`)."""
    words = _random_words(rng, 3).split()
    return (
        f"Downloading https://files.pythonhosted.org/packages/{rng.getrandbits(16):04x}/"
        f"{words[0]}-1.{rng.randrange(30)}.0-py3-none-any.whl ({rng.randrange(999)} kB)\n"
        f"gcc -pthread -pipe -O2 -fPIC -I/usr/include/{words[1]} -c src/{words[2]}.c\n"
        f"upload: ./dist/{words[0]}.js to s3://bucket/{words[1]}.js (aws s3 sync)\n"
    ).encode()


PATHOLOGICAL = {
    "long lines": _long_lines,
    "separators": _separators,
    "distinct failures": _distinct_failures,
    "secret-like tokens": _secret_tokens,
    "masked keyword lines": _masked_keywords,
    "binary garbage": _binary,
    "empty lines": _empty_lines,
    "repeated failure": _repeated_failure,
    "python tracebacks": _tracebacks,
    "pytest E lines": _pytest_lines,
    "plugin keywords": _keywords_of_plugins,
}


def generate_pathological(path: Path, kind: str, megabytes: int, seed: int = 11) -> int:
    rng = random.Random(seed)
    make = PATHOLOGICAL[kind]
    target = megabytes * 1024 * 1024
    written = 0
    with path.open("wb") as fh:
        while written < target:
            block = make(rng)
            fh.write(block)
            written += len(block)
    return written


def bench_pathological(megabytes: int, runs: int, kinds: list[str] | None = None) -> None:
    from mergegate.logscan.scan import scan_logs

    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.log"
        warm.write_text(f"password = {AWS_KEY}\nERROR x\n")
        scan_logs([str(warm)])
        for kind in kinds or PATHOLOGICAL:
            path = Path(tmp) / "hostile.log"
            size = generate_pathological(path, kind, megabytes)
            walls, cpus = [], []
            for _ in range(runs):
                started, cpu = time.perf_counter(), time.process_time()
                report = scan_logs([str(path)])
                walls.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)
            wall, cpu_time = statistics.median(walls), statistics.median(cpus)
            mb = size / 2**20
            print(f"{kind:>20}: {mb:5.1f} MB, median {cpu_time:6.2f}s CPU = "
                  f"{mb / cpu_time:6.1f} MB/s ({wall:.2f}s wall = {mb / wall:.1f} MB/s); "
                  f"{report.lines:,} lines, {len(report.credentials)} credentials, "
                  f"{len(report.clusters)} clusters")


def _gzip_bomb(path: Path) -> None:
    import gzip

    zeros = bytes(1 << 20)
    with gzip.open(path, "wb", compresslevel=9) as fh:
        for _ in range(1024):
            fh.write(zeros)


def _zip_bomb(path: Path) -> None:
    import zipfile

    line = b"2024-05-01T12:00:00.0000000Z tests/test_a.py::test_b PASSED [ 50%]\n"
    block = line * ((1 << 20) // len(line))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for member in range(4):
            with zf.open(f"job/{member + 1}_step.txt", "w", force_zip64=True) as fh:
                for _ in range(120):
                    fh.write(block)


def bench_bombs(runs: int, timeout: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in (("bomb.log.gz", _gzip_bomb), ("bomb.zip", _zip_bomb)):
            path = Path(tmp) / name
            make(path)
            code = ("import sys; from mergegate.cli import main; "
                    "sys.exit(main(['logs', sys.argv[1]]))")
            times, cpus = [], []
            out = ""
            for _ in range(runs):
                started = time.perf_counter()
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                try:
                    proc = subprocess.run([sys.executable, "-c", code, str(path)],
                                          capture_output=True, text=True, check=False,
                                          timeout=timeout)
                    out = proc.stdout
                    times.append(time.perf_counter() - started)
                except subprocess.TimeoutExpired:
                    times.append(float("inf"))
                    out = f"(killed after {timeout:.0f} s)"
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            note = [ln for ln in out.splitlines() if "truncated" in ln.lower() or "killed" in ln]
            print(f"{name}: {path.stat().st_size / 1024:.0f} KB on disk; runs "
                  f"{', '.join(f'{t:.2f}s' for t in times)} wall; median "
                  f"{statistics.median(times):.2f}s wall, {statistics.median(cpus):.2f}s CPU "
                  "(the whole command, start-up included)")
            for ln in note:
                print(f"    {ln}")


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
    parser.add_argument("--pathological", action="store_true")
    parser.add_argument("--kind", action="append", choices=sorted(PATHOLOGICAL),
                        help="with --pathological: only these kinds")
    parser.add_argument("--bombs", action="store_true")
    parser.add_argument("--timeout", type=float, default=120.0, help="per bomb run")
    args = parser.parse_args()
    if args.pathological:
        bench_pathological(args.mb if args.mb != 100 else 20, args.runs, args.kind)
        return
    if args.bombs:
        bench_bombs(args.runs, args.timeout)
        return
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
