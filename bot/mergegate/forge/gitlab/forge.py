"""`GitLabForge`: the `Forge` protocol on GitLab's REST API (GitLab.com or self-managed).

Reports are a commit status named `mergegate` on the MR head plus one summary note on the MR
(found again by its hidden marker, edited on every push), and, where
`MERGEGATE_GITLAB_STATUS_CHECK_ID` is set, the answer to GitLab's external status check.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import requests

from mergegate.config import ConfigError, Settings
from mergegate.core.policy import ORG_POLICY_PATH
from mergegate.core.words import MERGE_REQUEST
from mergegate.forge.base import (
    ChangeRef,
    CheckState,
    CiArtifacts,
    CiLogs,
    CommentRef,
    DeploymentRequest,
    DeploymentState,
    FetchedChange,
    ForgeError,
    NotFound,
    Reaction,
    RepoRef,
    Report,
    ReportHandle,
    ReportOutcome,
    Role,
    causes,
)
from mergegate.forge.gitlab import report as rep
from mergegate.forge.gitlab.ci_artifacts import GitLabCiArtifacts
from mergegate.forge.gitlab.client import GitLabApiError, GitLabClient, status_of
from mergegate.forge.gitlab.discussions import InlineDiscussions
from mergegate.forge.gitlab.fetch import ChangeFetcher, TooLarge, read_raw

log = logging.getLogger(__name__)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    attrs = obj if isinstance(obj, dict) else getattr(obj, "attributes", {})
    return attrs.get(key, default)


class GitLabForge:
    name = "gitlab"
    words = MERGE_REQUEST
    ci_logs: CiLogs | None = None  # pipeline job logs are not read yet

    def __init__(
        self, settings: Settings, client: GitLabClient | None = None, *, inline_discussions: bool = True
    ) -> None:
        if not settings.gitlab_token:
            raise ConfigError("GITLAB_TOKEN is required for GitLab")
        self.settings = settings
        self.client = client or GitLabClient(settings.gitlab_url, settings.gitlab_token,
                                             ca_bundle=settings.ca_bundle)
        self.ci_artifacts: CiArtifacts | None = GitLabCiArtifacts(self.client)
        self.bot_username: str | None = None
        self.inline_discussions = inline_discussions
        self._summary_notes: dict[tuple[str, int], int] = {}

    async def aclose(self) -> None:
        self.client.close()

    # -- helpers ----------------------------------------------------------------------------
    def _project(self, repo: RepoRef) -> Any:
        return self.client.gl.projects.get(repo.project_id or repo.full_name, lazy=True)

    def _mr(self, repo: RepoRef, iid: int) -> Any:
        return self._project(repo).mergerequests.get(iid, lazy=True)

    async def _me(self) -> str:
        if self.bot_username is None:
            user = await self.client.call(self.client.gl.http_get, "/user")
            self.bot_username = str(_get(user, "username", ""))
        return self.bot_username

    def _find_note(self, mr: Any, marker: str) -> Any | None:
        """The newest note of ours on the MR carrying `marker`, or None. Blocking: it runs in
        the client's pool, as `create_once` looks for a note a failed POST may have made."""
        me = self._me_blocking()
        for n in mr.notes.list(sort="desc", order_by="created_at", iterator=True):
            author = str((_get(n, "author") or {}).get("username", ""))
            if marker in str(_get(n, "body", "")) and author == me:
                return n
        return None

    def _me_blocking(self) -> str:
        if self.bot_username is None:
            self.bot_username = str(_get(self.client.gl.http_get("/user"), "username", ""))
        return self.bot_username

    def _change(self, repo: RepoRef, mr: Any) -> ChangeRef:
        target = str(_get(mr, "target_branch"))
        return ChangeRef(
            repo=repo,
            number=int(_get(mr, "iid")),
            head_sha=str(_get(mr, "sha")),
            base_sha=target,
            base_ref=target,
            author=str((_get(mr, "author") or {}).get("username", "")),
            head_ref=str(_get(mr, "source_branch", "")),
            html_url=_get(mr, "web_url"),
            draft=bool(_get(mr, "draft", False)),
        )

    # -- reading ----------------------------------------------------------------------------
    def file_link(self, change: ChangeRef, path: str, line: int) -> str:
        base = change.repo.html_url or f"{self.settings.gitlab_url}/{change.repo.full_name}"
        return f"{base}/-/blob/{change.head_sha}/{path}#L{line}"

    async def fetch_change(self, change: ChangeRef, dest: Path, *, full: bool) -> FetchedChange:
        await self._status(change, "running", "MergeGate is scanning this commit.", change.html_url)
        fetcher = ChangeFetcher(self.client, change, self.settings.max_file_bytes,
                                self.settings.max_fetch_bytes)
        return await fetcher.fetch(dest, full=full)

    async def get_change(self, repo: RepoRef, number: int) -> ChangeRef:
        mr = await self.client.call(self._project(repo).mergerequests.get, number)
        return self._change(repo, mr)

    async def read_file(self, repo: RepoRef, path: str, ref: str | None) -> bytes | None:
        try:
            return await self.client.call(
                read_raw,
                self.client,
                repo.project_id or repo.full_name,
                path,
                ref,
                self.settings.max_file_bytes,
            )
        except TooLarge:
            return None

    async def read_org_policy(self, repo: RepoRef) -> tuple[str, str] | None:
        project = self.settings.gitlab_policy_project
        if not project:
            return None
        policy_repo = RepoRef("gitlab", project)
        try:
            data = await self.read_file(policy_repo, ORG_POLICY_PATH, None)
        except GitLabApiError as exc:
            if exc.status in (401, 403):
                log.warning("the group policy project %s cannot be read: %s", project, exc)
                return None
            raise
        if data is None:
            log.warning("MERGEGATE_GITLAB_POLICY_PROJECT is %s, but its %s cannot be found: "
                        "no group policy applies", project, ORG_POLICY_PATH)
            return None
        return data.decode("utf-8", "replace"), f"{project}:{ORG_POLICY_PATH}"

    async def user_role(self, repo: RepoRef, user: str) -> Role | None:
        members = await self.client.call(self._project(repo).members_all.list, query=user, get_all=True)
        return self._role_of(members, user)

    @staticmethod
    def _role_of(members: list[Any], user: str) -> Role | None:
        levels = [
            int(_get(m, "access_level", 0))
            for m in members
            if str(_get(m, "username", "")).lower() == user.lower() and _get(m, "state", "active") == "active"
        ]
        return rep.role_for(max(levels)) if levels else None

    async def in_group(self, repo: RepoRef, group: str, user: str) -> bool:
        path = group.removeprefix("@").strip("/")
        if not path:
            return False
        grp = self.client.gl.groups.get(path, lazy=True)
        try:
            members = await self.client.call(grp.members_all.list, query=user, get_all=True)
        except (GitLabApiError, NotFound) as exc:
            if status_of(exc) in (403, 404):
                return False
            raise
        return self._role_of(members, user) is not None

    async def checks_on(self, repo: RepoRef, sha: str) -> list[CheckState]:
        commit = self._project(repo).commits.get(sha, lazy=True)
        statuses = await self.client.call(commit.statuses.list, get_all=True)
        latest: dict[str, Any] = {}
        for s in statuses:
            name = str(_get(s, "name"))
            if name not in latest or int(_get(s, "id", 0)) > int(_get(latest[name], "id", 0)):
                latest[name] = s
        out = []
        for name, s in latest.items():
            status, conclusion = rep.check_status(str(_get(s, "status")))
            out.append(CheckState(name, status, conclusion))
        return out

    async def open_changes(self, repo: RepoRef, base_ref: str) -> list[ChangeRef]:
        mrs = await self.client.call(
            self._project(repo).mergerequests.list, state="opened", target_branch=base_ref, get_all=True
        )
        return [self._change(repo, mr) for mr in mrs]

    # -- reporting --------------------------------------------------------------------------
    async def _status(
        self, change: ChangeRef, state: rep.StatusState, description: str, target_url: str | None
    ) -> str:
        """Post the `mergegate` status; posting the state it already has is not an error."""
        commit = self._project(change.repo).commits.get(change.head_sha, lazy=True)
        data: dict[str, Any] = {
            "state": state,
            "name": rep.STATUS_NAME,
            "description": rep.cut(description, rep.DESCRIPTION_LIMIT),
        }
        if target_url:
            data["target_url"] = target_url
        try:
            status = await self.client.call(commit.statuses.create, data)
        except GitLabApiError as exc:
            if exc.status == 400 and "Cannot transition status" in str(exc):
                return ""  # already in that state (a resumed job posting it again)
            raise
        return str(_get(status, "id", ""))

    async def report_in_progress(self, change: ChangeRef) -> ReportHandle:
        status_id = await self._status(
            change, "pending", "MergeGate is about to scan this commit.", change.html_url
        )
        return ReportHandle(status_id or change.head_sha, change.html_url)

    async def _upsert_summary(self, change: ChangeRef, body: str) -> str | None:
        """Edit the MR's summary note (found by its marker), or create it; its URL."""
        me = await self._me()
        key = (change.repo.project_id or change.repo.full_name, change.number)
        mr = self._mr(change.repo, change.number)
        note_id = self._summary_notes.get(key)
        if note_id is None:
            notes = await self.client.call(mr.notes.list, sort="asc", order_by="created_at", get_all=True)
            for n in notes:
                author = str((_get(n, "author") or {}).get("username", ""))
                if rep.SUMMARY_MARKER in str(_get(n, "body", "")) and author == me:
                    note_id = int(_get(n, "id"))
                    break
        if note_id is not None:
            try:
                await self.client.call(
                    self.client.gl.http_put,
                    f"{mr.manager.path}/{change.number}/notes/{note_id}",
                    post_data={"body": body},
                )
            except NotFound:
                note_id = None
        if note_id is None:
            note = await self.client.create_once(
                functools.partial(mr.notes.create, {"body": body}),
                functools.partial(self._find_note, mr, rep.SUMMARY_MARKER),
            )
            note_id = int(_get(note, "id"))
        self._summary_notes[key] = note_id
        return f"{change.html_url}#note_{note_id}" if change.html_url else None

    async def report_verdict(
        self, change: ChangeRef, handle: ReportHandle | None, report: Report
    ) -> ReportHandle:
        verdict = report.verdict
        body = rep.summary_note(report, lambda p, n: self.file_link(change, p, n), change.head_sha)
        note_url = await self._upsert_summary(change, body)
        status_id = await self._status(
            change, rep.verdict_state(verdict), rep.verdict_description(verdict), note_url or change.html_url
        )
        await self._status_check(change, verdict.conclusion != "failure")
        if self.inline_discussions:
            base = f"/projects/{self._project(change.repo).encoded_id}"
            try:
                await InlineDiscussions(self.client, base).sync(change, verdict, await self._me())
            except ForgeError as exc:
                log.warning("inline discussions of !%s not updated: %s", change.number, exc)
        return ReportHandle(status_id or (handle.id if handle else change.head_sha), note_url)

    async def _status_check(self, change: ChangeRef, passed: bool) -> None:
        check_id = self.settings.gitlab_status_check_id
        if not check_id:
            return
        mr = self._mr(change.repo, change.number)
        await self.client.call(
            self.client.gl.http_post,
            f"{mr.manager.path}/{change.number}/status_check_responses",
            post_data={
                "sha": change.head_sha,
                "external_status_check_id": int(check_id),
                "status": "passed" if passed else "failed",
            },
        )

    async def report_closed(
        self, change: ChangeRef, handle: ReportHandle, outcome: ReportOutcome, message: str
    ) -> None:
        target = change.html_url
        if outcome == "error":  # the summary note says why too (it may say "retrying")
            target = await self._upsert_summary(change, rep.error_note(message, change.head_sha)) or target
        await self._status(
            change,
            rep.CLOSED_STATES.get(outcome, "failed"),
            rep.closed_description(outcome, message),
            target,
        )

    async def report_retrying(
        self, change: ChangeRef, handle: ReportHandle | None, message: str
    ) -> ReportHandle:
        # The summary note says it; the status says it only when GitLab lets it go back to
        # pending (not from pending or running: it keeps the state it has, never missing).
        note_url = await self._upsert_summary(change, rep.retrying_note(message, change.head_sha))
        status_id = await self._status(change, "pending", message, note_url or change.html_url)
        return handle or ReportHandle(status_id or change.head_sha, note_url or change.html_url)

    def unavailable(self, exc: BaseException) -> bool:
        for e in causes(exc):
            if isinstance(e, GitLabApiError) and (e.status is None or e.status >= 500):
                return True
            if isinstance(e, requests.ConnectionError | requests.Timeout):
                return True
        return False

    async def reply(self, comment: CommentRef, text: str) -> None:
        mr = self._mr(comment.change.repo, comment.change.number)
        body = rep.reply_note(comment.author, text, comment.comment_id)
        await self.client.create_once(
            functools.partial(mr.notes.create, {"body": body}),
            functools.partial(self._find_note, mr, rep.reply_marker(comment.comment_id)),
        )

    async def react(self, comment: CommentRef, reaction: Reaction) -> None:
        note = self._mr(comment.change.repo, comment.change.number).notes.get(
            int(comment.comment_id), lazy=True
        )
        name = rep.emoji_for(reaction)

        def ours() -> Any | None:
            me = self._me_blocking()
            return next(
                (a for a in note.awardemojis.list(iterator=True)
                 if _get(a, "name") == name and (_get(a, "user") or {}).get("username") == me),
                None,
            )

        await self.client.create_once(functools.partial(note.awardemojis.create, {"name": name}), ours)

    async def decide_deployment(
        self, request: DeploymentRequest, state: DeploymentState, comment: str
    ) -> None:
        deployment = self._project(request.repo).deployments.get(int(request.callback), lazy=True)
        await self.client.call(deployment.approval, state, comment=comment[:1000])
