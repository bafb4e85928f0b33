"""Webhook acceptance rules, GitHub API etiquette under failures, and large results."""

from __future__ import annotations

import json

import pytest

from tests.e2e.github import scenario as sc
from tests.e2e.github.conftest import Harness, sign

pytestmark = pytest.mark.slow


async def test_bad_or_missing_signature_is_401_and_nothing_happens(harness: Harness) -> None:
    h = harness
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY})
    payload = h.payloads.pull_request("opened", h.repo, pull)
    body = json.dumps(payload).encode()
    bad = await h.deliver("pull_request", body, signature=sign(body, "wrong secret"))
    missing = await h.deliver("pull_request", body, signature="")
    garbage = await h.deliver("pull_request", b"{not json", signature="sha256=00")
    assert (bad.status, missing.status, garbage.status) == (401, 401, 401)
    await h.settle()
    assert h.fake.requests == []
    assert h.service.store.queue.count() == 0


async def test_malformed_json_oversize_ping_and_healthz(harness: Harness) -> None:
    h = harness
    resp = await h.deliver("pull_request", b"{not json")
    assert resp.status == 400 and (await resp.json()) == {"error": "malformed JSON"}
    resp = await h.deliver("pull_request", b"[1, 2]")
    assert resp.status == 400
    big = b"{" + b" " * (25 * 1024 * 1024) + b"}"
    resp = await h.deliver("pull_request", big, signature=sign(big))
    assert resp.status == 413
    ping = h.payloads.load("ping/with-app_id.payload.json")
    resp = await h.deliver("ping", ping)
    assert resp.status == 200 and (await resp.json()) == {"status": "ignored",
                                                           "why": "ping: the webhook works"}
    health = await h.client.get("/healthz")
    assert health.status == 200 and (await health.json())["status"] == "ok"
    assert h.fake.requests == []


async def test_signature_test_vector() -> None:
    from mergegate.forge.github.webhook import signature_ok

    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature_ok(b"Hello, World!", header, "It's a Secret to Everybody")
    assert not signature_ok(b"Hello, World!", header, "another secret")
    assert not signature_ok(b"Hello, World!", None, "It's a Secret to Everybody")


async def test_duplicate_delivery_scans_once(harness: Harness) -> None:
    h = harness
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    payload = h.payloads.pull_request("opened", h.repo, pull)
    first = await h.deliver("pull_request", payload, delivery="d-1")
    second = await h.deliver("pull_request", payload, delivery="d-1")
    assert (first.status, second.status) == (202, 200)
    assert (await second.json()) == {"status": "duplicate"}
    await h.settle()
    [run] = h.fake.check_runs(h.repo)
    assert run["conclusion"] == "success"
    assert len(h.fake.calls("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files")) == 1


async def test_github_502_then_200_and_403_with_retry_after(harness: Harness) -> None:
    h = harness
    h.fake.fail("POST", r"/check-runs$", 502, times=1)
    h.fake.fail("GET", r"/pulls/\d+/files$", 403, times=1,
                headers={"retry-after": "1", "x-ratelimit-remaining": "0"})
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    await h.settle()
    [run] = h.fake.check_runs(h.repo)  # the 502 did not create a second check run
    assert run["conclusion"] == "failure" and run["completions"] == 1
    statuses = [r.status for r in h.fake.calls("POST", "/repos/{owner}/{repo}/check-runs")]
    assert statuses == [502, 201]
    files = h.fake.calls("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files")
    assert [r.status for r in files] == [403, 200]
    assert h.forge.client.retries == 2


async def test_expired_token_is_refreshed_on_401(harness: Harness) -> None:
    h = harness
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    await h.settle()
    assert h.forge.auth.issued == 1
    h.fake.revoked.update(h.fake.tokens)
    await h.deliver("pull_request", h.payloads.pull_request("reopened", h.repo, pull))
    await h.settle()
    assert h.forge.auth.issued == 2
    assert [r["conclusion"] for r in h.fake.check_runs(h.repo)] == ["success", "success"]


async def test_120_findings_in_3_annotation_batches(harness: Harness) -> None:
    h = harness
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/many.py": sc.many_findings(120)})
    await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
    await h.settle()
    [run] = h.fake.check_runs(h.repo)
    patches = h.fake.calls("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}")
    sizes = [len((p.json().get("output") or {}).get("annotations", [])) for p in patches]
    assert sizes == [50, 50, 20]
    assert len(run["annotations"]) == 120 and run["completions"] == 1
    assert run["output"]["title"] == "120 blocking findings"


async def test_delivery_without_an_installation_is_ignored(harness: Harness) -> None:
    h = harness
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    payload = h.payloads.pull_request("opened", h.repo, pull)
    del payload["installation"]
    resp = await h.deliver("pull_request", payload)
    assert resp.status == 200 and (await resp.json()) == {"status": "ignored",
                                                           "why": "no installation"}
    await h.settle()
    assert h.fake.requests == [] and h.service.store.queue.count() == 0


async def test_comment_on_a_plain_issue_and_unrouted_events_do_nothing(harness: Harness) -> None:
    h = harness
    pull = h.fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    payload = h.payloads.comment(h.repo, pull, 1, "maint", "/mergegate rescan")
    del payload["issue"]["pull_request"]
    resp = await h.deliver("issue_comment", payload)
    assert resp.status == 200 and (await resp.json()) == {
        "status": "ignored", "why": "a comment on an issue, not on a pull request"}
    installation = h.payloads.load("installation/created.payload.json")
    resp = await h.deliver("installation", installation)
    assert resp.status == 200 and (await resp.json()) == {
        "status": "ignored", "why": "event 'installation' is not used"}
    await h.settle()
    assert h.fake.requests == [] and h.service.store.queue.count() == 0
