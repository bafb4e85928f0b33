"""`push` to the default branch that changes the policy: re-evaluate its open pull requests."""

from __future__ import annotations

from gidgethub import routing, sansio

from mergegate.core.policy import POLICY_PATHS
from mergegate.forge.github.forge import repo_from_payload
from mergegate.service.enqueue import Enqueuer

router = routing.Router()


@router.register("push")
async def push(event: sansio.Event, enqueue: Enqueuer) -> None:
    data = event.data
    repository = data.get("repository") or {}
    branch = str(data.get("ref", "")).removeprefix("refs/heads/")
    if not branch or branch != repository.get("default_branch"):
        return
    touched = {
        path
        for commit in data.get("commits") or []
        for key in ("added", "modified", "removed")
        for path in commit.get(key) or []
    }
    if not touched.intersection(POLICY_PATHS):
        return
    repo = repo_from_payload(repository, data.get("installation"))
    enqueue.rescan_open_changes(repo, base_ref=branch, reason="the policy changed on " + branch)
