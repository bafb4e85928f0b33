"""The dashboard's pages on a full database: 10,000 audit rows and 1,000 open changes.

    python bench/bench_dashboard.py [--runs 7] [--audit 10000] [--changes 1000]

Seeds a temporary SQLite database (and, with MERGEGATE_TEST_POSTGRES_URL set, a fresh
PostgreSQL schema) with 50 repositories, ``--changes`` open changes (each a completed scan
with 5 findings, its job, a verdict), 50 closed ones, 1,000 dismissals and ``--audit`` audit
rows over 30 days; serves the real application (sign-in with the fake GitHub's OAuth, the
person reading all 50 repositories); signs in once and times each page over HTTP: the median
of ``--runs`` requests after one warm-up (the warm-up also fills the access cache, which keeps
the forge's answer for five minutes). Target: 200 ms or less per page.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import insert, text
from yarl import URL

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import fixtures_dir  # noqa: E402
from mergegate.config import Settings  # noqa: E402
from mergegate.service.context import Service  # noqa: E402
from mergegate.store.db import make_engine  # noqa: E402
from mergegate.store.service_store import Store  # noqa: E402
from mergegate.store.tables import audit_log, dismissals, findings, jobs, scans  # noqa: E402
from mergegate.web.app import create_app  # noqa: E402
from mergegate.web.context import WebContext  # noqa: E402

from tests.fakes.github import FakeGitHub  # noqa: E402
from tests.fakes.github_oauth import FakeGitHubOAuth  # noqa: E402

REPOS = 50
ACTIONS = ("dismiss", "undismiss", "expired", "refused", "verdict", "deployment")
SEVERITIES = ("critical", "high", "medium", "low")
CLIENT_ID, CLIENT_SECRET = "Iv1.bench", "bench-client-secret"  # pragma: allowlist secret
SESSION_KEY = "bench-session-key-0123456789abcdefghij"  # pragma: allowlist secret


def seed(store: Store, changes: int, audit_rows: int) -> None:
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    names = [f"acme/repo-{i:02d}" for i in range(REPOS)]
    scan_rows, job_rows, finding_rows, audit, dis = [], [], [], [], []
    for i in range(changes + 50):
        name = names[i % REPOS]
        key, number = f"github:{name}", i // REPOS + 1
        sha = uuid.UUID(int=rng.getrandbits(128)).hex + "0" * 8
        at = now - dt.timedelta(minutes=rng.randint(1, 30 * 24 * 60))
        blocked = i % 3 != 0
        scan_rows.append({
            "id": i + 1, "repo": key, "sha": sha, "change_number": number,
            "status": "completed", "conclusion": "failure" if blocked else "success",
            "context": json.dumps({"author": "dev"}), "created_at": at, "completed_at": at,
            "blocking": json.dumps({"sast|high": 2, "secrets|critical": 1} if blocked else {}),
        })
        change = {"repo": {"forge": "github", "full_name": name, "installation_id": "1",
                           "project_id": None, "default_branch": "main", "html_url": None},
                  "number": number, "head_sha": sha, "base_sha": "b" * 40, "base_ref": "main",
                  "author": "dev", "head_ref": "f", "html_url": None, "draft": False}
        job_rows.append({"kind": "scan", "key": f"{key}#{number}", "payload": json.dumps(
            {"change": change, "reason": "seeded"}), "status": "done", "attempts": 1,
            "run_after": at, "created_at": at, "updated_at": at})
        if i >= changes:  # the last 50 were closed after their scan
            later = at + dt.timedelta(minutes=1)
            job_rows.append({"kind": "cancel", "key": f"{key}#{number}", "payload": "{}",
                             "status": "done", "attempts": 1, "run_after": later,
                             "created_at": later, "updated_at": later})
        for n in range(5):
            fp = f"{i:06d}{n:02d}".ljust(64, "f")
            finding_rows.append({"scan_id": i + 1, "fingerprint": fp, "data": json.dumps({
                "scanner": "sast", "rule": f"rule-{n}", "severity": SEVERITIES[n % 4],
                "title": f"Finding {n}", "message": "m", "path": f"app/m{n}.py", "line": n + 1,
                "end_line": n + 1, "column": 1, "fingerprint": fp, "new": True, "fix": "",
                "cwe": ["CWE-89"], "references": [], "package": None, "aliases": []})})
    for i in range(1000):
        at = now - dt.timedelta(days=rng.randint(0, 29), minutes=rng.randint(0, 1000))
        dis.append({"repo": f"github:{names[i % REPOS]}", "fingerprint": f"{i:064d}",
                    "reason": rng.choice(["false-positive", "wont-fix", "accepted-risk"]),
                    "actor": f"user{i % 17}", "actor_role": "maintain", "actor_groups": "[]",
                    "comment": "reviewed", "created_at": at,
                    "expires_at": at + dt.timedelta(days=rng.randint(1, 60))})
    for i in range(audit_rows):
        action = ACTIONS[i % len(ACTIONS)]
        audit.append({"at": now - dt.timedelta(seconds=rng.randint(0, 30 * 86400)),
                      "repo": f"github:{names[i % REPOS]}", "action": action,
                      "actor": "mergegate" if action in ("verdict", "deployment", "expired")
                      else f"user{i % 17}",
                      "subject": f"production@{i:040d}" if action == "deployment" else f"{i:064d}",
                      "detail": "approved: fine" if action == "deployment" else f"{action} detail",
                      "link": None})
    with store.engine.begin() as conn:
        for table, rows in ((scans, scan_rows), (jobs, job_rows), (findings, finding_rows),
                            (dismissals, dis), (audit_log, audit)):
            for start in range(0, len(rows), 2000):
                conn.execute(insert(table), rows[start:start + 2000])
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('scans', 'id'), "
                              "(SELECT max(id) FROM scans))"))
            conn.execute(text("ANALYZE"))


async def sign_in(base: str, http: aiohttp.ClientSession) -> None:
    r = await http.get(f"{base}/login", allow_redirects=False)
    r = await http.get(r.headers["Location"], allow_redirects=False)
    callback = urlsplit(r.headers["Location"])
    r = await http.get(f"{base}{callback.path}?{callback.query}", allow_redirects=False)
    assert r.status == 302, await r.text()


async def measure(store: Store, runs: int, label: str) -> dict[str, float]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fake = FakeGitHub(fixtures_dir() / "github" / "openapi-subset.json", "1", key.public_key())
    await fake.start()
    oauth = FakeGitHubOAuth.attach(fake, CLIENT_ID, CLIENT_SECRET)
    oauth.signing_in = "bench"
    for i in range(REPOS):
        fake.repo(f"acme/repo-{i:02d}").permissions["bench"] = ("admin", "admin")
    settings = Settings(database_url=str(store.engine.url), github_api_url=fake.url,
                        github_client_id=CLIENT_ID, github_client_secret=CLIENT_SECRET,
                        session_key=SESSION_KEY)
    app = create_app(WebContext(Service(store=store, settings=settings)), [], run_jobs=False)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    pages = ["/", "/repos/acme/repo-07", "/repos/acme/repo-07/changes/3", "/dismissals",
             "/dismissals?user=user3", "/deployments", "/audit", "/audit?action=dismiss&page=3",
             "/audit?repo=github:acme/repo-07&format=csv", "/audit?format=json"]
    results: dict[str, float] = {}
    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[URL(base)])
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        await sign_in(base, http)
        for page in pages:
            times = []
            for attempt in range(runs + 1):
                started = time.perf_counter()
                async with http.get(base + page, allow_redirects=False) as r:
                    await r.read()
                    assert r.status == 200, (page, r.status)
                if attempt:  # the first request is the warm-up
                    times.append((time.perf_counter() - started) * 1000)
            results[page] = statistics.median(times)
            print(f"{label:10} {page:45} median {results[page]:7.1f} ms   "
                  f"(min {min(times):.1f}, max {max(times):.1f})")
    await runner.cleanup()
    await fake.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--audit", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        seed(store, args.changes, args.audit)
        print(f"seeded SQLite: {args.changes} open changes, {args.audit} audit rows")
        worst = max(asyncio.run(measure(store, args.runs, "sqlite")).values())
        store.close()
    pg_url = os.environ.get("MERGEGATE_TEST_POSTGRES_URL")
    if pg_url:
        schema = "mg_bench_" + uuid.uuid4().hex[:8]
        admin = make_engine(pg_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            store = Store.open(pg_url, schema=schema)
            seed(store, args.changes, args.audit)
            print(f"seeded PostgreSQL: {args.changes} open changes, {args.audit} audit rows")
            worst = max(worst, *asyncio.run(measure(store, args.runs, "postgresql")).values())
            store.close()
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print(f"slowest page median {worst:.1f} ms (target 200 ms)")


if __name__ == "__main__":
    main()
