"""ONE fake GitLab for every test: an aiohttp server on 127.0.0.1 answering exactly the REST
endpoints (``/api/v4/...``) python-gitlab calls for MergeGate, with GitLab-shaped responses.

It keeps state (projects, commits, branches, merge requests, commit statuses with GitLab's
state machine, notes, award emoji, members, groups, status check responses, deployments and
their approvals) and can inject failures (``fail``: a 502 then 200; with ``after=True`` the
request takes effect before the error is answered, as when a proxy times out behind a GitLab
that did the work) or hold a path until an event is set (a crash mid-scan). Any request it does not know, with an unknown parameter or a
body GitLab would refuse, is recorded in ``violations``; ``assert_clean()`` fails the test.
Requests must carry the token in ``PRIVATE-TOKEN`` (401 otherwise).
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import re
import tarfile
import urllib.parse
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.http import FakeHttpServer, Recorded

Files = dict[str, bytes]
TOKEN = "glpat-fake-token-0123456789"
BOT = "mergegate-bot"
PAGING = {"page", "per_page"}
STATES = ("pending", "running", "success", "failed", "canceled")
_TRANSITION = {"pending": "enqueue", "running": "run", "success": "succeed", "failed": "drop",
               "canceled": "cancel"}


@dataclass
class MR:
    iid: int
    head_sha: str
    base_sha: str
    author: str
    target_branch: str = "master"
    source_branch: str = "feature"
    state: str = "opened"


@dataclass
class Project:
    id: int
    path: str
    default_branch: str = "master"
    commits: dict[str, Files] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    mrs: dict[int, MR] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)  # username: access level
    statuses: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # iid: notes
    emoji: list[dict[str, Any]] = field(default_factory=list)
    check_responses: list[dict[str, Any]] = field(default_factory=list)
    deployments: dict[int, dict[str, Any]] = field(default_factory=dict)
    approvals: list[dict[str, Any]] = field(default_factory=list)
    discussions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # iid: threads
    pipelines: dict[int, dict[str, Any]] = field(default_factory=dict)  # id: pipeline JSON
    jobs: dict[int, dict[str, Any]] = field(default_factory=dict)  # id: job JSON (+ "archive")
    parents: dict[str, list[str]] = field(default_factory=dict)  # commit: its parents

    @property
    def web_url(self) -> str:
        return f"https://gitlab.example.com/{self.path}"


# (method, route name, path regex, allowed query parameters)
ROUTES: list[tuple[str, str, re.Pattern[str], set[str]]] = [
    (m, name, re.compile("^/api/v4" + rx + "$"), q) for m, name, rx, q in [
        ("GET", "user", r"/user", set()),
        ("GET", "mrs", r"/projects/([^/]+)/merge_requests", {"state", "target_branch"} | PAGING),
        ("GET", "mr", r"/projects/([^/]+)/merge_requests/(\d+)", set()),
        ("GET", "diffs", r"/projects/([^/]+)/merge_requests/(\d+)/diffs", PAGING | {"unidiff"}),
        ("GET", "raw", r"/projects/([^/]+)/repository/files/([^/]+)/raw", {"ref", "lfs"}),
        ("GET", "archive", r"/projects/([^/]+)/repository/archive\.tar\.gz", {"sha", "path"}),
        ("POST", "status", r"/projects/([^/]+)/statuses/([0-9a-f]{40})", set()),
        ("GET", "statuses", r"/projects/([^/]+)/repository/commits/([0-9a-f]{40})/statuses",
         PAGING | {"ref", "stage", "name", "all"}),
        ("GET", "notes", r"/projects/([^/]+)/merge_requests/(\d+)/notes",
         PAGING | {"sort", "order_by"}),
        ("POST", "note", r"/projects/([^/]+)/merge_requests/(\d+)/notes", set()),
        ("PUT", "note_edit", r"/projects/([^/]+)/merge_requests/(\d+)/notes/(\d+)", set()),
        ("POST", "emoji", r"/projects/([^/]+)/merge_requests/(\d+)/notes/(\d+)/award_emoji",
         set()),
        ("GET", "emojis", r"/projects/([^/]+)/merge_requests/(\d+)/notes/(\d+)/award_emoji",
         PAGING),
        ("GET", "members", r"/projects/([^/]+)/members/all", PAGING | {"query", "user_ids"}),
        ("GET", "group_members", r"/groups/([^/]+)/members/all", PAGING | {"query", "user_ids"}),
        ("POST", "check_response",
         r"/projects/([^/]+)/merge_requests/(\d+)/status_check_responses", set()),
        ("POST", "approval", r"/projects/([^/]+)/deployments/(\d+)/approval", set()),
        ("GET", "discussions", r"/projects/([^/]+)/merge_requests/(\d+)/discussions", PAGING),
        ("POST", "discussion", r"/projects/([^/]+)/merge_requests/(\d+)/discussions", set()),
        ("PUT", "discussion_edit",
         r"/projects/([^/]+)/merge_requests/(\d+)/discussions/([0-9a-f]+)", set()),
        ("GET", "pipeline", r"/projects/([^/]+)/pipelines/(\d+)", set()),
        ("GET", "commit", r"/projects/([^/]+)/repository/commits/([0-9a-f]{40})", {"stats"}),
        ("GET", "pipeline_jobs", r"/projects/([^/]+)/pipelines/(\d+)/jobs",
         PAGING | {"scope", "include_retried"}),
        ("GET", "job_artifacts", r"/projects/([^/]+)/jobs/(\d+)/artifacts", {"job_token"}),
        ("GET", "job_artifact", r"/projects/([^/]+)/jobs/(\d+)/artifacts/(.+)", {"job_token"}),
    ]
]


class FakeGitLab(FakeHttpServer):
    forge_name = "GitLab"

    def __init__(self, token: str = TOKEN, bot: str = BOT) -> None:
        super().__init__()
        self.token = token
        self.bot = bot
        self.projects: dict[int, Project] = {}
        self.groups: dict[str, dict[str, int]] = {}
        self.faults: list[tuple[str, re.Pattern[str], int, list[int], dict[str, str], bool]] = []
        self.storage_downloads: list[dict[str, str]] = []  # headers of artifact downloads

    # -- scenario set-up --------------------------------------------------------------------
    def project(self, path: str = "gitlabhq/gitlab-test", pid: int = 1) -> Project:
        if pid not in self.projects:
            self.projects[pid] = Project(pid, path)
        return self.projects[pid]

    def commit(self, project: Project, files: Mapping[str, str | bytes], salt: str = "") -> str:
        data = {p: (c.encode() if isinstance(c, str) else c) for p, c in files.items()}
        h = hashlib.sha1(f"{salt}{project.path}{next(self.ids)}".encode())
        for path in sorted(data):
            h.update(path.encode() + b"\x00" + data[path])
        sha = h.hexdigest()
        project.commits[sha] = data
        return sha

    def open_mr(self, project: Project, iid: int, base: Mapping[str, str | bytes],
                head: Mapping[str, str | bytes], author: str = "root") -> MR:
        base_sha = self.commit(project, base, "base")
        project.branches[project.default_branch] = base_sha
        mr = MR(iid, self.commit(project, head, "head"), base_sha, author)
        project.mrs[iid] = mr
        return mr

    def push(self, project: Project, iid: int, head: Mapping[str, str | bytes]) -> str:
        sha = self.commit(project, head, "push")
        project.mrs[iid].head_sha = sha
        return sha

    def fail(self, method: str, path_regex: str, status: int, times: int = 1,
             headers: dict[str, str] | None = None, *, after: bool = False) -> None:
        """The next ``times`` matching requests get ``status`` (then the real answer). With
        ``after``, each of them is carried out first (the note is created) and answered with
        ``status`` all the same; a request GitLab refuses keeps its own answer."""
        self.faults.append((method, re.compile(path_regex), status, [times], headers or {}, after))

    def calls(self, method: str | None = None, route: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if (method is None or r.method == method)
                and (route is None or r.route == route)]

    def mergegate_statuses(self, project: Project, sha: str) -> list[dict[str, Any]]:
        return [s for s in project.statuses if s["sha"] == sha and s["name"] == "mergegate"]

    # -- the server -------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        raw = request.raw_path.split("?", 1)[0]
        if raw.startswith("/_storage/"):  # object storage a job's artifacts redirect to
            return self._storage(request)
        query = dict(request.query)
        method = request.method
        match = next(((name, m, q) for meth, name, rx, q in ROUTES
                      if meth == method and (m := rx.match(raw))), None)
        rec = Recorded(method, raw, query, body, match[0] if match else None,
                       dict(request.headers))
        self.requests.append(rec)
        if match is None:
            self.violations.append(f"{method} {raw}: not an endpoint MergeGate should call")
            rec.status = 404
            return web.json_response({"error": "404 Not Found"}, status=404)
        name, m, allowed = match
        unknown = set(query) - allowed
        if unknown:
            self.violations.append(f"{method} {raw}: unknown parameters {sorted(unknown)}")
        for pattern, event in self.hold.items():
            if re.search(pattern, raw):
                await event.wait()
        injected: web.Response | None = None
        for f_method, rx, status, left, headers, after in self.faults:
            if left[0] > 0 and f_method == method and rx.search(raw):
                left[0] -= 1
                injected = web.json_response({"message": f"{status} injected"}, status=status,
                                             headers=headers)
                if not after:
                    rec.status = status
                    return injected
                break
        if request.headers.get("PRIVATE-TOKEN") != self.token:
            rec.status = 401
            return web.json_response({"message": "401 Unauthorized"}, status=401)
        args = [urllib.parse.unquote(g) for g in m.groups()]
        try:
            data = json.loads(body) if body else {}
            response = self._route(name, args, query, data)
        except KeyError as exc:
            response = web.json_response({"message": f"404 {exc} Not Found"}, status=404)
        except ValueError as exc:
            self.violations.append(f"{method} {raw}: {exc}")
            response = web.json_response({"error": str(exc)}, status=400)
        if injected is not None and response.status < 300:
            response = injected  # done, yet answered with an error
        rec.status = response.status
        return response

    def _project(self, pid: str) -> Project:
        if pid.isdigit():
            return self.projects[int(pid)]
        for p in self.projects.values():
            if p.path == pid:
                return p
        raise KeyError("Project")

    def _route(self, name: str, a: list[str], q: dict[str, str], body: Any) -> web.Response:
        if name == "user":
            return web.json_response({"id": 77, "username": self.bot, "bot": True,
                                      "web_url": f"https://gitlab.example.com/{self.bot}"})
        if name == "group_members":
            return self._members(self.groups[a[0]], q)
        p = self._project(a[0])
        if name == "mrs":
            mrs = [self._mr_json(p, mr) for mr in p.mrs.values()
                   if mr.state == q.get("state", mr.state)
                   and mr.target_branch == q.get("target_branch", mr.target_branch)]
            return self._paginated(mrs, q, f"/api/v4/projects/{p.id}/merge_requests")
        if name == "mr":
            return web.json_response(self._mr_json(p, p.mrs[int(a[1])], full=True))
        if name == "diffs":
            mr = p.mrs[int(a[1])]
            return self._paginated(self._diffs(p, mr), q,
                                   f"/api/v4/projects/{p.id}/merge_requests/{mr.iid}/diffs")
        if name == "raw":
            ref = q.get("ref") or p.branches[p.default_branch]
            sha = p.branches.get(ref, ref)
            return web.Response(body=p.commits[sha][a[1]],
                                content_type="application/octet-stream")
        if name == "archive":
            return web.Response(body=self._archive(p, q["sha"]), content_type="application/gzip")
        if name == "status":
            return self._status(p, a[1], body)
        if name == "statuses":
            latest: dict[str, dict[str, Any]] = {}
            for s in p.statuses:
                if s["sha"] == a[1]:
                    latest[s["name"]] = s
            return self._paginated([self._status_json(s) for s in latest.values()], q,
                                   f"/api/v4/projects/{p.id}/repository/commits/{a[1]}/statuses")
        if name in ("discussions", "discussion", "discussion_edit"):
            return self._discussions(name, p, p.mrs[int(a[1])], a, q, body)
        if name in ("notes", "note", "note_edit", "emoji", "emojis", "check_response"):
            return self._mr_children(name, p, p.mrs[int(a[1])], a, q, body)
        if name == "members":
            return self._members(p.members, q)
        if name == "commit":
            return web.json_response({"id": a[1], "short_id": a[1][:8], "title": "Merge",
                                      "parent_ids": p.parents.get(a[1], [])})
        if name in ("pipeline", "pipeline_jobs", "job_artifacts", "job_artifact"):
            return self._ci(name, p, a, q)
        if name == "approval":
            dep = p.deployments[int(a[1])]
            if body.get("status") not in ("approved", "rejected"):
                raise ValueError("status must be approved or rejected")
            if dep["status"] != "blocked":
                raise ValueError("Deployment is not blocked")
            p.approvals.append({"deployment_id": int(a[1]), **body})
            return web.json_response({"user": {"username": self.bot}, "status": body["status"],
                                      "comment": body.get("comment")}, status=201)
        raise KeyError(name)

    def _mr_children(self, name: str, p: Project, mr: MR, a: list[str], q: dict[str, str],
                     body: Any) -> web.Response:
        notes = p.notes.setdefault(mr.iid, [])
        if name == "notes":
            ordered = sorted(notes, key=lambda n: n["id"], reverse=q.get("sort") != "asc")
            return self._paginated(ordered, q, f"/api/v4/projects/{p.id}/merge_requests/"
                                   f"{mr.iid}/notes")
        if name == "note":
            if not str(body.get("body") or "").strip():
                raise ValueError("body is missing")
            note = {"id": next(self.ids), "body": body["body"], "system": False,
                    "author": {"username": self.bot}, "noteable_type": "MergeRequest",
                    "noteable_iid": mr.iid, "edits": 0}
            notes.append(note)
            return web.json_response(note, status=201)
        if name == "note_edit":
            edited = next((n for n in notes if n["id"] == int(a[2])), None)
            if edited is None:
                raise KeyError("Note")
            note = edited
            if note["author"]["username"] != self.bot:
                raise ValueError("403 Forbidden: the note belongs to someone else")
            note["body"], note["edits"] = body["body"], note["edits"] + 1
            return web.json_response(note)
        if name == "emojis":
            awards = [e for e in p.emoji if e["note_id"] == int(a[2])]
            return self._paginated(awards, q, f"/api/v4/projects/{p.id}/merge_requests/"
                                   f"{mr.iid}/notes/{a[2]}/award_emoji")
        if name == "emoji":
            if not body.get("name"):
                raise ValueError("name is missing")
            award = {"id": next(self.ids), "name": body["name"], "note_id": int(a[2]),
                     "user": {"username": self.bot}}
            p.emoji.append(award)
            return web.json_response(award, status=201)
        # check_response
        if body.get("status") not in ("passed", "failed") or not body.get("sha") or \
                not isinstance(body.get("external_status_check_id"), int):
            raise ValueError("sha, external_status_check_id and status are required")
        if body["sha"] != mr.head_sha:
            return web.json_response({"message": "409 Conflict: sha is not the MR head"},
                                     status=409)
        p.check_responses.append(body)
        return web.json_response({"id": next(self.ids), "status": body["status"]}, status=201)

    def _discussions(self, name: str, p: Project, mr: MR, a: list[str], q: dict[str, str],
                     body: Any) -> web.Response:
        threads = p.discussions.setdefault(mr.iid, [])
        if name == "discussions":
            return self._paginated(threads, q, f"/api/v4/projects/{p.id}/merge_requests/"
                                   f"{mr.iid}/discussions")
        if name == "discussion_edit":
            thread = next((t for t in threads if t["id"] == a[2]), None)
            if thread is None:
                raise KeyError("Discussion")
            if not isinstance(body.get("resolved"), bool):
                raise ValueError("resolved is missing")
            for note in thread["notes"]:
                note["resolved"] = body["resolved"]
            thread["history"].append("resolved" if body["resolved"] else "reopened")
            return web.json_response(thread)
        pos = body.get("position") or {}
        if not str(body.get("body") or "").strip():
            raise ValueError("body is missing")
        want = {"position_type": "text", "base_sha": mr.base_sha, "start_sha": mr.base_sha,
                "head_sha": mr.head_sha}
        if any(pos.get(k) != v for k, v in want.items()):
            raise ValueError(f"position {pos} does not match the MR's diff_refs")
        if pos.get("new_line") not in self._diff_lines(p, mr, str(pos.get("new_path"))):
            raise ValueError("Note {:line_code=>[\"can't be blank\", \"must be a valid line "
                             "code\"]}")
        note = {"id": next(self.ids), "body": body["body"], "author": {"username": self.bot},
                "system": False, "resolvable": True, "resolved": False, "position": pos,
                "noteable_type": "MergeRequest", "edits": 0}
        thread = {"id": hashlib.sha1(str(note["id"]).encode()).hexdigest(),
                  "individual_note": False, "notes": [note], "history": ["created"]}
        threads.append(thread)
        p.notes.setdefault(mr.iid, []).append(note)
        return web.json_response(thread, status=201)

    def _diff_lines(self, p: Project, mr: MR, path: str) -> set[int]:
        """The new-file line numbers a text position may name: those shown in the diff."""
        entry = next((d for d in self._diffs(p, mr) if d["new_path"] == path), None)
        lines: set[int] = set()
        current = 0
        for row in (entry or {}).get("diff", "").splitlines():
            if row.startswith("@@"):
                current = int(row.split("+", 1)[1].split(",")[0].split(" ")[0])
            elif not row.startswith("-"):
                lines.add(current)
                current += 1
        return lines

    def _status(self, p: Project, sha: str, body: dict[str, Any]) -> web.Response:
        state = body.get("state")
        if state not in STATES:
            raise ValueError(f"state {state!r} is not one of {STATES}")
        if sha not in p.commits:
            raise KeyError("Commit")
        name = body.get("name") or body.get("context") or "default"
        live = next((s for s in p.statuses if s["sha"] == sha and s["name"] == name
                     and s["status"] in ("pending", "running")), None)
        if live is not None and (live["status"] == state or
                                 (live["status"] == "running" and state == "pending")):
            return web.json_response({"message": f"Cannot transition status via "
                                      f":{_TRANSITION[state]} from :{live['status']}"},
                                     status=400)
        if live is None:
            live = {"id": next(self.ids), "sha": sha, "name": name, "history": []}
            p.statuses.append(live)
        live.update(status=state, description=body.get("description"),
                    target_url=body.get("target_url"))
        live["history"].append(state)
        return web.json_response(self._status_json(live), status=201)

    @staticmethod
    def _status_json(s: dict[str, Any]) -> dict[str, Any]:
        return {"id": s["id"], "sha": s["sha"], "name": s["name"], "status": s["status"],
                "description": s["description"], "target_url": s["target_url"],
                "allow_failure": False, "author": {"username": BOT}}

    def _members(self, members: dict[str, int], q: dict[str, str]) -> web.Response:
        query = q.get("query", "").lower()
        out = [{"id": i, "username": u, "name": u, "state": "active", "access_level": lvl}
               for i, (u, lvl) in enumerate(members.items(), 1) if query in u.lower()]
        return web.json_response(out)

    def _mr_json(self, p: Project, mr: MR, full: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": mr.iid + 1000, "iid": mr.iid, "project_id": p.id, "state": mr.state,
            "title": "MR", "target_branch": mr.target_branch,
            "source_branch": mr.source_branch, "sha": mr.head_sha, "draft": False,
            "author": {"username": mr.author}, "web_url": f"{p.web_url}/-/merge_requests/{mr.iid}",
        }
        if full:
            out["diff_refs"] = {"base_sha": mr.base_sha, "start_sha": mr.base_sha,
                                "head_sha": mr.head_sha}
        return out

    def _diffs(self, p: Project, mr: MR) -> list[dict[str, Any]]:
        base, head = p.commits[mr.base_sha], p.commits[mr.head_sha]
        out = []
        for path in sorted(set(base) | set(head)):
            old, new = base.get(path), head.get(path)
            if old == new:
                continue
            patch = "\n".join(difflib.unified_diff(
                (old or b"").decode(errors="replace").splitlines(),
                (new or b"").decode(errors="replace").splitlines(), lineterm="", n=3))
            out.append({"old_path": path, "new_path": path, "a_mode": "100644",
                        "b_mode": "0" if new is None else "100644",
                        "diff": "\n".join(patch.splitlines()[2:]) + "\n",
                        "new_file": old is None, "renamed_file": False,
                        "deleted_file": new is None, "generated_file": False})
        return out

    # -- CI: pipelines, jobs and their artifacts ---------------------------------------------
    def pipeline(self, project: Project, sha: str, status: str = "success",
                 finished_at: str = "2026-11-26 11:00:00 UTC") -> dict[str, Any]:
        pid = next(self.ids)
        project.pipelines[pid] = {
            "id": pid, "iid": pid % 1000, "project_id": project.id, "sha": sha,
            "ref": "refs/merge-requests/1/head", "status": status,
            "source": "merge_request_event", "created_at": "2026-11-26T10:00:00.000Z",
            "updated_at": "2026-11-26T11:00:00.000Z", "finished_at": finished_at,
            "web_url": f"{project.web_url}/-/pipelines/{pid}"}
        return project.pipelines[pid]

    def merge_ref(self, project: Project, mr: MR) -> str:
        """The commit of ``refs/merge-requests/<iid>/merge``: the MR merged into its target,
        what a merged-results pipeline runs on."""
        sha = self.commit(project, project.commits[mr.head_sha], "merge")
        project.parents[sha] = [mr.base_sha, mr.head_sha]
        return sha

    def job(self, project: Project, pipeline: dict[str, Any], name: str, *,
            archive: dict[str, bytes] | bytes | None = None,
            reports: dict[str, tuple[str, int]] | None = None) -> dict[str, Any]:
        """A finished job of the pipeline. ``archive``: its artifacts archive (files zipped
        here, or the zip's bytes); ``reports``: its ``artifacts:reports`` (file name: (type,
        size)), stored by GitLab apart from the archive and served by the API only when the
        archive holds the same file."""
        jid = next(self.ids)
        if isinstance(archive, dict):
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for path, content in archive.items():
                    z.writestr(path, content)
            archive = buf.getvalue()
        artifacts: list[dict[str, Any]] = []
        if archive is not None:
            artifacts += [{"file_type": "archive", "size": len(archive),
                           "filename": "artifacts.zip", "file_format": "zip"},
                          {"file_type": "metadata", "size": 180, "filename": "metadata.gz",
                           "file_format": "gzip"}]
        artifacts += [{"file_type": kind, "size": size, "filename": filename,
                       "file_format": "raw"} for filename, (kind, size) in (reports or {}).items()]
        artifacts.append({"file_type": "trace", "size": 1500, "filename": "job.log",
                          "file_format": "raw"})
        project.jobs[jid] = {
            "id": jid, "name": name, "stage": "test", "status": "success",
            "ref": pipeline["ref"], "tag": False, "allow_failure": False,
            "created_at": "2026-11-26T10:00:00.000Z", "started_at": "2026-11-26T10:01:00.000Z",
            "finished_at": "2026-11-26T10:59:00.000Z", "duration": 3480.0,
            "artifacts_file": ({"filename": "artifacts.zip", "size": len(archive)}
                               if archive is not None else None),
            "artifacts": artifacts,
            "pipeline": {k: pipeline[k] for k in ("id", "project_id", "ref", "sha", "status")},
            "web_url": f"{project.web_url}/-/jobs/{jid}", "archive": archive,
        }
        return project.jobs[jid]

    def _ci(self, name: str, p: Project, a: list[str], q: dict[str, str]) -> web.Response:
        if name == "pipeline":
            return web.json_response(p.pipelines[int(a[1])])
        if name == "pipeline_jobs":
            jobs = [{k: v for k, v in j.items() if k != "archive"} for j in p.jobs.values()
                    if j["pipeline"]["id"] == int(a[1])]
            return self._paginated(jobs, q, f"/api/v4/projects/{p.id}/pipelines/{a[1]}/jobs")
        job = p.jobs[int(a[1])]
        if job["archive"] is None:
            raise KeyError("Artifact")
        if name == "job_artifacts":  # GitLab.com redirects to object storage
            raise web.HTTPFound(f"{self.url}/_storage/{p.id}/{job['id']}?X-Goog-Signature=s1g")
        with zipfile.ZipFile(io.BytesIO(job["archive"])) as z:
            return web.Response(body=z.read(a[2]), content_type="application/octet-stream")

    def _storage(self, request: web.Request) -> web.Response:
        self.storage_downloads.append(dict(request.headers))
        _, _, pid, jid = request.path.split("/")
        return web.Response(body=self.projects[int(pid)].jobs[int(jid)]["archive"],
                            content_type="application/zip")

    def _archive(self, p: Project, sha: str) -> bytes:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for path, content in p.commits[sha].items():
                info = tarfile.TarInfo(f"{p.path.rsplit('/', 1)[-1]}-{sha}-{sha}/{path}")
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
        return buf.getvalue()

    def _paginated(self, items: list[Any], q: dict[str, str], path: str) -> web.Response:
        per_page = int(q.get("per_page", 20))
        page = int(q.get("page", 1))
        headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(len(items)),
                   "X-Total-Pages": str(max(1, -(-len(items) // per_page)))}
        if page * per_page < len(items):
            rest = {k: v for k, v in q.items() if k != "page"}
            headers["X-Next-Page"] = str(page + 1)
            headers["Link"] = (f'<{self.url}{path}?{urllib.parse.urlencode(rest)}'
                               f'&page={page + 1}>; rel="next"')
        return web.json_response(items[(page - 1) * per_page: page * per_page], headers=headers)
