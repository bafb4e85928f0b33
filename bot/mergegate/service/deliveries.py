"""Accepting a webhook delivery: its id and its jobs are recorded in one transaction.

A redelivery is recognised by its id, so the id must never be stored without the jobs: if
queueing fails (the database went away), the transaction rolls back, the forge gets a 500
and its redelivery is handled afresh instead of being answered "duplicate".

These calls block on the database: the webhook handler runs them in a thread
(``await asyncio.to_thread(accept_delivery, ...)``) so the event loop keeps answering.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from mergegate.forge.base import (
    Action,
    Cancel,
    CiResults,
    Command,
    Deploy,
    Ignore,
    RescanInstallation,
    RescanOpen,
    Scan,
    WorkflowLogs,
)
from mergegate.service.context import Service
from mergegate.service.enqueue import Enqueuer


def dispatch(enqueue: Enqueuer, action: Action) -> None:
    """Queue the jobs one action asks for."""
    if isinstance(action, Scan):
        enqueue.scan(action.change, reason=action.reason, force=action.force)
    elif isinstance(action, Cancel):
        enqueue.cancel(action.change)
    elif isinstance(action, Command):
        enqueue.command(action.comment)
    elif isinstance(action, RescanOpen):
        if action.edit is not None:
            enqueue.record_policy_edit(action.repo, action.edit, action.base_ref or "")
        enqueue.rescan_open_changes(action.repo, base_ref=action.base_ref,
                                    head_sha=action.head_sha, reason=action.reason)
    elif isinstance(action, RescanInstallation):
        if action.edit is not None:
            enqueue.record_policy_edit(action.source, action.edit,
                                       f"the organization {action.source.owner}")
        enqueue.rescan_installation(action.source, reason=action.reason)
    elif isinstance(action, Deploy):
        enqueue.deployment(action.request)
    elif isinstance(action, WorkflowLogs):
        enqueue.workflow_logs(action.repo, action.run, list(action.pulls))
    elif isinstance(action, CiResults):
        enqueue.ci_results(action.repo, action.run, list(action.changes))
    elif not isinstance(action, Ignore):  # pragma: no cover - Action is a closed union
        raise TypeError(f"unknown action {action!r}")


def accept_delivery(
    service: Service, forge: str, delivery_id: str, event: str, actions: Sequence[Action],
) -> bool:
    """Record the delivery and queue its actions' jobs in one transaction.

    Returns False for a delivery seen before (nothing queued). Any error rolls everything
    back and is raised. Blocking: call it in a thread.
    """
    recorded = False
    try:
        with service.store.queue.transaction() as queue:
            queue.add_delivery(forge, delivery_id, event)
            recorded = True
            enqueue = Enqueuer(service, queue)
            for action in actions:
                dispatch(enqueue, action)
    except IntegrityError:
        if recorded:
            raise
        return False
    return True
