"""GitLab webhook payloads translated into what the service should do. Pure: no I/O.

- Merge Request Hook: ``open``/``reopen`` scan; ``update`` scans only when new commits
  arrived (``oldrev`` is present: a title, label or description edit does not rescan);
  ``close``/``merge`` cancel; everything else (approvals, ...) is ignored.
- Note Hook: only notes on merge requests, newly created, not system notes, not written by
  the bot (a MergeGate marker, a GitLab bot user, or the token's own user), holding a command.
- Push Hook to the default branch that changes the policy: re-evaluate the open MRs.
- Deployment Hook for a deployment waiting for approval (``blocked``): the promotion gate.
- Pipeline Hook of a merge request pipeline that finished: its job artifacts' result files
  (SARIF, GitLab security reports) are judged with the merge request.

A merge request's ``base_sha`` here is its target branch: GitLab's hooks do not carry the
base commit, and GitLab's API takes a branch wherever it takes a commit, so the policy is read
from the target branch as it is. The diff's real base (``diff_refs.base_sha``) is read by the
forge when it fetches the change.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from mergegate.core.policy import POLICY_PATHS
from mergegate.core.slash_commands import PREFIX
from mergegate.forge.base import (
    Action,
    Cancel,
    ChangeRef,
    CiResults,
    CiRun,
    Command,
    CommentRef,
    Deploy,
    DeploymentRequest,
    Ignore,
    PayloadError,
    PolicyEdit,
    RepoRef,
    RescanOpen,
    Scan,
)
from mergegate.forge.gitlab.report import MARKER_PREFIX

FORGE = "gitlab"
# Project, group and service-account bots: project_123_bot_<hash>, group_9_bot, service_account_…
_BOT_USER = re.compile(r"^(project_\d+_bot|group_\d+_bot|service_account)(_[0-9a-z]+)?\d*$")
_SHA = re.compile(r"/([0-9a-f]{40})/?$")




def _need(d: Mapping[str, Any], key: str, where: str) -> Any:
    value = d.get(key)
    if value is None or value == "":
        raise PayloadError(f"{where}.{key} is missing")
    return value


def repo_from(project: Mapping[str, Any]) -> RepoRef:
    return RepoRef(
        forge=FORGE,
        full_name=str(_need(project, "path_with_namespace", "project")),
        project_id=str(_need(project, "id", "project")),
        default_branch=project.get("default_branch") or None,
        html_url=project.get("web_url") or None,
    )


def change_from_mr(repo: RepoRef, mr: Mapping[str, Any], author: str, where: str) -> ChangeRef:
    last = mr.get("last_commit") or {}
    head = str(last.get("id") or mr.get("sha") or "")
    if not head:
        raise PayloadError(f"{where}.last_commit.id is missing")
    target = str(_need(mr, "target_branch", where))
    return ChangeRef(
        repo=repo, number=int(_need(mr, "iid", where)), head_sha=head, base_sha=target,
        base_ref=target, author=author, head_ref=str(mr.get("source_branch") or ""),
        html_url=mr.get("url") or mr.get("web_url"),
        draft=bool(mr.get("draft") or mr.get("work_in_progress")),
    )


def is_bot_author(username: str, body: str, bot_username: str | None) -> bool:
    return (
        MARKER_PREFIX in body
        or bool(_BOT_USER.match(username))
        or (bot_username is not None and username.lower() == bot_username.lower())
    )


def merge_request_hook(data: Mapping[str, Any]) -> Action:
    attrs = _need(data, "object_attributes", "payload")
    action = str(attrs.get("action") or "")
    repo = repo_from(_need(data, "project", "payload"))
    author = str((data.get("user") or {}).get("username", "")) if action == "open" else ""
    if action in ("open", "reopen"):
        change = change_from_mr(repo, attrs, author, "object_attributes")
        return Scan(change, f"merge request {action}", force=action == "reopen")
    if action == "update":
        if not attrs.get("oldrev"):
            return Ignore("merge request update without new commits")
        change = change_from_mr(repo, attrs, "", "object_attributes")
        return Scan(change, "merge request update: new commits")
    if action in ("close", "merge"):
        return Cancel(change_from_mr(repo, attrs, "", "object_attributes"))
    return Ignore(f"merge request action {action or 'none'!r} needs nothing")


def note_hook(data: Mapping[str, Any], bot_username: str | None) -> Action:
    attrs = _need(data, "object_attributes", "payload")
    kind = attrs.get("noteable_type")
    if kind != "MergeRequest":
        return Ignore(f"a note on a {kind or 'thing'}, not on a merge request")
    if attrs.get("action") not in (None, "create"):
        return Ignore(f"note {attrs.get('action')}: only new notes act")
    if attrs.get("system"):
        return Ignore("a system note")
    body = str(attrs.get("note") or "")
    if PREFIX not in body.lower():
        return Ignore("no command in the note")
    username = str(_need(data.get("user") or {}, "username", "user"))
    if is_bot_author(username, body, bot_username):
        return Ignore("a note written by a bot")
    repo = repo_from(_need(data, "project", "payload"))
    change = change_from_mr(repo, _need(data, "merge_request", "payload"), "", "merge_request")
    note_id = str(_need(attrs, "id", "object_attributes"))
    return Command(CommentRef(change, note_id, username, body, attrs.get("url"), False))


def push_hook(data: Mapping[str, Any]) -> Action:
    project = _need(data, "project", "payload")
    branch = str(data.get("ref", "")).removeprefix("refs/heads/")
    if not branch or branch != project.get("default_branch"):
        return Ignore("a push to a branch other than the default branch")
    touched = {
        path
        for commit in data.get("commits") or []
        for key in ("added", "modified", "removed")
        for path in commit.get(key) or []
    }
    policy = touched.intersection(POLICY_PATHS)
    if not policy:
        return Ignore("a push that does not change the policy")
    after = str(data.get("checkout_sha") or data.get("after") or "")
    web_url = project.get("web_url")
    edit = PolicyEdit(actor=str(data.get("user_username") or data.get("user_name") or "unknown"),
                      commit=after, paths=tuple(sorted(policy)),
                      link=f"{web_url}/-/commit/{after}" if web_url and after else None)
    return RescanOpen(repo_from(project), f"the policy changed on {branch}", base_ref=branch,
                      edit=edit)


def deployment_hook(data: Mapping[str, Any]) -> Action:
    status = data.get("status")
    if status != "blocked":
        return Ignore(f"deployment {status}: only deployments waiting for approval are gated")
    m = _SHA.search(str(data.get("commit_url") or ""))
    if m is None:
        raise PayloadError("commit_url does not end with the deployed commit's sha")
    request = DeploymentRequest(
        repo=repo_from(_need(data, "project", "payload")),
        environment=str(_need(data, "environment", "payload")),
        sha=m.group(1),
        callback=str(_need(data, "deployment_id", "payload")),
        ref=data.get("ref"),
    )
    return Deploy(request)


FINISHED = ("success", "failed", "canceled", "skipped")


def _epoch(timestamp: str) -> int:
    """Seconds since the epoch of GitLab's ``2016-08-12 15:26:29 UTC`` (or ISO 8601); 0."""
    text = timestamp.strip().replace(" UTC", "+00:00").replace("Z", "+00:00")
    try:
        return int(dt.datetime.fromisoformat(text).timestamp())
    except ValueError:
        return 0


