"""Production fixes end to end: webhooks that never block the event loop on the store, no
delivery lost when queueing fails, a retried scan's check run never reused for a newer head,
and the metrics `mergegate serve` exposes on GET /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from mergegate.forge.github.forge import GitHubForge
from mergegate.web.app import build
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.github import scenario as sc
from tests.e2e.github.conftest import Harness, bot_settings
from tests.e2e.github.payloads import Payloads
from tests.e2e.github.test_commands_flow import _blocking_ids, comment, latest_run
from tests.e2e.github.test_pull_request_flow import open_vulnerable_pr
from tests.fakes.github import FakeGitHub

pytestmark = pytest.mark.slow


async def _wait_for(predicate: Any, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def _db_path(h: Harness) -> str:
    database = h.service.store.engine.url.database
    assert database
    return database


async def test_a_slow_store_does_not_block_the_event_loop(harness: Harness) -> None:
    """While a delivery waits for the database's write lock, the server keeps answering."""
    h = harness
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    locker = sqlite3.connect(_db_path(h), isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN IMMEDIATE")  # another writer holds the database for a while
    release = threading.Timer(1.0, lambda: locker.execute("ROLLBACK"))
    release.start()
    try:
        delivery = asyncio.create_task(
            h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull)))
        await asyncio.sleep(0.1)  # the delivery now waits for the lock
        started = time.perf_counter()
        metrics = await h.client.get("/metrics")
        waited = time.perf_counter() - started
        assert metrics.status == 200
        assert not delivery.done()
        assert waited < 0.5, f"GET /metrics waited {waited:.2f}s behind the store"
        resp = await delivery
        assert resp.status == 202 and (await resp.json()) == {"status": "queued"}
    finally:
        release.join()
        locker.close()
    await h.settle()
    assert latest_run(h, pull.head_sha)["conclusion"] == "success"


async def test_a_delivery_whose_jobs_cannot_be_queued_is_handled_on_redelivery(
    harness: Harness,
) -> None:
    h = harness
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    payload = h.payloads.pull_request("opened", h.repo, pull)
    db = sqlite3.connect(_db_path(h), isolation_level=None)
    # The database refuses new jobs, as when it goes away between two statements.
    db.execute("CREATE TRIGGER refuse_jobs BEFORE INSERT ON jobs "
               "BEGIN SELECT RAISE(ABORT, 'database unavailable'); END")
    try:
        failed = await h.deliver("pull_request", payload, delivery="lost-1")
        assert failed.status == 500
        assert (await failed.json()) == {"error": "the delivery could not be queued"}
        assert h.service.store.queue.count() == 0
        assert db.execute("SELECT count(*) FROM deliveries").fetchone() == (0,)
    finally:
        db.execute("DROP TRIGGER refuse_jobs")
        db.close()
    again = await h.deliver("pull_request", payload, delivery="lost-1")  # GitHub redelivers
    assert again.status == 202 and (await again.json()) == {"status": "queued"}
    await h.settle()
    [run] = h.fake.check_runs(h.repo)
    assert run["head_sha"] == pull.head_sha and run["conclusion"] == "success"
    third = await h.deliver("pull_request", payload, delivery="lost-1")
    assert third.status == 200 and (await third.json()) == {"status": "duplicate"}


async def test_a_push_during_a_retry_wait_does_not_reuse_the_old_heads_check_run(
    harness: Harness,
) -> None:
    h = harness
    h.runner.forge_retry_delays = (30.0,)  # the failed scan (GitHub 500) waits long to retry
    h.fake.fail("GET", r"/pulls/\d+/files$", 500, times=5)  # every attempt of the client
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    old_head = pull.head_sha
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    queue = h.service.store.queue
    await _wait_for(lambda: (job := queue.get(1)) is not None and job.status == "queued"
                    and job.attempts == 1, timeout=20)
    [old_run] = h.fake.check_runs(h.repo)
    assert old_run["status"] == "queued"  # shown as retrying

    h.fake.push(h.repo, 2, {**sc.BASE, "app/ok.py": sc.CLEAN_PY, "app/db.py": sc.DB_PY})
    resp = await h.deliver("pull_request", h.payloads.pull_request("synchronize", h.repo, pull))
    assert resp.status == 202
    await h.settle(timeout=20)  # well before the old job's 30 s retry: it is due at once

    old = h.fake.check_runs(h.repo, old_head)
    new = h.fake.check_runs(h.repo, pull.head_sha)
    assert [r["id"] for r in old] == [old_run["id"]]
    assert old_run["status"] == "completed" and old_run["completions"] == 1
    assert old_run["conclusion"] == "cancelled"
    assert old_run["output"]["title"] == "Superseded by a newer commit"
    assert old_run["annotations"] == []  # the new head's findings are not on the old run
    [run] = new
    assert run["conclusion"] == "failure" and run["completions"] == 1
    assert sc.SQLI_LINE in _blocking_ids(run)


