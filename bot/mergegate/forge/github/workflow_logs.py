"""A completed workflow run's logs: downloaded, scanned, reported on its pull requests.

The logs endpoint answers a redirect to a signed URL of a zip, followed by `downloads` (the
installation token goes to GitHub only, never to the storage host). The zip is streamed to a
temporary file under a size cap, its members are read one by one by the log scanner in a
thread (the event loop keeps answering) under a cap on the decompressed bytes of all members
together (`Settings.log_max_bytes`: past it the report is truncated and the comment
says what was read), and each pull request of the run gets its one MergeGate CI-logs comment
created or edited (`workflow_logs_comment`).
A download that fails (expired logs, GitHub down) is logged and noted in the comment.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any, BinaryIO, Protocol

import gidgethub

from mergegate.config import Settings
from mergegate.forge.base import LogsUnavailable, RepoRef
from mergegate.forge.github.api import Api
from mergegate.forge.github.auth import AppAuth
from mergegate.forge.github.client import GitHubClient, is_not_found
from mergegate.forge.github.downloads import LOGS, download_redirected
from mergegate.forge.github.workflow_logs_comment import (
    MARKER,
    RunInfo,
    merge_comment,
    render_section,
    select_members,
    worth_reporting,
)
from mergegate.logscan.report import FileError, LogReport
from mergegate.logscan.scan import scan_streams

log = logging.getLogger(__name__)

MAX_ZIP_BYTES = 512 * 1024 * 1024
LOGS_URL = "/repos/{owner}/{repo}/actions/runs/{run_id}/logs"
RUN_URL = "/repos/{owner}/{repo}/actions/runs/{run_id}"
COMMENTS_URL = "/repos/{owner}/{repo}/issues/{issue_number}/comments{?per_page}"
COMMENT_URL = "/repos/{owner}/{repo}/issues/comments/{comment_id}"


class GitHubParts(Protocol):
    """What reading a run's logs needs of the GitHub forge (`GitHubForge` has them)."""

    client: GitHubClient
    auth: AppAuth
    api: Api
    settings: Settings


async def download_logs(forge: GitHubParts, repo: RepoRef, run_id: int, dest: IO[bytes],
                        limit: int = MAX_ZIP_BYTES) -> None:
    """Write the run's logs zip to ``dest``; raises `LogsUnavailable` with the reason."""
    await download_redirected(forge, repo, LOGS_URL, {"owner": repo.owner, "repo": repo.name,
                                                      "run_id": run_id},
                              dest, limit, terms=LOGS, error=LogsUnavailable)


def scan_zip(fh: IO[bytes], max_bytes: int = Settings.log_max_bytes) -> LogReport:
    """Scan a run's logs zip member by member (blocking: run it in a thread), ``max_bytes``
    decompressed bytes at most over all members: a zip bomb is read that far, then truncated."""
    try:
        archive = zipfile.ZipFile(fh)
    except zipfile.BadZipFile:
        raise LogsUnavailable("the logs download is not a zip archive") from None
    with archive:
        infos = {i.filename: i for i in archive.infolist() if not i.is_dir()}
        chosen = [infos[n] for n in select_members(list(infos))]

        def streams() -> Iterator[tuple[str, BinaryIO]]:
            for info in chosen:
                with archive.open(info) as member:
                    yield info.filename, member  # type: ignore[misc]

        try:
            return scan_streams(streams(), max_bytes)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            report = LogReport()
            report.errors.append(FileError("logs.zip", f"cannot read: {exc}"))
            return report


async def fetch_report(forge: GitHubParts, repo: RepoRef, run_id: int,
                       limit: int = MAX_ZIP_BYTES) -> LogReport:
    with tempfile.TemporaryFile(prefix="mergegate-logs-") as tmp:
        await download_logs(forge, repo, run_id, tmp, limit)
        tmp.seek(0)
        return await asyncio.to_thread(scan_zip, tmp, forge.settings.log_max_bytes)


def _ours(comment: dict[str, Any], app_id: str | None) -> bool:
    """Written by this App (a person quoting the marker does not make a comment ours)."""
    if (comment.get("user") or {}).get("type") != "Bot":
        return False
    app = comment.get("performed_via_github_app")
    return not isinstance(app, dict) or str(app.get("id")) == str(app_id)


async def _find_comment(forge: GitHubParts, repo: RepoRef, number: int) -> dict[str, Any] | None:
    async for comment in forge.api.iterate(
        repo.installation_id, COMMENTS_URL,
        {"owner": repo.owner, "repo": repo.name, "issue_number": number, "per_page": 100},
    ):
        if MARKER in str(comment.get("body") or "") and _ours(comment,
                                                                forge.settings.github_app_id):
            return dict(comment)
    return None


async def comment_on_pull(forge: GitHubParts, repo: RepoRef, number: int, run: RunInfo,
                          report: LogReport | None, error: str | None) -> str:
    """Create or edit the pull request's CI-logs comment; what was done, for logs/tests."""
    existing = await _find_comment(forge, repo, number)
    if existing is None and not worth_reporting(run, report, error):
        return "clean"
    body = merge_comment(existing.get("body") if existing else None, run,
                         render_section(run, report, error))
    if body is None:
        return "stale"
    if existing is None:
        await forge.api.request(
            repo.installation_id, "POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            {"owner": repo.owner, "repo": repo.name, "issue_number": number}, {"body": body})
        return "created"
    if existing.get("body") == body:
        return "unchanged"
    await forge.api.request(
        repo.installation_id, "PATCH", COMMENT_URL,
        {"owner": repo.owner, "repo": repo.name, "comment_id": int(existing["id"])},
        {"body": body})
    return "edited"


class GitHubCiLogs:
    """A completed workflow run's logs, scanned, and the pull request's CI-logs comment:
    `mergegate.forge.base.CiLogs` for GitHub Actions."""

    def __init__(self, forge: GitHubParts) -> None:
        self.forge = forge

    async def run_completed(self, repo: RepoRef, run_id: int) -> bool | None:
        try:
            current = await self.forge.api.request(
                repo.installation_id, "GET", RUN_URL,
                {"owner": repo.owner, "repo": repo.name, "run_id": run_id})
        except gidgethub.HTTPException as exc:
            if not is_not_found(exc):
                raise  # the job is retried
            return None
        return bool(current.get("status") == "completed")

    async def scan_run_logs(self, repo: RepoRef, run_id: int) -> LogReport:
        return await fetch_report(self.forge, repo, run_id)

    async def comment_logs(self, repo: RepoRef, number: int, run: dict[str, Any],
                           report: LogReport | None, error: str | None) -> str:
        return await comment_on_pull(self.forge, repo, number, RunInfo(**run), report, error)
