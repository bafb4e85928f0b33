"""`deployment_protection_rule` requested: the deployment gate."""

from __future__ import annotations

from gidgethub import routing, sansio

from mergegate.forge.base import DeploymentRequest
from mergegate.forge.github.forge import repo_from_payload
from mergegate.service.enqueue import Enqueuer

router = routing.Router()


@router.register("deployment_protection_rule", action="requested")
async def requested(event: sansio.Event, enqueue: Enqueuer) -> None:
    data = event.data
    deployment = data.get("deployment") or {}
    repo = repo_from_payload(data["repository"], data.get("installation"))
    enqueue.deployment(DeploymentRequest(
        repo=repo,
        environment=str(data.get("environment") or deployment.get("environment", "")),
        sha=str(deployment.get("sha", "")),
        callback=str(data.get("deployment_callback_url", "")),
        ref=deployment.get("ref"),
        pull_numbers=tuple(int(p["number"]) for p in data.get("pull_requests") or []),
    ))
