"""`workflow_run` completed on a pull request: scan the run's logs (leaked credentials,
clustered failures) and report them in the pull request's CI-logs comment."""

from __future__ import annotations

import dataclasses

from gidgethub import routing, sansio

from mergegate.forge.github.forge import repo_from_payload
from mergegate.forge.github.workflow_logs_comment import RunInfo
from mergegate.service.enqueue import Enqueuer

router = routing.Router()


@router.register("workflow_run", action="completed")
async def completed(event: sansio.Event, enqueue: Enqueuer) -> None:
    data = event.data
    run = data["workflow_run"]
    pulls = sorted({int(p["number"]) for p in run.get("pull_requests") or []})
    if not pulls:
        return  # a push to a branch, a schedule, a fork's PR: no pull request to tell
    repo = repo_from_payload(data["repository"], data.get("installation"))
    info = RunInfo(
        run_id=int(run["id"]),
        workflow_id=int(run.get("workflow_id") or 0),
        name=str(run.get("name") or (data.get("workflow") or {}).get("name") or "workflow"),
        head_sha=str(run.get("head_sha") or ""),
        conclusion=str(run.get("conclusion") or ""),
        html_url=str(run.get("html_url") or ""),
        run_attempt=int(run.get("run_attempt") or 1),
    )
    enqueue.workflow_logs(repo, dataclasses.asdict(info), pulls)
