"""Job payloads: forge-neutral refs as JSON-safe dicts, and back."""

from __future__ import annotations

import dataclasses
from typing import Any

from mergegate.forge.base import ChangeRef, CiRun, CommentRef, DeploymentRequest, RepoRef


def repo_to_dict(repo: RepoRef) -> dict[str, Any]:
    return dataclasses.asdict(repo)


def repo_from_dict(d: dict[str, Any]) -> RepoRef:
    return RepoRef(**d)


def change_to_dict(change: ChangeRef) -> dict[str, Any]:
    d = dataclasses.asdict(change)
    d["repo"] = repo_to_dict(change.repo)
    return d


def change_from_dict(d: dict[str, Any]) -> ChangeRef:
    return ChangeRef(**{**d, "repo": repo_from_dict(d["repo"])})


def comment_to_dict(c: CommentRef) -> dict[str, Any]:
    d = dataclasses.asdict(c)
    d["change"] = change_to_dict(c.change)
    return d


def comment_from_dict(d: dict[str, Any]) -> CommentRef:
    return CommentRef(**{**d, "change": change_from_dict(d["change"])})


def deployment_to_dict(r: DeploymentRequest) -> dict[str, Any]:
    d = dataclasses.asdict(r)
    d["repo"] = repo_to_dict(r.repo)
    d["pull_numbers"] = list(r.pull_numbers)
    return d


def deployment_from_dict(d: dict[str, Any]) -> DeploymentRequest:
    return DeploymentRequest(
        **{**d, "repo": repo_from_dict(d["repo"]), "pull_numbers": tuple(d["pull_numbers"])}
    )


def ci_run_to_dict(run: CiRun) -> dict[str, Any]:
    return dataclasses.asdict(run)


def ci_run_from_dict(d: dict[str, Any]) -> CiRun:
    return CiRun(**d)
