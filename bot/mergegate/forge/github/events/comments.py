"""`issue_comment` created on a pull request: slash commands (edits and bots are ignored)."""

from __future__ import annotations

from gidgethub import routing, sansio

from mergegate.core.commands import PREFIX
from mergegate.forge.base import ChangeRef, CommentRef
from mergegate.forge.github.forge import repo_from_payload
from mergegate.service.enqueue import Enqueuer

router = routing.Router()


@router.register("issue_comment", action="created")
async def command(event: sansio.Event, enqueue: Enqueuer) -> None:
    data = event.data
    issue, comment = data["issue"], data["comment"]
    if not issue.get("pull_request"):
        return
    body = comment.get("body") or ""
    if PREFIX not in body.lower():
        return
    user = comment.get("user") or {}
    if user.get("type") == "Bot" or str(user.get("login", "")).endswith("[bot]"):
        return
    repo = repo_from_payload(data["repository"], data.get("installation"))
    change = ChangeRef(repo, int(issue["number"]), "", "", "",
                       str((issue.get("user") or {}).get("login", "")))
    enqueue.command(CommentRef(change, str(comment["id"]), str(user.get("login", "")), body,
                               comment.get("html_url"), False))
