"""Real GitHub webhook payloads (../shared/fixtures/github/payloads), adapted per scenario."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tests.fakes.github import Pull, Repo


class Payloads:
    def __init__(self, fixtures: Path, api_url: str) -> None:
        self.root = fixtures / "github" / "payloads"
        self.api_url = api_url
        self._cache: dict[str, dict[str, Any]] = {}

    def load(self, name: str) -> dict[str, Any]:
        if name not in self._cache:
            self._cache[name] = json.loads((self.root / name).read_text())
        return copy.deepcopy(self._cache[name])

    @staticmethod
    def _repo(data: dict[str, Any], repo: Repo) -> None:
        r = data["repository"]
        r["full_name"], r["name"] = repo.full_name, repo.name
        r["owner"]["login"] = repo.owner
        r["default_branch"] = repo.default_branch
        r["html_url"] = f"https://github.com/{repo.full_name}"
        data["installation"] = {"id": repo.installation_id, "node_id": "x"}

    def pull_request(self, action: str, repo: Repo, pull: Pull) -> dict[str, Any]:
        source = action if action in ("opened", "reopened", "synchronize", "closed") else "opened"
        data = self.load(f"pull_request/{source}.payload.json")
        data["action"] = action
        self._repo(data, repo)
        data["number"] = pull.number
        pr = data["pull_request"]
        pr["number"] = pull.number
        pr["user"]["login"] = pull.author
        pr["head"]["sha"], pr["head"]["ref"] = pull.head_sha, pull.head_ref
        pr["base"]["sha"], pr["base"]["ref"] = pull.base_sha, pull.base_ref
        return data

    def comment(self, repo: Repo, pull: Pull, comment_id: int, author: str, body: str,
                user_type: str = "User") -> dict[str, Any]:
        data = self.load("issue_comment/created.with-installation.payload.json")
        self._repo(data, repo)
        issue = data["issue"]
        issue["number"] = pull.number
        issue["user"]["login"] = pull.author
        issue["pull_request"] = {"url": f"{self.api_url}/repos/{repo.full_name}/pulls/{pull.number}"}
        c = data["comment"]
        c["id"], c["body"] = comment_id, body
        c["user"]["login"], c["user"]["type"] = author, user_type
        c["html_url"] = f"https://github.com/{repo.full_name}/pull/{pull.number}#issuecomment-{comment_id}"
        return data

    def check_run(self, action: str, repo: Repo, pull: Pull, identifier: str = "rescan",
                  name: str = "mergegate") -> dict[str, Any]:
        data = self.load(f"check_run/{action}.payload.json")
        self._repo(data, repo)
        run = data["check_run"]
        run["name"], run["head_sha"] = name, pull.head_sha
        run["pull_requests"] = [{
            "number": pull.number,
            "head": {"sha": pull.head_sha, "ref": pull.head_ref},
            "base": {"sha": pull.base_sha, "ref": pull.base_ref},
        }]
        if action == "requested_action":
            data["requested_action"] = {"identifier": identifier}
        return data

    def deployment(self, repo: Repo, sha: str, environment: str, run_id: int,
                   pull: Pull | None) -> dict[str, Any]:
        data = self.load("deployment_protection_rule/requested.deploynaut.payload.json")
        self._repo(data, repo)
        data["environment"] = environment
        data["deployment"]["sha"] = sha
        data["deployment"]["environment"] = environment
        data["deployment_callback_url"] = (
            f"{self.api_url}/repos/{repo.full_name}/actions/runs/{run_id}/deployment_protection_rule"
        )
        pulls = data["pull_requests"][:1]
        if pull is None:
            data["pull_requests"] = []
        else:
            pulls[0]["number"] = pull.number
            pulls[0]["head"]["sha"] = pull.head_sha
            data["pull_requests"] = pulls
        return data
