"""`GitHubForge`: the `Forge` protocol on GitHub's REST API, as a GitHub App."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path
from typing import Any, cast

import aiohttp
import gidgethub
from gidgethub import apps

from mergegate.config import ConfigError, Settings
from mergegate.core.policy import ORG_POLICY_PATH, ROLES
from mergegate.core.words import PULL_REQUEST
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
    Reaction,
    RepoRef,
    Report,
    ReportHandle,
    ReportOutcome,
    Role,
    causes,
)
from mergegate.forge.github import checks
from mergegate.forge.github.api import Api
from mergegate.forge.github.auth import AppAuth
from mergegate.forge.github.ci_artifacts import GitHubCiArtifacts
from mergegate.forge.github.client import GitHubClient, RetryPolicy, is_not_found, status_of
from mergegate.forge.github.fetch import ChangeFetcher
from mergegate.forge.github.workflow_logs import GitHubCiLogs
from mergegate.network import client_session
from mergegate.observability.metrics import Metrics

_CALLBACK = re.compile(r"/repos/([^/]+)/([^/]+)/actions/runs/(\d+)/deployment_protection_rule$")


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _repo_vars(repo: RepoRef, **more: Any) -> dict[str, Any]:
    return {"owner": repo.owner, "repo": repo.name, **more}


class GitHubForge:
    name = "github"
    words = PULL_REQUEST

    def __init__(
        self, session: aiohttp.ClientSession, settings: Settings,
        retry: RetryPolicy | None = None, metrics: Metrics | None = None,
    ) -> None:
        if not settings.github_app_id or not settings.github_private_key:
            raise ConfigError(
                "GITHUB_APP_ID and GITHUB_PRIVATE_KEY (or GITHUB_PRIVATE_KEY_FILE) are required"
            )
        self.session = session
        self.settings = settings
        self.client = GitHubClient(session, settings.github_api_url, retry, metrics=metrics)
        self._private_key = settings.github_private_key
        self.auth = AppAuth(settings.github_app_id, self._new_token)
        self.api = Api(self.client, self.auth)
        self.ci_logs: CiLogs | None = GitHubCiLogs(self)
        self.ci_artifacts: CiArtifacts | None = GitHubCiArtifacts(self)
        self.web_url = "https://github.com" if "api.github.com" in settings.github_api_url else (
            settings.github_api_url.removesuffix("/api/v3")
        )

    @classmethod
    def create(
        cls, settings: Settings, retry: RetryPolicy | None = None,
        metrics: Metrics | None = None,
    ) -> GitHubForge:
        session = client_session(settings.ca_bundle, timeout=120)  # proxies and CA bundle
        return cls(session, settings, retry, metrics)

    def use_metrics(self, metrics: Metrics) -> None:
        """Record every API call and the remaining rate limit in ``metrics``."""
        self.client.metrics = metrics

    async def _new_token(self, installation_id: str) -> dict[str, str]:
        """POST /app/installations/{id}/access_tokens with a fresh App JWT."""
        data = await apps.get_installation_access_token(
            self.client, installation_id=installation_id, app_id=self.auth.app_id,
            private_key=self._private_key,
        )
        return cast(dict[str, str], data)

    async def aclose(self) -> None:
        await self.session.close()

    # -- reading ----------------------------------------------------------------------------
    def file_link(self, change: ChangeRef, path: str, line: int) -> str:
        base = change.repo.html_url or f"{self.web_url}/{change.repo.full_name}"
        return f"{base}/blob/{change.head_sha}/{path}#L{line}"

    async def fetch_change(self, change: ChangeRef, dest: Path, *, full: bool) -> FetchedChange:
        async def read(path: str, ref: str) -> bytes | None:
            return await self.read_file(change.repo, path, ref)

        fetcher = ChangeFetcher(self.api, change, read, self.settings.max_file_bytes,
                                self.settings.max_fetch_bytes)
        return await fetcher.fetch(dest, full=full)

    async def get_change(self, repo: RepoRef, number: int) -> ChangeRef:
        data = await self.api.request(
            repo.installation_id, "GET", "/repos/{owner}/{repo}/pulls/{pull_number}",
            _repo_vars(repo, pull_number=number),
        )
        return change_from_pull(repo, data)

    async def read_file(self, repo: RepoRef, path: str, ref: str | None) -> bytes | None:
        url = "/repos/{owner}/{repo}/contents/{+path}" + ("{?ref}" if ref else "")
        url_vars = _repo_vars(repo, path=path)
        if ref:
            url_vars["ref"] = ref
        try:
            data = await self.api.request(repo.installation_id, "GET", url, url_vars)
        except gidgethub.HTTPException as exc:
            if is_not_found(exc):
                return None
            raise
        if not isinstance(data, dict) or data.get("type") != "file":
            return None
        if data.get("encoding") == "base64" and data.get("content") is not None:
            return base64.b64decode(data["content"])
        if data.get("sha"):  # over 1 MB: the contents API leaves the content out
            blob = await self.api.request(
                repo.installation_id, "GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}",
                _repo_vars(repo, file_sha=data["sha"]),
            )
            return base64.b64decode(blob.get("content", ""))
        return None

    async def read_org_policy(self, repo: RepoRef) -> tuple[str, str] | None:
        org_repo = RepoRef("github", f"{repo.owner}/.github", repo.installation_id)
        try:
            data = await self.read_file(org_repo, ORG_POLICY_PATH, None)
        except gidgethub.HTTPException as exc:
            if status_of(exc) in (401, 403):
                return None  # the App is not installed on the org's .github repository
            raise
        if data is None:
            return None
        return data.decode("utf-8", "replace"), f"{repo.owner}/.github:{ORG_POLICY_PATH}"

    async def user_role(self, repo: RepoRef, user: str) -> Role | None:
        try:
            data = await self.api.request(
                repo.installation_id, "GET",
                "/repos/{owner}/{repo}/collaborators/{username}/permission",
                _repo_vars(repo, username=user),
            )
        except gidgethub.HTTPException as exc:
            if is_not_found(exc):
                return None
            raise
        role = str(data.get("role_name") or "")
        if role in ROLES:
            return cast(Role, role)
        permission = str(data.get("permission") or "")
        return cast(Role, permission) if permission in ROLES else None

    async def in_group(self, repo: RepoRef, group: str, user: str) -> bool:
        org, _, team = group.removeprefix("@").partition("/")
        if not org or not team:
            return False
        try:
            data = await self.api.request(
                repo.installation_id, "GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}",
                {"org": org, "team_slug": team, "username": user},
            )
        except gidgethub.HTTPException as exc:
            if status_of(exc) in (403, 404):
                return False
            raise
        return bool(data.get("state") == "active")

    async def checks_on(self, repo: RepoRef, sha: str) -> list[CheckState]:
        out: list[CheckState] = []
        async for run in self.api.iterate(
            repo.installation_id, "/repos/{owner}/{repo}/commits/{ref}/check-runs{?per_page}",
            _repo_vars(repo, ref=sha, per_page=100), iterable_key="check_runs",
        ):
            out.append(CheckState(str(run["name"]), run["status"], run.get("conclusion")))
        status = await self.api.request(
            repo.installation_id, "GET", "/repos/{owner}/{repo}/commits/{ref}/status",
            _repo_vars(repo, ref=sha),
        )
        for s in status.get("statuses") or []:
            state = str(s.get("state"))
            done = state != "pending"
            out.append(CheckState(str(s.get("context")), "completed" if done else "in_progress",
                                  state if done else None))
        return out

    async def open_changes(self, repo: RepoRef, base_ref: str) -> list[ChangeRef]:
        out: list[ChangeRef] = []
        async for pr in self.api.iterate(
            repo.installation_id, "/repos/{owner}/{repo}/pulls{?state,base,per_page}",
            _repo_vars(repo, state="open", base=base_ref, per_page=100),
        ):
            out.append(change_from_pull(repo, pr))
        return out

    # -- reporting --------------------------------------------------------------------------
    async def report_in_progress(self, change: ChangeRef) -> ReportHandle:
        """The App's `mergegate` check run on the head, in progress: one already spinning
        there (a process died before it could record it) is reused, never left behind."""
        async for run in self.api.iterate(
            change.repo.installation_id,
            "/repos/{owner}/{repo}/commits/{ref}/check-runs{?check_name,status,per_page}",
            _repo_vars(change.repo, ref=change.head_sha, check_name=checks.CHECK_NAME,
                       status="in_progress", per_page=100),
            iterable_key="check_runs",
        ):
            if str((run.get("app") or {}).get("id")) == str(self.settings.github_app_id):
                return ReportHandle(str(run["id"]), run.get("html_url"))
        data = await self.api.request(
            change.repo.installation_id, "POST", "/repos/{owner}/{repo}/check-runs",
            _repo_vars(change.repo),
            checks.in_progress_body(change.head_sha, _now(), self.settings.public_url),
        )
        return ReportHandle(str(data["id"]), data.get("html_url"))

    async def report_verdict(
        self, change: ChangeRef, handle: ReportHandle | None, report: Report
    ) -> ReportHandle:
        def link(path: str, line: int) -> str:
            return self.file_link(change, path, line)

        bodies = checks.completed_requests(report, link, _now())
        inst = change.repo.installation_id
        if handle is None:
            first = dict(bodies[0], head_sha=change.head_sha)
            data = await self.api.request(
                inst, "POST", "/repos/{owner}/{repo}/check-runs", _repo_vars(change.repo), first
            )
            handle = ReportHandle(str(data["id"]), data.get("html_url"))
        else:
            await self._patch(change.repo, handle, bodies[0])
        for body in bodies[1:]:
            await self._patch(change.repo, handle, body)
        return handle

    async def _patch(self, repo: RepoRef, handle: ReportHandle, body: dict[str, Any]) -> None:
        await self.api.request(
            repo.installation_id, "PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}",
            _repo_vars(repo, check_run_id=handle.id), body,
        )

    async def report_closed(
        self, change: ChangeRef, handle: ReportHandle, outcome: ReportOutcome, message: str
    ) -> None:
        await self._patch(change.repo, handle, checks.closed_body(outcome, message, _now()))

    async def report_retrying(
        self, change: ChangeRef, handle: ReportHandle | None, message: str
    ) -> ReportHandle:
        body = checks.retrying_body(message)
        if handle is None:
            data = await self.api.request(
                change.repo.installation_id, "POST", "/repos/{owner}/{repo}/check-runs",
                _repo_vars(change.repo), dict(body, name=checks.CHECK_NAME, head_sha=change.head_sha),
            )
            return ReportHandle(str(data["id"]), data.get("html_url"))
        await self._patch(change.repo, handle, body)
        return handle

    def unavailable(self, exc: BaseException) -> bool:
        # GitHub's own failures only: a database error's socket errors are not GitHub's.
        return any(
            isinstance(e, gidgethub.GitHubBroken | aiohttp.ClientConnectionError)
            for e in causes(exc)
        ) or isinstance(exc, TimeoutError)  # aiohttp's total time-out

    async def reply(self, comment: CommentRef, text: str) -> None:
        body = f"@{comment.author} {text}"
        await self.api.request(
            comment.change.repo.installation_id, "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            _repo_vars(comment.change.repo, issue_number=comment.change.number), {"body": body},
        )

    async def react(self, comment: CommentRef, reaction: Reaction) -> None:
        await self.api.request(
            comment.change.repo.installation_id, "POST",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
            _repo_vars(comment.change.repo, comment_id=int(comment.comment_id)),
            {"content": reaction},
        )

    async def decide_deployment(
        self, request: DeploymentRequest, state: DeploymentState, comment: str
    ) -> None:
        m = _CALLBACK.search(request.callback.split("?", 1)[0])
        if m is None or f"{m.group(1)}/{m.group(2)}".lower() != request.repo.full_name.lower():
            raise ForgeError("the deployment callback URL does not belong to this repository")
        await self.api.request(
            request.repo.installation_id, "POST",
            "/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule",
            _repo_vars(request.repo, run_id=int(m.group(3))),
            {"environment_name": request.environment, "state": state, "comment": comment[:1000]},
        )


def repo_from_payload(repository: dict[str, Any], installation: dict[str, Any] | None) -> RepoRef:
    return RepoRef(
        forge="github",
        full_name=str(repository["full_name"]),
        installation_id=str(installation["id"]) if installation and "id" in installation else None,
        project_id=str(repository.get("id")) if repository.get("id") is not None else None,
        default_branch=repository.get("default_branch"),
        html_url=repository.get("html_url"),
    )


def change_from_pull(repo: RepoRef, pr: dict[str, Any]) -> ChangeRef:
    return ChangeRef(
        repo=repo,
        number=int(pr["number"]),
        head_sha=str(pr["head"]["sha"]),
        base_sha=str(pr["base"]["sha"]),
        base_ref=str(pr["base"]["ref"]),
        author=str((pr.get("user") or {}).get("login", "")),
        head_ref=str(pr["head"].get("ref", "")),
        html_url=pr.get("html_url"),
        draft=bool(pr.get("draft", False)),
    )
