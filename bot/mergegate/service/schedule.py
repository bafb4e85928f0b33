"""The scheduler: what the bot does without an event on the change.

- A tick (every ``MERGEGATE_SCHEDULER_INTERVAL`` seconds: `run_timer` in `serve`, beside the
  embedded job runner on SQLite and beside the dispatcher on PostgreSQL) queues one
  `expire_dismissals` job per repository with dismissals that expired and were not acted on yet.
- That job re-judges the repository's open changes whose latest completed scan has a finding
  a now-expired dismissal covered (no rescan: `verdicts.reevaluate`), so their check turns red
  again without a push, then records one `expired` audit row per dismissal. A dismissal's
  expiry is acted on once (`dismissals.expiry_noted_at`), whichever process ticks.
- A `rescan_installation` job (the organization policy changed) queues `rescan_open` for each
  repository of the organization MergeGate has scanned: the forge's list of an installation's
  repositories is not used, so repositories never scanned are not touched (they have no
  check to update).

Repositories are rebuilt from the payloads of their latest jobs: that is where the forge's
installation and default branch were recorded.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable

from mergegate.forge.base import ChangeRef, NotFound, RepoRef
from mergegate.service.context import Service
from mergegate.service.enqueue import Enqueuer
from mergegate.service.payloads import repo_from_dict
from mergegate.service.verdicts import reevaluate
from mergegate.store.queue import QueueStore

log = logging.getLogger(__name__)


def known_repo(queue: QueueStore, key: str) -> RepoRef | None:
    """The repository with store key ``key`` as its latest job described it, or None."""
    for payload in queue.payloads_about(key):
        for holder in (payload, payload.get("change"), payload.get("request"),
                       (payload.get("comment") or {}).get("change")):
            d = holder.get("repo") if isinstance(holder, dict) else None
            if not isinstance(d, dict):
                continue
            try:
                repo = repo_from_dict(d)
            except TypeError:  # a payload of an older shape
                continue
            if repo.key == key:
                return repo
    return None


async def tick(service: Service) -> int:
    """One tick of the scheduler; returns how many repositories got an `expire_dismissals`
    job. Safe to run in several processes at once: the jobs coalesce per repository."""
    queued = await service.db(_queue_expiries, service, service.clock())
    if queued:
        service.notify()
    return queued


async def run_timer(service: Service, interval: float,
                    on_tick: Callable[[], None] | None = None) -> None:
    """The scheduler's timer, until cancelled: a tick now, then one every ``interval`` seconds.
    A tick that fails (the database is away) is logged; the next one tries again."""
    while True:
        try:
            await tick(service)
        except Exception as exc:  # the database is away: the next tick tries again
            log.warning("scheduler tick failed: %s", type(exc).__name__)
        if on_tick is not None:
            on_tick()
        await asyncio.sleep(interval)


def _queue_expiries(service: Service, now: dt.datetime) -> int:
    records, queue = service.store.records, service.store.queue
    queued = 0
    for key in records.repos_with_expired_dismissals(now):
        repo = known_repo(queue, key)
        if repo is None:  # no job ever named it: no change of it to re-judge
            for d in records.note_expired(records.expired_dismissals(key, now), now):
                service.metrics.record_dismissal("expired", d.reason)
            continue
        with queue.transaction() as bound:
            Enqueuer(service, bound).expire_dismissals(repo)
        queued += 1
    if queued:
        log.info("scheduler: %d repositories have expired dismissals", queued)
    return queued


async def expire_dismissals(service: Service, repo: RepoRef) -> int:
    """Re-judge the repository's open changes that its expired dismissals applied to, then
    record each expiry; returns how many changes were re-judged."""
    records, queue = service.store.records, service.store.queue
    store_external = service.store.external
    now = service.clock()
    expired = await service.db(records.expired_dismissals, repo.key, now)
    if not expired:
        return 0
    forge = service.forge(repo.forge)
    fingerprints = [d.fingerprint for d in expired]
    candidates = await service.db(records.changes_with_findings, repo.key, fingerprints)
    # Other tools' findings from CI are stored per head, apart from the scans' findings.
    for sha in sorted(await service.db(store_external.heads_with_findings, repo.key,
                                       fingerprints)):
        scan = await service.db(records.scan_for, repo.key, sha)
        if scan is not None and scan.change_number is not None:
            candidates.append((scan.change_number, sha))
    candidates = sorted(set(candidates))
    rejudged = 0
    for number, sha in candidates:
        key = ChangeRef(repo, number, sha, "", "", "").key
        if await service.db(queue.latest_kind, key, ("scan", "cancel")) == "cancel":
            continue  # closed since its last scan
        try:
            change = await forge.get_change(repo, number)
        except NotFound:
            continue
        if change.head_sha != sha:
            continue  # a newer head: its scan (queued or done) judges with today's dismissals
        if await reevaluate(service, forge, change) is not None:
            rejudged += 1
    for d in await service.db(records.note_expired, expired, now):
        service.metrics.record_dismissal("expired", d.reason)
    log.info("%s: %d dismissals expired, %d changes re-judged", repo.full_name, len(expired),
             rejudged)
    return rejudged


async def rescan_installation(service: Service, source: RepoRef, reason: str) -> int:
    """Queue `rescan_open` for every repository of ``source``'s owner with stored scans;
    returns how many."""
    store = service.store

    def queue_all() -> int:
        repos = []
        for key in store.records.scanned_repos(f"{source.forge}:{source.owner}/"):
            repo = known_repo(store.queue, key) or RepoRef(source.forge, key.split(":", 1)[1])
            if repo.installation_id is None:
                repo = dataclasses.replace(repo, installation_id=source.installation_id)
            repos.append(repo)
        with store.queue.transaction() as bound:
            enqueue = Enqueuer(service, bound)
            for repo in repos:
                enqueue.rescan_open_changes(repo, reason=reason)
        return len(repos)

    count = await service.db(queue_all)
    service.notify()
    log.info("%s: %s; re-evaluating %d repositories", source.owner, reason, count)
    return count