# -- GET /metrics of the real `mergegate serve` application (web.build) ----------------------


def _samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [(s.name, s.labels, float(s.value))
            for family in text_string_to_metric_families(text) for s in family.samples]


def _value(samples: list[tuple[str, dict[str, str], float]], name: str,
           **labels: str) -> float | None:
    for sample_name, sample_labels, value in samples:
        if sample_name == name and sample_labels == labels:
            return value
    return None


@contextlib.asynccontextmanager
async def served(fake: FakeGitHub, fixtures: Path, key: str, tmp_path: Path
                 ) -> AsyncIterator[Harness]:
    settings = bot_settings(fake.url, f"sqlite:///{tmp_path / 'serve.db'}", key, tmp_path,
                            scanner_idle_timeout=5.0)
    app, ctx = build(settings)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        forge = ctx.service.forges["github"]
        assert isinstance(forge, GitHubForge) and ctx.runner is not None
        yield Harness(fake, client, ctx.service, ctx.runner, forge,
                      Payloads(fixtures, fake.url), fake.repo("Codertocat/Hello-World"))
    finally:
        await client.close()
        ctx.service.store.close()
    fake.assert_clean()


async def test_serve_metrics_count_scans_dismissals_and_api_calls(
    fake: FakeGitHub, fixtures: Path, app_private_key: str, tmp_path: Path,
) -> None:
    async with served(fake, fixtures, app_private_key, tmp_path) as h:
        h.repo.permissions["maint"] = ("write", "maintain")
        # A secondary rate limit first: the 403 carries the remaining quota.
        fake.fail("GET", r"/pulls/\d+/files$", 403,
                  headers={"retry-after": "0", "x-ratelimit-remaining": "4321"})
        pull: Any = await open_vulnerable_pr(h)
        sqli = _blocking_ids(latest_run(h, pull.head_sha))[sc.SQLI_LINE]
        await comment(h, pull, "maint", f"/mergegate dismiss {sqli} false-positive validated")
        await comment(h, pull, "maint", f"/mergegate undismiss {sqli}", 901)

        resp = await h.client.get("/metrics")
        assert resp.status == 200
        samples = _samples(await resp.text())
    value = _value
    assert value(samples, "mergegate_dismissals_total",
                 action="dismiss", reason="false-positive") == 1.0
    assert value(samples, "mergegate_dismissals_total", action="undismiss", reason="none") == 1.0
    assert value(samples, "mergegate_forge_rate_limit_remaining", forge="github") == 4321.0
    assert value(samples, "mergegate_forge_api_calls_total",
                 forge="github", method="GET", status="403") == 1.0
    created = value(samples, "mergegate_forge_api_calls_total",
                    forge="github", method="POST", status="201")
    posts = [r for r in fake.calls("POST") if r.status == 201]
    assert created == len(posts) and created >= 1
    scanned = {labels["scanner"] for name, labels, v in samples
               if name == "mergegate_scan_duration_seconds_count" and v >= 1}
    assert {"sast", "secrets"} <= scanned, scanned
    high = sum(v for name, labels, v in samples if name == "mergegate_findings_total")
    assert high >= 2  # the SQL injection and the AWS key
    delivered = value(samples, "mergegate_deliveries_total",
                      event="issue_comment", outcome="accepted")
    assert delivered == 2.0
    assert json.dumps(samples).count(sc.AWS_KEY) == 0
