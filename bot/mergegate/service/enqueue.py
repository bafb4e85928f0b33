"""Turning events into jobs: what webhook handlers call. Nothing here talks to a forge."""

from __future__ import annotations

import logging
from collections.abc import Callable

from mergegate.forge.base import (
    ChangeRef,
    CiRun,
    CommentRef,
    DeploymentRequest,
    PolicyEdit,
    RepoRef,
)
from mergegate.service.context import Service
from mergegate.service.payloads import (
    change_to_dict,
    ci_run_to_dict,
    comment_to_dict,
    deployment_to_dict,
    repo_to_dict,
)
from mergegate.store.queue import QueueStore

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 1.0  # a push soon after another waits this long for more pushes
BURST_WINDOW = 10.0  # "soon": a scan of the same change was queued this recently


def _later() -> None:
    """Wake nobody now: the caller notifies once its transaction is committed."""


class Enqueuer:
    """Queues jobs in ``queue`` (the store's by default) and wakes the runners.

    Given a transaction's queue (`QueueStore.transaction`), it does not wake them: the caller
    calls ``service.notify()`` after the commit, so no runner looks before the jobs exist.
    """

    def __init__(self, service: Service, queue: QueueStore | None = None) -> None:
        self.service = service
        self.queue = queue if queue is not None else service.store.queue
        self._notify: Callable[[], None] = service.notify if queue is None else _later

    def scan(self, change: ChangeRef, *, reason: str, force: bool = False,
             policy_ref: str | None = None) -> int | None:
        """Queue a scan of the change's head; a later head supersedes an earlier one.

        Without ``force``, a head that is already queued, running or scanned is left alone
        (GitHub sends both `pull_request` and `check_suite` for a push, and redelivers), and
        a push that follows another within seconds is debounced: a burst of pushes makes at
        most one scan beyond the one already running. A forced scan (a rescan asked for by a
        person) starts at once.
        """
        delay = 0.0
        if not force:
            for active in self.queue.active_payloads(change.key, "scan"):
                if active["change"]["head_sha"] == change.head_sha:
                    return None
            done = self.service.store.records.scan_for(change.repo.key, change.head_sha)
            if done is not None and done.status == "completed":
                return None
            if self.queue.recent(change.key, "scan", BURST_WINDOW):
                delay = DEBOUNCE_SECONDS
        payload: dict[str, object] = {"change": change_to_dict(change), "reason": reason}
        if policy_ref:
            payload["policy_ref"] = policy_ref
        job = self.queue.enqueue("scan", change.key, payload, coalesce=True, delay=delay)
        self._notify()
        return job

    def cancel(self, change: ChangeRef) -> int:
        self.queue.drop_queued(change.key, ("scan",))
        job = self.queue.enqueue("cancel", change.key, {"change": change_to_dict(change)},
                                 coalesce=False)
        self._notify()
        return job

    def command(self, comment: CommentRef) -> int:
        job = self.queue.enqueue("command", comment.change.key,
                                 {"comment": comment_to_dict(comment)}, coalesce=False)
        self._notify()
        return job

    def deployment(self, request: DeploymentRequest) -> int:
        key = (f"{request.repo.key}#{request.pull_numbers[0]}" if request.pull_numbers
               else f"{request.repo.key}@{request.sha}")
        job = self.queue.enqueue("deployment", key, {"request": deployment_to_dict(request)},
                                 coalesce=False)
        self._notify()
        return job

    def workflow_logs(self, repo: RepoRef, run: dict[str, object], pulls: list[int]) -> int:
        """Queue the scan of a completed CI run's logs; one at a time per repository, so two
        runs of one pull request never both create its CI-logs comment."""
        job = self.queue.enqueue("workflow_logs", f"{repo.key}#workflow-logs",
                                 {"repo": repo_to_dict(repo), "run": run, "pulls": pulls},
                                 coalesce=False)
        self._notify()
        return job

    def ci_results(self, repo: RepoRef, run: CiRun, changes: list[int]) -> list[int]:
        """Queue the reading of a finished CI run's result files, one job per change it ran
        for, on the change's own key: never at the same time as the change's scan, so the scan
        either sees the stored results or is re-judged with them afterwards."""
        jobs = []
        for number in changes:
            key = ChangeRef(repo, number, "", "", "", "").key
            jobs.append(self.queue.enqueue(
                "ci_results", key,
                {"repo": repo_to_dict(repo), "run": ci_run_to_dict(run), "change": number},
                coalesce=False))
        self._notify()
        return jobs

    def rescan_open_changes(self, repo: RepoRef, *, base_ref: str | None = None,
                            head_sha: str | None = None, reason: str) -> int:
        """Re-scan every open change of a branch (policy edited) or with a head commit."""
        job = self.queue.enqueue(
            "rescan_open", f"{repo.key}#open",
            {"repo": repo_to_dict(repo), "base_ref": base_ref, "head_sha": head_sha,
             "reason": reason},
            coalesce=False,
        )
        self._notify()
        return job

    def record_policy_edit(self, repo: RepoRef, edit: PolicyEdit, where: str) -> None:
        """The audit row of a policy change (``where``: the branch, or the organization)."""
        self.queue.audit(repo.key, "policy_change", edit.actor, edit.commit,
                         f"{', '.join(edit.paths)} changed on {where}", edit.link)

    def rescan_installation(self, source: RepoRef, *, reason: str) -> int:
        """Re-scan the open changes of every repository of ``source``'s owner that MergeGate
        knows (the organization policy in ``source`` changed); one job per organization."""
        job = self.queue.enqueue(
            "rescan_installation", f"{source.forge}:{source.owner}#installation",
            {"repo": repo_to_dict(source), "reason": reason}, coalesce=True,
        )
        self._notify()
        return job

    def expire_dismissals(self, repo: RepoRef) -> int:
        """Re-judge the repository's changes that expired dismissals applied to; one queued
        job per repository, however many ticks find it."""
        job = self.queue.enqueue("expire_dismissals", f"{repo.key}#expired-dismissals",
                                 {"repo": repo_to_dict(repo)}, coalesce=True)
        self._notify()
        return job
