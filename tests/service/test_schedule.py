"""The scheduler over the in-memory forge: expired dismissals turn checks red without a push,
and an organization policy change re-evaluates every repository of the organization."""

from __future__ import annotations

import datetime as dt

from mergegate.forge.base import ChangeRef, CommentRef, RepoRef
from mergegate.queue.runner import JobRunner
from mergegate.service.context import Service
from mergegate.service.enqueue import Enqueuer
from mergegate.service.payloads import repo_from_dict
from mergegate.service.schedule import known_repo, tick
from mergegate.service.verdicts import scan_change

from tests.fakes.memory_forge import MemoryForge
from tests.service.conftest import BASE, LEAKY, REPO

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


async def run_queued(service: Service) -> list[str]:
    """Run every due job, as the runner would; the kinds run, in order."""
    runner = JobRunner(service)
    kinds = []
    while (job := await service.db(service.store.queue.claim)) is not None:
        kinds.append(job.kind)
        await runner.run(job)
    return kinds


async def dismiss(service: Service, change: ChangeRef, text: str) -> None:
    comment = CommentRef(change, "7", "maint", text, "memory://comment/7")
    await service.db(Enqueuer(service).command, comment)
    assert await run_queued(service) == ["command"]


async def test_an_expired_dismissal_turns_the_check_red_at_the_next_tick(
    service: Service, forge: MemoryForge,
) -> None:
    clock = Clock(NOW)
    service.clock = clock
    forge.roles["maint"] = "maintain"
    forge.branch(REPO, "main", BASE)
    change = forge.open(REPO, 2, BASE, {**BASE, "app.py": LEAKY}, "someone")
    closed = forge.open(REPO, 3, BASE, {**BASE, "app.py": LEAKY, "b.md": "b\n"}, "someone")
    outcome = await scan_change(service, forge, change)
    assert outcome is not None and outcome.verdict.conclusion == "failure"
    [finding] = outcome.verdict.blocking
    assert await scan_change(service, forge, closed) is not None
    await dismiss(service, change, f"/mergegate dismiss {finding.id} accepted-risk until "
                                   "2026-12-03 rotated")
    assert forge.latest(change).state == "success"
    await service.db(Enqueuer(service).cancel, closed)  # #3 is closed
    assert await run_queued(service) == ["cancel"]
    reports_of_closed = len([p for p in forge.published.values() if p.change == closed])

    clock.now = dt.datetime(2026, 12, 3, 23, 59, tzinfo=dt.UTC)  # the last day: still valid
    assert await tick(service) == 0

    clock.now = dt.datetime(2026, 12, 4, 0, 1, tzinfo=dt.UTC)
    assert await tick(service) == 1
    assert await tick(service) == 1  # coalesced: still one job for the repository
    assert await run_queued(service) == ["expire_dismissals"]
    latest = forge.latest(change)
    assert latest.state == "failure"
    assert [j.id for j in latest.report.verdict.blocking] == [finding.id]
    assert len([p for p in forge.published.values() if p.change == closed]) == reports_of_closed
    [expired] = service.store.records.audit_entries(REPO.key, actions=["expired"])
    assert expired.actor == "mergegate" and expired.subject == finding.finding.fingerprint
    assert expired.detail == "accepted-risk by maint expired at 2026-12-03 23:59:59 UTC"
    assert expired.link == "memory://comment/7"
    verdicts = service.store.records.audit_entries(REPO.key, actions=["verdict"])
    assert verdicts[-1].detail.startswith("failure: ") and "(re-evaluated)" in verdicts[-1].detail

    # Acted on once: later ticks find nothing, and the change stays as it is.
    published = len(forge.published)
    assert await tick(service) == 0
    assert await run_queued(service) == []
    assert len(forge.published) == published


async def test_a_newer_head_is_left_to_its_own_scan(service: Service, forge: MemoryForge) -> None:
    clock = Clock(NOW)
    service.clock = clock
    forge.roles["maint"] = "maintain"
    forge.branch(REPO, "main", BASE)
    change = forge.open(REPO, 2, BASE, {**BASE, "app.py": LEAKY}, "someone")
    outcome = await scan_change(service, forge, change)
    assert outcome is not None
    [finding] = outcome.verdict.blocking
    await dismiss(service, change, f"/mergegate dismiss {finding.id} test-code until 2026-12-02 "
                                   "a fixture")
    pushed = forge.open(REPO, 2, BASE, {**BASE, "app.py": LEAKY, "c.md": "c\n"}, "someone")
    published = len(forge.published)
    clock.now = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)
    assert await tick(service) == 1
    assert await run_queued(service) == ["expire_dismissals"]
    assert len(forge.published) == published  # the old head is not re-judged
    assert [e.action for e in service.store.records.audit_entries(
        REPO.key, actions=["expired"])] == ["expired"]
    outcome = await scan_change(service, forge, pushed)  # the new head's scan: red
    assert outcome is not None and outcome.verdict.conclusion == "failure"


async def test_an_organization_policy_change_rescans_every_known_repository_of_the_org(
    service: Service, forge: MemoryForge,
) -> None:
    other = RepoRef("memory", "acme/api", installation_id="9", default_branch="trunk")
    stranger = RepoRef("memory", "acme-corp/app", default_branch="main")
    for repo in (REPO, other, stranger):
        forge.branch(repo, repo.default_branch or "main", BASE)
        change = forge.open(repo, 1, BASE, {**BASE, "x.md": "x\n"}, "someone",
                            base_ref=repo.default_branch or "main")
        await service.db(Enqueuer(service).scan, change, reason="opened")
    assert await run_queued(service) == ["scan", "scan", "scan"]
    assert known_repo(service.store.queue, other.key) == other

    source = RepoRef("memory", "acme/.github", installation_id="9", default_branch="main")
    await service.db(Enqueuer(service).rescan_installation, source,
                     reason="the organization policy changed")
    runner = JobRunner(service)
    job = await service.db(service.store.queue.claim)
    assert job is not None and job.kind == "rescan_installation"
    await runner.run(job)
    queued = []
    while (job := await service.db(service.store.queue.claim)) is not None:
        queued.append(job)
        await runner.run(job)
    rescans = [j for j in queued if j.kind == "rescan_open"]
    assert sorted(repo_from_dict(j.payload["repo"]).full_name for j in rescans) == [
        "acme/api", "acme/app"]
    assert {j.payload["reason"] for j in rescans} == {"the organization policy changed"}
    api = next(repo_from_dict(j.payload["repo"]) for j in rescans
               if j.payload["repo"]["full_name"] == "acme/api")
    assert api == other  # installation and default branch from its stored jobs
    # Each repository's open changes are scanned again (forced: the heads were scanned).
    assert sorted(j.key for j in queued if j.kind == "scan") == [
        "memory:acme/api#1", "memory:acme/app#1"]
