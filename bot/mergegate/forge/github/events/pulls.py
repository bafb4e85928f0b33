"""`pull_request`: scan on opened/synchronize/reopened/ready_for_review, cancel on closed."""

from __future__ import annotations

from typing import Any

from gidgethub import routing, sansio

from mergegate.forge.github.forge import change_from_pull, repo_from_payload
from mergegate.service.enqueue import Enqueuer

router = routing.Router()


def _change(event: sansio.Event) -> Any:
    data = event.data
    return change_from_pull(repo_from_payload(data["repository"], data.get("installation")),
                            data["pull_request"])


@router.register("pull_request", action="opened")
@router.register("pull_request", action="reopened")
@router.register("pull_request", action="synchronize")
@router.register("pull_request", action="ready_for_review")
async def scan(event: sansio.Event, enqueue: Enqueuer) -> None:
    action = event.data["action"]
    # A reopened change is scanned again: the policy or the dismissals may have moved on.
    enqueue.scan(_change(event), reason=f"pull_request {action}", force=action == "reopened")


@router.register("pull_request", action="closed")
async def cancel(event: sansio.Event, enqueue: Enqueuer) -> None:
    enqueue.cancel(_change(event))
