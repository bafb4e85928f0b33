"""ONE fake GitHub for every test: an aiohttp server on 127.0.0.1 that checks each request
against `openapi-subset.json` (method, path, parameters, JSON body), keeps state (commits,
pull requests, check runs with their annotations, comments, reactions, permissions, teams,
deployment decisions) and can inject failures (a 502, a 403 with retry-after, a 401).

Any request the description does not allow is recorded in `violations`; `assert_clean()`
fails the test on them. App JWTs are verified with the App's public key; installation tokens
must be ones this fake issued and not revoked.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import io
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web

from tests.fakes.http import FakeHttpServer, Recorded
from tests.fakes.openapi_check import OpenApi

Files = dict[str, bytes]
ARTIFACTS_OPENAPI = Path(__file__).with_name("github_artifacts_openapi.json")


def git_blob_sha(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\x00" % len(content) + content).hexdigest()


def commit_sha(files: Files, salt: str) -> str:
    h = hashlib.sha1(salt.encode())
    for path in sorted(files):
        h.update(path.encode() + b"\x00" + files[path])
    return h.hexdigest()


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    headers: dict[str, str]
    times: int


@dataclass
class Pull:
    number: int
    head_sha: str
    base_sha: str
    author: str
    base_ref: str = "main"
    head_ref: str = "feature"
    state: str = "open"


@dataclass
class Repo:
    owner: str
    name: str
    installation_id: int = 1
    default_branch: str = "main"
    commits: dict[str, Files] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)  # name -> commit sha
    pulls: dict[int, Pull] = field(default_factory=dict)
    permissions: dict[str, tuple[str, str]] = field(default_factory=dict)  # user: (perm, role)
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    other_checks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # sha: runs
    comments: list[dict[str, Any]] = field(default_factory=list)
    reactions: list[dict[str, Any]] = field(default_factory=list)
    deployment_decisions: list[dict[str, Any]] = field(default_factory=list)
    workflow_runs: dict[int, dict[str, Any]] = field(default_factory=dict)  # id: run JSON
    run_logs: dict[int, bytes] = field(default_factory=dict)  # run id: logs zip
    artifacts: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # run id: artifacts

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class FakeGitHub(FakeHttpServer):
    forge_name = "GitHub"

    def __init__(self, openapi_path: Path, app_id: str, public_key: Any) -> None:
        super().__init__()
        self.openapi = OpenApi(openapi_path)
        self.app_id = app_id
        self.public_key = public_key
        self.repos: dict[str, Repo] = {}
        self.blobs: dict[str, bytes] = {}
        self.teams: dict[tuple[str, str], set[str]] = {}
        self.faults: list[Fault] = []
        self.tokens: dict[str, int] = {}  # token -> installation id
        self.revoked: set[str] = set()
        self.log_downloads: list[dict[str, str]] = []  # headers of each signed-URL download
        # more of GitHub, answered first: ``await handle(request, body)`` returns a response or
        # None (e.g. tests.fakes.github_oauth)
        self.extensions: list[Any] = []
        self.openapi.add(ARTIFACTS_OPENAPI)  # two Actions endpoints the shared subset lacks
        self.artifact_downloads: list[dict[str, str]] = []  # headers, as for the logs

    # -- scenario set-up --------------------------------------------------------------------
    def repo(self, full_name: str = "Codertocat/Hello-World") -> Repo:
        if full_name not in self.repos:
            owner, name = full_name.split("/")
            self.repos[full_name] = Repo(owner, name)
        return self.repos[full_name]

    def commit(self, repo: Repo, files: dict[str, str | bytes], salt: str = "") -> str:
        data = {p: (c.encode() if isinstance(c, str) else c) for p, c in files.items()}
        sha = commit_sha(data, salt + repo.full_name)
        repo.commits[sha] = data
        for content in data.values():
            self.blobs[git_blob_sha(content)] = content
        return sha

    def open_pull(self, repo: Repo, number: int, base: dict[str, str | bytes],
                  head: dict[str, str | bytes], author: str = "Codertocat") -> Pull:
        pull = Pull(number, self.commit(repo, head, "head"), self.commit(repo, base, "base"),
                    author)
        repo.pulls[number] = pull
        return pull

    def push(self, repo: Repo, number: int, head: dict[str, str | bytes]) -> str:
        sha = self.commit(repo, head, f"push{next(self.ids)}")
        repo.pulls[number].head_sha = sha
        return sha

    def fail(self, method: str, path_regex: str, status: int, times: int = 1,
             headers: dict[str, str] | None = None) -> None:
        self.faults.append(Fault(method, re.compile(path_regex), status, headers or {}, times))

    def calls(self, method: str | None = None, template: str | None = None) -> list[Recorded]:
        return [r for r in self.requests
                if (method is None or r.method == method)
                and (template is None or r.template == template)]

    def check_runs(self, repo: Repo, sha: str | None = None) -> list[dict[str, Any]]:
        return [c for c in repo.check_runs.values() if sha is None or c["head_sha"] == sha]

    # -- the server -------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        for extension in self.extensions:
            answer = await extension.handle(request, body)
            if answer is not None:
                return answer
        path = request.path
        if path.startswith("/_codeload/"):
            return self._codeload(path)
        if path.startswith("/_actionslogs/"):
            return self._actions_logs(request)
        if path.startswith("/_actionsartifacts/"):
            return self._artifact_zip(request)
        query = dict(request.query)
        template, path_vars, problems = self.openapi.check(request.method, path, query, body)
        rec = Recorded(request.method, path, query, body, template)
        self.requests.append(rec)
        for problem in problems:
            self.violations.append(f"{request.method} {path}: {problem}")
        if problems:
            rec.status = 422
            return web.json_response({"message": "; ".join(problems)}, status=422)
        for pattern, event in self.hold.items():
            if re.search(pattern, path):
                await event.wait()
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and fault.pattern.search(path):
                fault.times -= 1
                rec.status = fault.status
                return web.json_response({"message": "injected failure"}, status=fault.status,
                                         headers=fault.headers)
        auth_error = self._authenticate(request, template or "")
        if auth_error:
            rec.status = 401
            return web.json_response({"message": auth_error}, status=401)
        try:
            response = self._route(request.method, template or "", path_vars, query, rec.json())
        except KeyError as exc:
            response = web.json_response({"message": f"Not Found: {exc}"}, status=404)
        rec.status = response.status
        return response

    def _authenticate(self, request: web.Request, template: str) -> str | None:
        header = request.headers.get("Authorization", "")
        if template == "/app/installations/{installation_id}/access_tokens":
            if not header.lower().startswith("bearer "):
                return "an App JWT is required"
            try:
                claims = jwt.decode(header[7:], self.public_key, algorithms=["RS256"])
            except jwt.PyJWTError as exc:
                return f"bad JWT: {exc}"
            return None if str(claims.get("iss")) == self.app_id else "wrong App id"
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return "Bad credentials"
        if token not in self.tokens or token in self.revoked:
            return "Bad credentials"
        return None

    def _repo(self, v: dict[str, str]) -> Repo:
        return self.repos[f"{v['owner']}/{v['repo']}"]

    def _route(self, method: str, t: str, v: dict[str, str], q: dict[str, str],
               body: Any) -> web.Response:
        if t == "/app/installations/{installation_id}/access_tokens":
            token = f"ghs_fake{next(self.ids)}"
            self.tokens[token] = int(v["installation_id"])
            return web.json_response(
                {"token": token, "expires_at": "2099-01-01T00:00:00Z"}, status=201)
        repo = self._repo(v) if "owner" in v and "repo" in v else None
        if t == "/repos/{owner}/{repo}/pulls/{pull_number}/files":
            assert repo is not None
            return self._paginated(self._pull_files(repo, repo.pulls[int(v["pull_number"])]), q,
                                   f"/repos/{repo.full_name}/pulls/{v['pull_number']}/files")
        if t == "/repos/{owner}/{repo}/pulls/{pull_number}":
            assert repo is not None
            return web.json_response(self._pull_json(repo, repo.pulls[int(v["pull_number"])]))
        if t == "/repos/{owner}/{repo}/pulls":
            assert repo is not None
            pulls = [self._pull_json(repo, p) for p in repo.pulls.values()
                     if p.state == q.get("state", "open")
                     and ("base" not in q or p.base_ref == q["base"])]
            return self._paginated(pulls, q, f"/repos/{repo.full_name}/pulls")
        if t == "/repos/{owner}/{repo}/git/blobs/{file_sha}":
            content = self.blobs[v["file_sha"]]
            return web.json_response({"sha": v["file_sha"], "size": len(content),
                                      "encoding": "base64",
                                      "content": base64.b64encode(content).decode()})
        if t == "/repos/{owner}/{repo}/contents/{path}":
            assert repo is not None
            ref = q.get("ref") or self._default_head(repo)
            ref = repo.branches.get(ref, ref)
            content = repo.commits[ref][v["path"]]
            return web.json_response({
                "type": "file", "encoding": "base64", "size": len(content), "name":
                v["path"].rsplit("/", 1)[-1], "path": v["path"], "sha": git_blob_sha(content),
                "content": base64.b64encode(content).decode()})
        if t == "/repos/{owner}/{repo}/tarball/{ref}":
            assert repo is not None
            raise web.HTTPFound(f"/_codeload/{repo.full_name}/{v['ref']}")
        if t == "/repos/{owner}/{repo}/check-runs":
            assert repo is not None
            run_id = next(self.ids)
            run = {"id": run_id, "head_sha": body["head_sha"], "name": body["name"],
                   "status": body.get("status", "queued"), "conclusion": None, "output": {},
                   "annotations": [], "history": [], "completions": 0}
            repo.check_runs[run_id] = run
            self._apply_check(run, body)
            return web.json_response(self._check_json(repo, run), status=201)
        if t == "/repos/{owner}/{repo}/check-runs/{check_run_id}":
            assert repo is not None
            run = repo.check_runs[int(v["check_run_id"])]
            if method == "PATCH":
                self._apply_check(run, body)
            return web.json_response(self._check_json(repo, run))
        if t == "/repos/{owner}/{repo}/commits/{ref}/check-runs":
            assert repo is not None
            runs = [self._check_json(repo, r) for r in self.check_runs(repo, v["ref"])]
            runs += repo.other_checks.get(v["ref"], [])
            runs = [r for r in runs if q.get("check_name", r["name"]) == r["name"]
                    and q.get("status", r["status"]) == r["status"]]
            return web.json_response({"total_count": len(runs), "check_runs": runs})
        if t == "/repos/{owner}/{repo}/commits/{ref}/status":
            return web.json_response({"state": "success", "statuses": [], "sha": v["ref"],
                                      "total_count": 0})
        if t == "/repos/{owner}/{repo}/issues/{issue_number}/comments" and method == "GET":
            assert repo is not None
            number = int(v["issue_number"])
            return self._paginated([c for c in repo.comments if c["issue_number"] == number], q,
                                   f"/repos/{repo.full_name}/issues/{number}/comments")
        if t == "/repos/{owner}/{repo}/issues/comments/{comment_id}":
            assert repo is not None
            found = next(c for c in repo.comments if c["id"] == int(v["comment_id"]))
            if method == "PATCH":
                found["body"] = body["body"]
                found["edits"] = found.get("edits", 0) + 1
            return web.json_response(found)
        if t == "/repos/{owner}/{repo}/actions/runs/{run_id}":
            assert repo is not None
            return web.json_response(repo.workflow_runs[int(v["run_id"])])
        if t == "/repos/{owner}/{repo}/actions/runs/{run_id}/logs":
            assert repo is not None
            if int(v["run_id"]) not in repo.run_logs:
                raise KeyError(v["run_id"])
            raise web.HTTPFound(  # a signed URL on another host in real life
                f"{self.url}/_actionslogs/{repo.full_name}/{v['run_id']}?sig=s3cr3t")
        if t == "/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts":
            assert repo is not None
            listed = [{k: v for k, v in a.items() if k != "zip"}
                      for a in repo.artifacts.get(int(v["run_id"]), [])]
            return web.json_response({"total_count": len(listed), "artifacts": listed})
        if t == "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}":
            assert repo is not None
            found = next(a for runs in repo.artifacts.values() for a in runs
                         if a["id"] == int(v["artifact_id"]))
            if found["expired"]:
                return web.json_response({"message": "Artifact has expired"}, status=410)
            raise web.HTTPFound(f"{self.url}/_actionsartifacts/{repo.full_name}/{found['id']}"
                                "?sig=s3cr3t")
        if t == "/repos/{owner}/{repo}/issues/{issue_number}/comments":
            assert repo is not None
            comment = {"id": next(self.ids), "body": body["body"],
                       "issue_number": int(v["issue_number"]),
                       "user": {"login": "mergegate[bot]", "type": "Bot"},
                       "performed_via_github_app": {"id": int(self.app_id)}}
            repo.comments.append(comment)
            return web.json_response(comment, status=201)
        if t == "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions":
            assert repo is not None
            reaction = {"id": next(self.ids), "comment_id": int(v["comment_id"]),
                        "content": body["content"]}
            repo.reactions.append(reaction)
            return web.json_response(reaction, status=201)
        if t == "/repos/{owner}/{repo}/collaborators/{username}/permission":
            assert repo is not None
            perm, role = repo.permissions[v["username"]]
            return web.json_response({"permission": perm, "role_name": role,
                                      "user": {"login": v["username"]}})
        if t == "/orgs/{org}/teams/{team_slug}/memberships/{username}":
            members = self.teams[(v["org"], v["team_slug"])]
            if v["username"] not in members:
                raise KeyError(v["username"])
            return web.json_response({"state": "active", "role": "member", "url": ""})
        if t == "/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule":
            assert repo is not None
            repo.deployment_decisions.append({"run_id": int(v["run_id"]), **body})
            return web.Response(status=204)
        return web.json_response({"message": f"the fake does not implement {t}"}, status=501)

    # -- helpers ----------------------------------------------------------------------------
    def _default_head(self, repo: Repo) -> str:
        """The default branch's head (or this fake's latest commit of the repository)."""
        return repo.branches.get(repo.default_branch) or list(repo.commits)[-1]

    def _paginated(self, items: list[Any], q: dict[str, str], path: str) -> web.Response:
        per_page = int(q.get("per_page", 30))
        page = int(q.get("page", 1))
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(items):
            headers["Link"] = f'<{self.url}{path}?per_page={per_page}&page={page + 1}>; rel="next"'
        return web.json_response(chunk, headers=headers)

    def _pull_files(self, repo: Repo, pull: Pull) -> list[dict[str, Any]]:
        base, head = repo.commits[pull.base_sha], repo.commits[pull.head_sha]
        files = []
        for path in sorted(set(base) | set(head)):
            old, new = base.get(path), head.get(path)
            if old == new:
                continue
            status = "added" if old is None else "removed" if new is None else "modified"
            entry: dict[str, Any] = {"filename": path, "status": status,
                                     "sha": git_blob_sha(new if new is not None else b"")}
            patch = "\n".join(difflib.unified_diff(
                (old or b"").decode(errors="replace").splitlines(),
                (new or b"").decode(errors="replace").splitlines(), lineterm="", n=3,
            ))
            entry["patch"] = "\n".join(patch.splitlines()[2:])  # without the ---/+++ header
            files.append(entry)
        return files

    def _pull_json(self, repo: Repo, pull: Pull) -> dict[str, Any]:
        return {
            "number": pull.number, "state": pull.state, "draft": False,
            "html_url": f"https://github.com/{repo.full_name}/pull/{pull.number}",
            "user": {"login": pull.author, "type": "User"},
            "head": {"sha": pull.head_sha, "ref": pull.head_ref},
            "base": {"sha": pull.base_sha, "ref": pull.base_ref},
        }

    def _apply_check(self, run: dict[str, Any], body: dict[str, Any]) -> None:
        run["history"].append(body)
        if body.get("status") == "completed" or body.get("conclusion"):
            run["completions"] += 1
        for key in ("status", "conclusion", "name", "actions"):
            if key in body:
                run[key] = body[key]
        if body.get("conclusion"):
            run["status"] = "completed"
        output = body.get("output") or {}
        run["annotations"] += output.get("annotations", [])
        run["output"].update({k: v for k, v in output.items() if k != "annotations"})

    def _check_json(self, repo: Repo, run: dict[str, Any]) -> dict[str, Any]:
        return {"id": run["id"], "name": run["name"], "head_sha": run["head_sha"],
                "status": run["status"], "conclusion": run["conclusion"],
                "app": {"id": int(run.get("app_id", self.app_id))},
                "html_url": f"https://github.com/{repo.full_name}/runs/{run['id']}"}

    def _actions_logs(self, request: web.Request) -> web.Response:
        self.log_downloads.append(dict(request.headers))
        _, _, owner, name, run_id = request.path.split("/", 4)
        return web.Response(body=self.repos[f"{owner}/{name}"].run_logs[int(run_id)],
                            content_type="application/zip")

    def add_artifact(self, repo: Repo, run_id: int, name: str, zip_bytes: bytes,
                     expired: bool = False) -> dict[str, Any]:
        """An artifact of a workflow run, listed as GitHub lists one and served as its zip."""
        artifact_id = next(self.ids)
        api = f"{self.url}/repos/{repo.full_name}/actions/artifacts/{artifact_id}"
        artifact = {"id": artifact_id, "node_id": f"MDg6QXJ0aWZhY3Q{artifact_id}", "name": name,
                    "size_in_bytes": len(zip_bytes), "url": api,
                    "archive_download_url": f"{api}/zip", "expired": expired,
                    "created_at": "2026-11-26T10:59:00Z", "expires_at": "2027-02-24T10:59:00Z",
                    "updated_at": "2026-11-26T10:59:00Z", "zip": zip_bytes,
                    "workflow_run": {"id": run_id, "repository_id": 1296269,
                                     "head_repository_id": 1296269}}
        repo.artifacts.setdefault(run_id, []).append(artifact)
        return artifact

    def _artifact_zip(self, request: web.Request) -> web.Response:
        self.artifact_downloads.append(dict(request.headers))
        _, _, owner, name, artifact_id = request.path.split("/", 4)
        found = next(a for runs in self.repos[f"{owner}/{name}"].artifacts.values()
                     for a in runs if a["id"] == int(artifact_id))
        return web.Response(body=found["zip"], content_type="application/zip")

    def _codeload(self, path: str) -> web.Response:
        _, _, owner, name, ref = path.split("/", 4)
        files = self.repos[f"{owner}/{name}"].commits[ref]
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for p, content in files.items():
                info = tarfile.TarInfo(f"{owner}-{name}-{ref[:7]}/{p}")
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
        return web.Response(body=buf.getvalue(), content_type="application/x-gzip")
