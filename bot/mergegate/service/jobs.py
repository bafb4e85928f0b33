"""Running one job of the queue: the dispatch from a job's kind to the service call."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from mergegate.core.words import Words
from mergegate.forge.base import ReportHandle, causes
from mergegate.service.ci_logs import report_workflow_logs
from mergegate.service.ci_results import ingest_ci_results
from mergegate.service.comments import handle_comment
from mergegate.service.context import Service
from mergegate.service.deployments import handle_deployment
from mergegate.service.enqueue import Enqueuer
from mergegate.service.payloads import (
    change_from_dict,
    comment_from_dict,
    deployment_from_dict,
    repo_from_dict,
)
from mergegate.service.schedule import expire_dismissals, rescan_installation
from mergegate.service.verdicts import scan_change
from mergegate.store.queue import Job

log = logging.getLogger(__name__)

def error_message(words: Words) -> str:
    """Why a scan's report was closed after its last attempt, and what to do."""
    return (f"MergeGate could not finish this scan after several attempts. "
            f"{words.rescan_hint} to try again.")


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
            await service.db(Enqueuer(service).scan, change,
                             reason=p.get("reason", "re-evaluate"), force=True,
                             policy_ref=change.base_ref if p.get("base_ref") else None)
    elif job.kind == "workflow_logs":
        await report_workflow_logs(service, p)
    elif job.kind == "ci_results":
        await ingest_ci_results(service, p)
    elif job.kind == "expire_dismissals":
        await expire_dismissals(service, repo_from_dict(p["repo"]))
    elif job.kind == "rescan_installation":
        await rescan_installation(service, repo_from_dict(p["repo"]), p.get("reason", ""))
    else:
        log.error("unknown job kind %r (job %s): dropped", job.kind, job.id)


def _forge_name(job: Job) -> str | None:
    p = job.payload
    for holder in (p.get("change"), (p.get("comment") or {}).get("change"), p.get("request"),
                   {"repo": p.get("repo")}):
        if isinstance(holder, dict) and isinstance(holder.get("repo"), dict):
            return str(holder["repo"].get("forge"))
    return None


def forge_failed(service: Service, job: Job, exc: BaseException) -> bool:
    """Whether the job failed because its forge could not be reached or failed on its side
    (a failing store is not the forge: those jobs get the ordinary, shorter retries)."""
    if any(isinstance(e, SQLAlchemyError) for e in causes(exc)):
        return False
    forge = service.forges.get(_forge_name(job) or "")
    return forge is not None and forge.unavailable(exc)


async def show_retrying(service: Service, job: Job, exc: BaseException, delay: float) -> None:
    """Show a scan's report as queued again, with why and when; keep its handle for the job."""
    if job.kind != "scan":
        return
    change = change_from_dict(job.payload["change"])
    forge = service.forge(change.repo.forge)
    what = ("the forge could not be reached or failed" if forge.unavailable(exc)
            else "an error")
    message = (f"MergeGate could not finish this scan ({what}: {type(exc).__name__}); attempt "
               f"{job.attempts} failed, the next one starts in about {delay:.0f} s. Nothing "
               "needs doing: the check completes on its own.")
    fresh = await service.db(service.store.queue.get, job.id)
    report_id = (fresh or job).report_id  # the scan may have set it
    handle = await forge.report_retrying(
        change, ReportHandle(report_id) if report_id else None, message)
    if not report_id:
        await service.db(service.store.queue.set_report, job.id, handle.id)


async def give_up(service: Service, job: Job, error: str) -> None:
    """After the last attempt: close the report this job started, exactly once (creating it
    first when the forge never answered until now, so the check is never missing)."""
    if job.kind != "scan":
        return
    change = change_from_dict(job.payload["change"])
    forge = service.forge(change.repo.forge)
    handle = ReportHandle(job.report_id) if job.report_id else await forge.report_in_progress(change)
    await forge.report_closed(change, handle, "error", error_message(forge.words))
    records = service.store.records
    scan = await service.db(records.scan_for, change.repo.key, change.head_sha)
    if scan is not None:
        await service.db(records.set_scan_status, scan.id, "failed", "failure")
