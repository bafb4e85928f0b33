"""Accepting a webhook delivery: its id and its jobs are recorded in one transaction.

A redelivery is recognised by its id, so the id must never be stored without the jobs: if
queueing fails (the database went away), the transaction rolls back, the forge gets a 500
and its redelivery is handled afresh instead of being answered "duplicate".

These calls block on the database: webhook handlers run them in a thread
(``await asyncio.to_thread(accept_delivery, ...)``) so the event loop keeps answering.
Routing an event stays on the event loop: :class:`EnqueuePlan` stands in for the
:class:`Enqueuer` and records what to queue, and `accept_delivery` replays it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError

from mergegate.forge.base import ChangeRef, CommentRef, DeploymentRequest, RepoRef
from mergegate.service.context import Service
from mergegate.service.enqueue import Enqueuer


class EnqueuePlan:
    """The `Enqueuer` calls an event's handlers make, recorded to be replayed later."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def scan(self, change: ChangeRef, *, reason: str, force: bool = False,
             policy_ref: str | None = None) -> None:
        self.calls.append(("scan", (change,),
                           {"reason": reason, "force": force, "policy_ref": policy_ref}))

    def cancel(self, change: ChangeRef) -> None:
        self.calls.append(("cancel", (change,), {}))

    def command(self, comment: CommentRef) -> None:
        self.calls.append(("command", (comment,), {}))

    def deployment(self, request: DeploymentRequest) -> None:
        self.calls.append(("deployment", (request,), {}))

    def workflow_logs(self, repo: RepoRef, run: dict[str, object], pulls: list[int]) -> None:
        self.calls.append(("workflow_logs", (repo, run, pulls), {}))

    def rescan_open_changes(self, repo: RepoRef, *, base_ref: str | None = None,
                            head_sha: str | None = None, reason: str) -> None:
        self.calls.append(("rescan_open_changes", (repo,),
                           {"base_ref": base_ref, "head_sha": head_sha, "reason": reason}))

    def replay(self, enqueue: Enqueuer) -> str:
        """Make the recorded calls on ``enqueue``; the answer's status."""
        for name, args, kwargs in self.calls:
            getattr(enqueue, name)(*args, **kwargs)
        return "queued"


def accept_delivery(
    service: Service, forge: str, delivery_id: str, event: str,
    apply: Callable[[Enqueuer], str],
) -> str | None:
    """Record the delivery and queue its jobs (``apply``) in one transaction.

    Returns what ``apply`` returned, or None for a delivery seen before (nothing queued).
    Any error rolls everything back and is raised. Blocking: call it in a thread.
    """
    recorded = False
    try:
        with service.store.queue.transaction() as queue:
            queue.add_delivery(forge, delivery_id, event)
            recorded = True
            status = apply(Enqueuer(service, queue))
    except IntegrityError:
        if recorded:
            raise
        return None
    return status
