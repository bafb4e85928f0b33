"""The `workflow_logs` job: a completed CI run's logs scanned, reported on its changes."""

from __future__ import annotations

import logging
from typing import Any

from mergegate.forge.base import LogsUnavailable
from mergegate.logscan.report import LogReport
from mergegate.service.context import Service
from mergegate.service.payloads import repo_from_dict

log = logging.getLogger(__name__)


async def report_workflow_logs(service: Service, payload: dict[str, Any]) -> list[str]:
    """Scan the run's logs and create or edit each change's CI-logs comment; the outcomes."""
    repo = repo_from_dict(payload["repo"])
    run: dict[str, Any] = payload["run"]
    run_id = int(run["run_id"])
    logs = service.forge(repo.forge).ci_logs
    if logs is None:
        log.error("workflow logs job for a %s repository dropped", repo.forge)
        return []
    completed = await logs.run_completed(repo, run_id)
    if completed is None:
        log.warning("workflow run %s of %s is gone: its logs are not read", run_id,
                    repo.full_name)
        return []
    if not completed:
        # A re-run started since: its own `completed` event will bring its logs.
        log.info("workflow run %s runs again: its logs are not read now", run_id)
        return []
    report: LogReport | None = None
    error: str | None = None
    try:
        report = await logs.scan_run_logs(repo, run_id)
    except LogsUnavailable as exc:
        error = str(exc)
        log.error("logs of workflow run %s of %s could not be read: %s", run_id,
                  repo.full_name, error)
    outcomes = [await logs.comment_logs(repo, int(n), run, report, error)
                for n in payload["pulls"]]
    log.info("workflow run %s logs: %s", run_id, ", ".join(outcomes) or "no pull request")
    return outcomes
