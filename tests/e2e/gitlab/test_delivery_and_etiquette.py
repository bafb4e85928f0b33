"""The webhook's guard rails (token, JSON, duplicates) and GitLab answering 502 then 200."""

from __future__ import annotations

import json

import pytest
from mergegate.store.tables import deliveries, jobs
from sqlalchemy import func, select

from tests.e2e.github import scenario as sc
from tests.e2e.gitlab.conftest import Harness

pytestmark = pytest.mark.slow


def _count(h: Harness, table: object) -> int:
    with h.service.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


async def test_wrong_or_missing_token_is_401_and_nothing_happens(gitlab: Harness) -> None:
    h = gitlab
    mr = h.fake.open_mr(h.project, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY})
    payload = h.payloads.merge_request("open", h.project, mr)
    for token in ("wrong-secret", "", None, "gitlab-webhook-secret-4f2"):
        resp = await h.deliver(payload, token=token)
        assert resp.status == 401
        assert await resp.json() == {"error": "bad token"}
    resp = await h.deliver(b"{not json", event="Merge Request Hook", token="wrong")
    assert resp.status == 401  # the token is checked before the body is even parsed
    await h.settle()
    assert h.fake.requests == []
    assert _count(h, deliveries) == 0 and _count(h, jobs) == 0


async def test_malformed_and_unusable_payloads_are_400(gitlab: Harness) -> None:
    h = gitlab
    resp = await h.deliver(b"{not json", event="Merge Request Hook")
    assert resp.status == 400 and await resp.json() == {"error": "malformed JSON"}
    resp = await h.deliver(b"[1, 2]", event="Merge Request Hook")
    assert await resp.json() == {"error": "the payload must be a JSON object"}
    broken = {"object_kind": "merge_request", "object_attributes": {"action": "open", "iid": 1},
              "project": {"id": 1, "path_with_namespace": "a/b"}}
    resp = await h.deliver(broken)
    assert resp.status == 400
    assert await resp.json() == {
        "error": "payload not understood: object_attributes.last_commit.id is missing"}
    assert h.fake.requests == [] and _count(h, jobs) == 0


async def test_delivery_without_uuid_is_deduplicated_by_its_body(gitlab: Harness) -> None:
    h = gitlab
    mr = h.fake.open_mr(h.project, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    body = json.dumps(h.payloads.merge_request("open", h.project, mr)).encode()
    headers = {"X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token":
               "gitlab-webhook-secret-4f2a"}
    first = await h.client.post("/webhooks/gitlab", data=body, headers=headers)
    second = await h.client.post("/webhooks/gitlab", data=body, headers=headers)
    assert (first.status, second.status) == (202, 200)
    assert (await second.json())["status"] == "duplicate"
    await h.settle()
    assert len(h.fake.mergegate_statuses(h.project, mr.head_sha)) == 1


async def test_gitlab_deliveries_reach_the_delivery_metrics(gitlab: Harness) -> None:
    """They did not before: only GitHub's handler counted them. One handler counts both now."""
    h = gitlab
    mr = h.fake.open_mr(h.project, 2, sc.BASE, {**sc.BASE, "app/ok.py": sc.CLEAN_PY})
    body = json.dumps(h.payloads.merge_request("open", h.project, mr)).encode()
    headers = {"X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token":
               "gitlab-webhook-secret-4f2a", "X-Gitlab-Event-UUID": "u-1"}
    assert (await h.client.post("/webhooks/gitlab", data=body, headers=headers)).status == 202
    assert (await h.client.post("/webhooks/gitlab", data=body, headers=headers)).status == 200
    bad = {**headers, "X-Gitlab-Token": "wrong"}
    assert (await h.client.post("/webhooks/gitlab", data=body, headers=bad)).status == 401
    await h.settle()
    text = h.service.metrics.exposition().decode()
    for outcome in ("accepted", "duplicate", "bad_signature"):
        assert (f'mergegate_deliveries_total{{event="merge_request_hook",outcome="{outcome}"}} '
                "1.0") in text


async def test_gitlab_502_then_200_is_retried(gitlab: Harness) -> None:
    h = gitlab
    mr = h.fake.open_mr(h.project, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY})
    h.fake.fail("GET", r"/merge_requests/2/diffs$", 502)
    h.fake.fail("POST", r"/statuses/", 502)
    h.fake.fail("POST", r"/merge_requests/2/notes$", 502)
    assert (await h.deliver(h.payloads.merge_request("open", h.project, mr))).status == 202
    await h.settle()
    diffs = h.fake.calls("GET", "diffs")
    assert [r.status for r in diffs] == [502, 200]
    statuses = h.fake.calls("POST", "status")
    assert [r.status for r in statuses][:2] == [502, 201]
    [status] = h.fake.mergegate_statuses(h.project, mr.head_sha)
    assert status["history"] == ["pending", "running", "failed"]
    assert [r.status for r in h.fake.calls("POST", "note")] == [502, 201]
    assert len([n for n in h.project.notes[2] if "mergegate:summary" in str(n["body"])]) == 1
    # Retried inside the forge: the job itself ran once.
    assert h.runner.completed == 1 and h.runner.failed == 0
