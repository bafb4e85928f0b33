"""Real GitLab webhook payloads (../shared/fixtures/gitlab/payloads), adapted per scenario.

The shared fixtures hold no Deployment Hook: `deployment` builds one with the fields of the
example in GitLab's webhook documentation (`webhook_events.md`, "Deployment events").
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tests.fakes.gitlab import MR, Project


class Payloads:
    def __init__(self, fixtures: Path) -> None:
        self.root = fixtures / "gitlab" / "payloads"
        self._cache: dict[str, dict[str, Any]] = {}

    def load(self, name: str) -> dict[str, Any]:
        if name not in self._cache:
            self._cache[name] = json.loads((self.root / name).read_text())
        return copy.deepcopy(self._cache[name])

    @staticmethod
    def _project(data: dict[str, Any], p: Project) -> None:
        proj = data["project"]
        proj["id"], proj["path_with_namespace"] = p.id, p.path
        proj["web_url"], proj["default_branch"] = p.web_url, p.default_branch
        if "project_id" in data:
            data["project_id"] = p.id

    def merge_request(self, action: str, p: Project, mr: MR, *, oldrev: str | None = None,
                      changes: dict[str, Any] | None = None) -> dict[str, Any]:
        data = self.load("docs.merge_request.open.json")
        self._project(data, p)
        data["user"]["username"] = mr.author
        attrs = data["object_attributes"]
        attrs["action"], attrs["iid"] = action, mr.iid
        attrs["target_branch"], attrs["source_branch"] = mr.target_branch, mr.source_branch
        attrs["target_project_id"] = attrs["source_project_id"] = p.id
        attrs["last_commit"]["id"] = mr.head_sha
        attrs["url"] = f"{p.web_url}/-/merge_requests/{mr.iid}"
        if oldrev is not None:
            attrs["oldrev"] = oldrev
        if changes is not None:
            data["changes"] = changes
        return data

    def note(self, p: Project, mr: MR, note_id: int, author: str, body: str, *,
             system: bool = False, action: str = "create") -> dict[str, Any]:
        data = self.load("docs.note.merge_request.json")
        self._project(data, p)
        data["user"]["username"] = author
        attrs = data["object_attributes"]
        attrs.update(id=note_id, note=body, system=system, action=action, project_id=p.id,
                     url=f"{p.web_url}/-/merge_requests/{mr.iid}#note_{note_id}")
        m = data["merge_request"]
        m["iid"], m["target_branch"], m["source_branch"] = mr.iid, mr.target_branch, \
            mr.source_branch
        m["last_commit"]["id"] = mr.head_sha
        return data

    def commit_note(self, p: Project, note_id: int, author: str, body: str) -> dict[str, Any]:
        data = self.load("go-gitlab.note_commit.json")
        self._project(data, p)
        data["user"]["username"] = author
        data["object_attributes"].update(id=note_id, note=body)
        return data

    def push(self, p: Project, before: str, after: str, modified: list[str],
             branch: str | None = None) -> dict[str, Any]:
        data = self.load("go-gitlab.push.json")
        self._project(data, p)
        data["ref"] = f"refs/heads/{branch or p.default_branch}"
        data["before"], data["after"], data["checkout_sha"] = before, after, after
        data["commits"] = data["commits"][-1:]
        data["commits"][0].update(id=after, added=[], modified=modified, removed=[])
        return data

    @staticmethod
    def deployment(p: Project, deployment_id: int, sha: str, environment: str,
                   status: str = "blocked") -> dict[str, Any]:
        return {
            "object_kind": "deployment", "status": status,
            "status_changed_at": "2026-11-26 10:00:00 +0000",
            "deployment_id": deployment_id, "deployable_id": 796,
            "deployable_url": f"{p.web_url}/-/jobs/796",
            "environment": environment, "environment_tier": environment,
            "environment_slug": environment, "environment_external_url": None,
            "project": {"id": p.id, "name": p.path.rsplit("/", 1)[-1],
                        "path_with_namespace": p.path, "web_url": p.web_url,
                        "default_branch": p.default_branch},
            "short_sha": sha[:8], "user": {"id": 1, "name": "Administrator", "username": "root"},
            "user_url": "https://gitlab.example.com/root",
            "commit_url": f"{p.web_url}/-/commit/{sha}", "commit_title": "Add new file",
            "ref": p.default_branch,
        }
