"""Benchmark: a completed workflow run's logs, downloaded through the redirect and scanned.

Usage: /work/venv/bin/python bench/bench_workflow_logs.py [--mb 100] [--runs 3]

The job log is `bench_logs.generate`'s (timestamped lines, tracebacks, one AWS key), zipped in
GitHub's layout (the whole job log at the root and the same lines again as a step file, so
the zip holds it twice and the bot reads it once). The fake GitHub of the tests serves the run's
logs redirect and the zip on 127.0.0.1; each run times `fetch_report` (download to a temporary
file under the size cap, then the member-by-member scan in a thread). Peak RSS is the whole
process's (it includes the fake server and its in-memory copy of the compressed zip).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_logs import generate  # noqa: E402
from mergegate.config import Settings  # noqa: E402
from mergegate.forge.base import RepoRef  # noqa: E402
from mergegate.forge.github.forge import GitHubForge  # noqa: E402
from mergegate.forge.github.workflow_logs import fetch_report  # noqa: E402

from tests.conftest import fixtures_dir  # noqa: E402
from tests.fakes.github import FakeGitHub  # noqa: E402

APP_ID = "4242"
RUN_ID = 987654321


async def bench(mb: int, runs: int) -> None:
    fixtures = fixtures_dir()
    if fixtures is None:
        raise SystemExit("shared fixtures not found: set MERGEGATE_FIXTURES")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "job.log"
        lines = generate(log, mb)
        archive = Path(tmp) / "logs.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(log, "0_test.txt")
            z.write(log, "test/2_Run tests.txt")
            z.writestr("test/1_Set up job.txt", "Current runner version: '2.320.0'\n")
        zipped = archive.read_bytes()
        log_mb = log.stat().st_size / 2**20
    fake = FakeGitHub(fixtures / "github" / "openapi-subset.json", APP_ID, key.public_key())
    await fake.start()
    repo = fake.repo("acme/app")
    repo.run_logs[RUN_ID] = zipped
    settings = Settings(github_app_id=APP_ID, github_private_key=pem,
                        github_api_url=fake.url)
    forge = GitHubForge.create(settings)
    ref = RepoRef("github", "acme/app", str(repo.installation_id))
    times: list[float] = []
    try:
        for _ in range(runs):
            started = time.perf_counter()
            report = await fetch_report(forge, ref, RUN_ID)
            times.append(time.perf_counter() - started)
    finally:
        await forge.aclose()
        await fake.close()
    fake.assert_clean()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    median = statistics.median(times)
    print(f"job log: {log_mb:.1f} MB, {lines:,} lines; zip {len(zipped) / 2**20:.1f} MB "
          "(the log twice: job file and step file)")
    print(f"runs: {', '.join(f'{t:.2f}s' for t in times)}; median {median:.2f}s "
          f"({log_mb / median:.1f} MB/s of log read)")
    print(f"peak RSS of the process (bot + fake + zip in memory): {peak:.0f} MB")
    print(f"files read: {report.files}; credentials: {len(report.credentials)}; "
          f"failure events: {report.events:,} in {len(report.clusters)} clusters")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(bench(args.mb, args.runs))


if __name__ == "__main__":
    main()
