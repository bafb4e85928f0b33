"""GitHub webhook events, one router per feature; handlers only translate and enqueue."""

from __future__ import annotations

from gidgethub import routing

from mergegate.forge.github.events import checks, comments, deployments, pulls, pushes, workflow_runs

router = routing.Router(
    pulls.router, comments.router, checks.router, deployments.router, pushes.router,
    workflow_runs.router,
)
