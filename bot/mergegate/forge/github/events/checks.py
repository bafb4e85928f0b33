"""`check_suite` and `check_run` events: GitHub's re-run links and our Re-scan button."""

from __future__ import annotations

from typing import Any

from gidgethub import routing, sansio

from mergegate.forge.base import ChangeRef, RepoRef
from mergegate.forge.github.checks import CHECK_NAME, RESCAN_ACTION
from mergegate.forge.github.forge import repo_from_payload
from mergegate.service.enqueue import Enqueuer

router = routing.Router()


def _changes(repo: RepoRef, pulls: list[dict[str, Any]]) -> list[ChangeRef]:
    return [
        ChangeRef(repo, int(p["number"]), str(p["head"]["sha"]), str(p["base"]["sha"]),
                  str(p["base"]["ref"]), "", str(p["head"].get("ref", "")))
        for p in pulls
    ]


def _rescan(enqueue: Enqueuer, repo: RepoRef, pulls: list[dict[str, Any]], sha: str,
            reason: str, force: bool) -> None:
    changes = _changes(repo, pulls)
    if not changes:
        # A fork's push: GitHub does not say which pull request; look for it by head.
        if force:
            enqueue.rescan_open_changes(repo, head_sha=sha, reason=reason)
        return
    for change in changes:
        enqueue.scan(change, reason=reason, force=force)


@router.register("check_suite", action="requested")
@router.register("check_suite", action="rerequested")
async def suite(event: sansio.Event, enqueue: Enqueuer) -> None:
    data = event.data
    suite = data["check_suite"]
    repo = repo_from_payload(data["repository"], data.get("installation"))
    action = data["action"]
    _rescan(enqueue, repo, suite.get("pull_requests") or [], str(suite["head_sha"]),
            f"check_suite {action}", force=action == "rerequested")


@router.register("check_run", action="rerequested")
async def rerun(event: sansio.Event, enqueue: Enqueuer) -> None:
    data = event.data
    run = data["check_run"]
    if run.get("name") != CHECK_NAME:
        return
    repo = repo_from_payload(data["repository"], data.get("installation"))
    _rescan(enqueue, repo, run.get("pull_requests") or [], str(run["head_sha"]),
            "check_run rerequested", force=True)


@router.register("check_run", action="requested_action")
async def button(event: sansio.Event, enqueue: Enqueuer) -> None:
    data = event.data
    run = data["check_run"]
    if run.get("name") != CHECK_NAME:
        return
    if (data.get("requested_action") or {}).get("identifier") != RESCAN_ACTION:
        return
    repo = repo_from_payload(data["repository"], data.get("installation"))
    _rescan(enqueue, repo, run.get("pull_requests") or [], str(run["head_sha"]),
            f"Re-scan requested by @{(data.get('sender') or {}).get('login', '')}", force=True)