def pipeline_hook(data: Mapping[str, Any]) -> Action:
    attrs = _need(data, "object_attributes", "payload")
    mr = data.get("merge_request") or {}
    if not mr.get("iid"):
        return Ignore("a pipeline for no merge request")
    status = str(attrs.get("status") or "")
    if status not in FINISHED:
        return Ignore(f"pipeline {status or 'without status'}: only finished pipelines are read")
    repo = repo_from(_need(data, "project", "payload"))
    pipeline_id = int(_need(attrs, "id", "object_attributes"))
    run = CiRun(
        id=pipeline_id, head_sha=str(_need(attrs, "sha", "object_attributes")),
        source="pipeline", name=f"pipeline #{pipeline_id}", url=str(attrs.get("url") or ""),
        # a retried job finishes the same pipeline again, later: that replaces the results
        attempt=_epoch(str(attrs.get("finished_at") or "")) or 1,
        ref=str(attrs.get("ref") or ""),
    )
    return CiResults(repo, run, (int(mr["iid"]),))


HOOKS = {
    "Merge Request Hook": "merge_request",
    "Note Hook": "note",
    "Push Hook": "push",
    "Deployment Hook": "deployment",
    "Pipeline Hook": "pipeline",
}


def translate(event: str, data: Mapping[str, Any], bot_username: str | None = None) -> Action:
    """The action for an ``X-Gitlab-Event`` (or the payload's ``object_kind``)."""
    kind = HOOKS.get(event) or str(data.get("object_kind") or "")
    if kind == "merge_request":
        return merge_request_hook(data)
    if kind == "note":
        return note_hook(data, bot_username)
    if kind == "push":
        return push_hook(data)
    if kind == "deployment":
        return deployment_hook(data)
    if kind == "pipeline":
        return pipeline_hook(data)
    return Ignore(f"event {event or kind or 'unknown'!r} is not used")
