"""GitHub webhook payloads translated into what the service should do. Pure: no I/O.

- ``pull_request``: scan on opened/synchronize/reopened/ready_for_review, cancel on closed.
- ``issue_comment`` created on a pull request, by a person, holding a command.
- ``check_suite`` requested/rerequested, ``check_run`` rerequested (GitHub's re-run links) and
  requested_action (our Re-scan button). A fork's push names no pull request: look it up.
- ``deployment_protection_rule`` requested: the promotion gate.
- ``push`` to the default branch that changes the policy: re-evaluate its open pull requests;
  to the organization's ``.github`` repository changing ``mergegate/policy.yml``: re-evaluate
  the open pull requests of every repository of the installation.
- ``workflow_run`` completed on a pull request: scan the run's logs, and read its artifacts'
  result files (SARIF, GitLab reports) into the pull request's check.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from mergegate.core.policy import ORG_POLICY_PATH, POLICY_PATHS
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
    PolicyEdit,
    RepoRef,
    RescanInstallation,
    RescanOpen,
    Scan,
    WorkflowLogs,
)
from mergegate.forge.github.checks import CHECK_NAME, RESCAN_ACTION
from mergegate.forge.github.forge import change_from_pull, repo_from_payload
from mergegate.forge.github.workflow_logs_comment import RunInfo

Payload = Mapping[str, Any]
ORG_POLICY_REPO = ".github"  # the organization repository holding ORG_POLICY_PATH


def _repo(data: Payload) -> RepoRef:
    return repo_from_payload(data["repository"], data.get("installation"))


def pull_request(data: Payload) -> list[Action]:
    action = str(data["action"])
    change = change_from_pull(_repo(data), data["pull_request"])
    if action in ("opened", "reopened", "synchronize", "ready_for_review"):
        # A reopened change is scanned again: the policy or the dismissals may have moved on.
        return [Scan(change, f"pull_request {action}", force=action == "reopened")]
    if action == "closed":
        return [Cancel(change)]
    return [Ignore(f"pull_request {action} needs nothing")]


def issue_comment(data: Payload) -> list[Action]:
    if data.get("action") != "created":
        return [Ignore("only new comments act")]
    issue, comment = data["issue"], data["comment"]
    if not issue.get("pull_request"):
        return [Ignore("a comment on an issue, not on a pull request")]
    body = comment.get("body") or ""
    if PREFIX not in body.lower():
        return [Ignore("no command in the comment")]
    user = comment.get("user") or {}
    if user.get("type") == "Bot" or str(user.get("login", "")).endswith("[bot]"):
        return [Ignore("a comment written by a bot")]
    change = ChangeRef(_repo(data), int(issue["number"]), "", "", "",
                       str((issue.get("user") or {}).get("login", "")))
    return [Command(CommentRef(change, str(comment["id"]), str(user.get("login", "")), body,
                               comment.get("html_url"), False))]


def _changes(repo: RepoRef, pulls: list[dict[str, Any]]) -> list[ChangeRef]:
    return [
        ChangeRef(repo, int(p["number"]), str(p["head"]["sha"]), str(p["base"]["sha"]),
                  str(p["base"]["ref"]), "", str(p["head"].get("ref", "")))
        for p in pulls
    ]


def _rescan(repo: RepoRef, pulls: list[dict[str, Any]], sha: str, reason: str,
            force: bool) -> list[Action]:
    changes = _changes(repo, pulls)
    if not changes:
        # A fork's push: GitHub does not say which pull request; look for it by head.
        if force:
            return [RescanOpen(repo, reason, head_sha=sha)]
        return [Ignore("a check suite for no pull request")]
    return [Scan(change, reason, force=force) for change in changes]


def check_suite(data: Payload) -> list[Action]:
    action = data.get("action")
    if action not in ("requested", "rerequested"):
        return [Ignore(f"check_suite {action} needs nothing")]
    suite = data["check_suite"]
    return _rescan(_repo(data), suite.get("pull_requests") or [], str(suite["head_sha"]),
                   f"check_suite {action}", force=action == "rerequested")


def check_run(data: Payload) -> list[Action]:
    action = data.get("action")
    run = data["check_run"]
    if run.get("name") != CHECK_NAME:
        return [Ignore("another App's check run")]
    if action == "rerequested":
        return _rescan(_repo(data), run.get("pull_requests") or [], str(run["head_sha"]),
                       "check_run rerequested", force=True)
    if action == "requested_action":
        if (data.get("requested_action") or {}).get("identifier") != RESCAN_ACTION:
            return [Ignore("an unknown button")]
        login = (data.get("sender") or {}).get("login", "")
        return _rescan(_repo(data), run.get("pull_requests") or [], str(run["head_sha"]),
                       f"Re-scan requested by @{login}", force=True)
    return [Ignore(f"check_run {action} needs nothing")]


def deployment_protection_rule(data: Payload) -> list[Action]:
    if data.get("action") != "requested":
        return [Ignore("only requested deployment reviews are gated")]
    deployment = data.get("deployment") or {}
    return [Deploy(DeploymentRequest(
        repo=_repo(data),
        environment=str(data.get("environment") or deployment.get("environment", "")),
        sha=str(deployment.get("sha", "")),
        callback=str(data.get("deployment_callback_url", "")),
        ref=deployment.get("ref"),
        pull_numbers=tuple(int(p["number"]) for p in data.get("pull_requests") or []),
    ))]


def push(data: Payload) -> list[Action]:
    repository = data.get("repository") or {}
    branch = str(data.get("ref", "")).removeprefix("refs/heads/")
    if not branch or branch != repository.get("default_branch"):
        return [Ignore("a push to a branch other than the default branch")]
    touched = {
        path
        for commit in data.get("commits") or []
        for key in ("added", "modified", "removed")
        for path in commit.get(key) or []
    }
    actions: list[Action] = []
    if touched.intersection(POLICY_PATHS):
        actions.append(RescanOpen(_repo(data), f"the policy changed on {branch}",
                                  base_ref=branch,
                                  edit=_policy_edit(data, touched.intersection(POLICY_PATHS))))
    if repository.get("name") == ORG_POLICY_REPO and ORG_POLICY_PATH in touched:
        source = _repo(data)
        actions.append(RescanInstallation(
            source, f"the organization policy changed ({source.full_name}:{ORG_POLICY_PATH})",
            edit=_policy_edit(data, {ORG_POLICY_PATH})))
    return actions or [Ignore("a push that does not change the policy")]


def _policy_edit(data: Payload, paths: set[str]) -> PolicyEdit:
    """Who pushed the policy change (the pusher, else the sender), to which commit."""
    actor = (data.get("pusher") or {}).get("name") or (data.get("sender") or {}).get("login")
    return PolicyEdit(actor=str(actor or "unknown"), commit=str(data.get("after") or ""),
                      paths=tuple(sorted(paths)), link=data.get("compare") or None)


def workflow_run(data: Payload) -> list[Action]:
    if data.get("action") != "completed":
        return [Ignore("only completed workflow runs are read")]
    run = data["workflow_run"]
    pulls = tuple(sorted({int(p["number"]) for p in run.get("pull_requests") or []}))
    if not pulls:
        return [Ignore("a workflow run for no pull request")]
    info = RunInfo(
        run_id=int(run["id"]),
        workflow_id=int(run.get("workflow_id") or 0),
        name=str(run.get("name") or (data.get("workflow") or {}).get("name") or "workflow"),
        head_sha=str(run.get("head_sha") or ""),
        conclusion=str(run.get("conclusion") or ""),
        html_url=str(run.get("html_url") or ""),
        run_attempt=int(run.get("run_attempt") or 1),
    )
    repo = _repo(data)
    ci_run = CiRun(id=info.run_id, head_sha=info.head_sha, source=f"workflow:{info.workflow_id}",
                   name=f"{info.name} #{info.run_id}", url=info.html_url,
                   attempt=info.run_attempt)
    return [WorkflowLogs(repo, dataclasses.asdict(info), pulls), CiResults(repo, ci_run, pulls)]


TRANSLATORS: dict[str, Callable[[Payload], list[Action]]] = {
    "pull_request": pull_request,
    "issue_comment": issue_comment,
    "check_suite": check_suite,
    "check_run": check_run,
    "deployment_protection_rule": deployment_protection_rule,
    "push": push,
    "workflow_run": workflow_run,
}


def translate(event: str, data: Payload) -> list[Action]:
    """What an ``X-GitHub-Event`` delivery asks for (KeyError/TypeError/ValueError: malformed)."""
    translator = TRANSLATORS.get(event)
    if translator is None:
        return [Ignore(f"event {event!r} is not used")]
    return translator(data)
