"""Running one job of the queue: the dispatch from a job's kind to the service call."""

from __future__ import annotations

import logging

from mergegate.forge.base import ReportHandle
from mergegate.service.comments import handle_comment
from mergegate.service.context import Service
from mergegate.service.deployments import handle_deployment
from mergegate.service.enqueue import Enqueuer
from mergegate.service.gate import scan_change
from mergegate.service.payloads import (
    change_from_dict,
    comment_from_dict,
    deployment_from_dict,
    repo_from_dict,
)
from mergegate.store.queue import Job

log = logging.getLogger(__name__)

ERROR_MESSAGE = (
    "MergeGate could not finish this scan after several attempts. "
    "Use the Re-scan button or comment `/mergegate rescan` to try again."
)


async def run_job(service: Service, job: Job) -> None:
    p = job.payload
    if job.kind == "scan":
        change = change_from_dict(p["change"])
        await scan_change(service, service.forge(change.repo.forge), change, job,
                          policy_ref=p.get("policy_ref"))
    elif job.kind == "cancel":
        return  # a running scan of the change sees this job and closes its report
    elif job.kind == "command":
        comment = comment_from_dict(p["comment"])
        await handle_comment(service, service.forge(comment.change.repo.forge), comment,
                             job.attempts)
    elif job.kind == "deployment":
        request = deployment_from_dict(p["request"])
        await handle_deployment(service, service.forge(request.repo.forge), request)
    elif job.kind == "rescan_open":
        repo = repo_from_dict(p["repo"])
        forge = service.forge(repo.forge)
        base_ref = p.get("base_ref") or repo.default_branch or ""
        for change in await forge.open_changes(repo, base_ref):
            if p.get("head_sha") and change.head_sha != p["head_sha"]:
                continue
            Enqueuer(service).scan(change, reason=p.get("reason", "re-evaluate"), force=True,
                                   policy_ref=change.base_ref if p.get("base_ref") else None)
    elif job.kind == "workflow_logs":
        from mergegate.forge.github.workflow_logs import report_workflow_logs

        await report_workflow_logs(service, p)
    else:
        log.error("unknown job kind %r (job %s): dropped", job.kind, job.id)


async def give_up(service: Service, job: Job, error: str) -> None:
    """After the last attempt: close the report this job started, exactly once."""
    if job.kind != "scan" or not job.report_id:
        return
    change = change_from_dict(job.payload["change"])
    forge = service.forge(change.repo.forge)
    await forge.report_closed(change, ReportHandle(job.report_id), "error", ERROR_MESSAGE)
    scan = service.store.records.scan_for(change.repo.key, change.head_sha)
    if scan is not None:
        service.store.records.set_scan_status(scan.id, "failed", "failure")
