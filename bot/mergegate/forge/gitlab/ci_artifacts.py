"""A finished merge request pipeline's job artifacts: the security reports of its jobs and the
files in their artifacts archives that the policy's `external.artifacts` globs match
(`CiArtifacts` for GitLab).

The pipeline's jobs are listed through python-gitlab (``GET
/projects/:id/pipelines/:pipeline_id/jobs``, latest attempts only). For each job:

- each ``artifacts:reports`` file of a security type (sast, dependency_scanning,
  container_scanning, dast, secret_detection) is fetched by its file name (``GET
  /projects/:id/jobs/:job_id/artifacts/*path``). GitLab's API serves a single file from the
  job's archive only, so a report also needs to be in the job's ``artifacts:paths``; one that
  is not is a *not fully scanned* note that says so.
- the artifacts archive (``GET /projects/:id/jobs/:job_id/artifacts``), when the job has one
  and a glob may match in it: a glob matches a file's path in the archive or
  ``<job name>/<path>``.

A merged-results pipeline tests a merge of the MR into its target: its results belong to the
MR's head, the merge commit's last parent (`tested_head`).

Downloads are streamed to a file under `MAX_ARCHIVE_BYTES`; a redirect (object storage, a
CDN) is followed without the token, which only ever goes to GitLab. Archives are unpacked with
`copy_zip_members`, the same caps as on GitHub. What cannot be read is a note naming the job.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urljoin

import requests

from mergegate.core.findings import ScanNote
from mergegate.core.globs import matches_any, names_folder
from mergegate.forge.archive import (
    UnsafeArchive,
    ZipCopy,
    copy_zip_members,
    unread_note,
    zip_copy_notes,
)
from mergegate.forge.base import CiRun, NotFound, RepoRef, ResultFile, ResultFiles
from mergegate.forge.gitlab.client import USER_AGENT, GitLabApiError, GitLabClient

log = logging.getLogger(__name__)

SECURITY_REPORTS = frozenset({"sast", "dependency_scanning", "container_scanning", "dast",
                              "secret_detection"})
FINISHED = frozenset({"success", "failed", "canceled", "skipped"})
MAX_ARCHIVE_BYTES = 100 * 1024 * 1024
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_RUN_BYTES = 400 * 1024 * 1024
MAX_JOBS = 200
TIMEOUT = (30, 60)  # connect, read


class TooLarge(Exception):
    """A download passed its size limit."""


def unread(job: str, why: str) -> ScanNote:
    return unread_note(f"artifacts of job {job}", why)


def _attr(obj: Any, key: str, default: Any = None) -> Any:
    attrs = obj if isinstance(obj, dict) else getattr(obj, "attributes", {})
    return attrs.get(key, default)


class GitLabCiArtifacts:
    def __init__(self, client: GitLabClient, *, max_archive_bytes: int = MAX_ARCHIVE_BYTES,
                 max_file_bytes: int = MAX_FILE_BYTES, max_run_bytes: int = MAX_RUN_BYTES
                 ) -> None:
        self.client = client
        self.max_archive_bytes = max_archive_bytes
        self.max_file_bytes = max_file_bytes
        self.max_run_bytes = max_run_bytes

    def _project(self, repo: RepoRef) -> Any:
        return self.client.gl.projects.get(repo.project_id or repo.full_name, lazy=True)

    async def run_finished(self, repo: RepoRef, run: CiRun) -> bool | None:
        try:
            pipeline = await self.client.call(self._project(repo).pipelines.get, run.id)
        except NotFound:
            return None
        return str(_attr(pipeline, "status", "")) in FINISHED

    async def tested_head(self, repo: RepoRef, run: CiRun) -> str:
        """A merged-results or merge-train pipeline runs on a merge commit of the MR into its
        target (``refs/merge-requests/<iid>/merge`` or ``/train``): the MR's head is that
        commit's last parent."""
        if not re.fullmatch(r"refs/merge-requests/\d+/(merge|train)", run.ref):
            return run.head_sha
        try:
            commit = await self.client.call(self._project(repo).commits.get, run.head_sha)
        except NotFound:
            return run.head_sha
        parents = [str(p) for p in _attr(commit, "parent_ids") or []]
        return parents[-1] if len(parents) >= 2 else run.head_sha

    async def fetch_results(self, repo: RepoRef, run: CiRun, patterns: Sequence[str],
                            dest: Path) -> ResultFiles:
        pipeline = self._project(repo).pipelines.get(run.id, lazy=True)
        jobs = await self.client.call(pipeline.jobs.list, get_all=True)
        out = ResultFiles()
        budget = [self.max_run_bytes]
        for index, job in enumerate(list(jobs)[:MAX_JOBS]):
            folder = dest / str(index)
            folder.mkdir()
            await self._job(repo, job, patterns, folder, out, budget)
        return out

    async def _job(self, repo: RepoRef, job: Any, patterns: Sequence[str], folder: Path,
                   out: ResultFiles, budget: list[int]) -> None:
        job_id, name = int(_attr(job, "id")), str(_attr(job, "name") or _attr(job, "id"))
        artifacts = [a for a in _attr(job, "artifacts") or [] if isinstance(a, dict)]
        project = repo.project_id or repo.full_name
        read: set[str] = set()
        for a in artifacts:
            kind, filename = str(a.get("file_type") or ""), str(a.get("filename") or "")
            if kind not in SECURITY_REPORTS or not filename:
                continue
            target = folder / f"report-{len(read)}.json"
            path = f"/projects/{quote(str(project), safe='')}/jobs/{job_id}/artifacts/" + quote(filename)
            try:
                with target.open("wb") as fh:
                    await self.client.call(self._download, path, fh,
                                           min(self.max_file_bytes, budget[0]))
            except NotFound:
                out.notes.append(unread(
                    name, f"its {kind} report {filename} cannot be downloaded through "
                    f"GitLab's API: add {filename} to the job's artifacts:paths as well"))
                continue
            except (TooLarge, GitLabApiError) as exc:
                out.notes.append(unread(name, f"{filename}: {exc or type(exc).__name__}"))
                continue
            budget[0] -= target.stat().st_size
            read.add(filename)
            out.files.append(ResultFile(f"job {name}: {filename}", target, "gitlab"))
        archive = next((a for a in artifacts if a.get("file_type") == "archive"), None)
        if archive is None:
            return
        size = int(archive.get("size") or 0)
        if size > self.max_archive_bytes:
            why = f"its artifacts archive is {size:,} bytes, over the {self.max_archive_bytes:,}-byte limit"
            if names_folder(name, patterns):
                out.notes.append(unread(name, why))
            else:
                log.info("job %s: %s: not downloaded", name, why)
            return
        if budget[0] <= 0:
            out.notes.append(unread(name, f"the pipeline's result files expand to "
                                    f"more than {self.max_run_bytes:,} bytes"))
            return

        def chosen(member: str) -> bool:
            return member not in read and (matches_any(member, patterns)
                                           or matches_any(f"{name}/{member}", patterns))

        path = f"/projects/{quote(str(project), safe='')}/jobs/{job_id}/artifacts"
        try:
            copied = await self._archive(path, chosen, folder, budget[0])
        except (TooLarge, GitLabApiError, UnsafeArchive) as exc:
            out.notes.append(unread(name, f"its artifacts archive: {exc or type(exc).__name__}"))
            return
        except NotFound:
            return  # expired or erased since the job was listed
        budget[0] -= sum(p.stat().st_size for _, p in copied.written)
        out.notes += zip_copy_notes(f"artifacts of job {name}", copied, self.max_file_bytes)
        out.files += [ResultFile(f"job {name}: {member}", p) for member, p in copied.written]

    async def _archive(self, path: str, chosen: Any, folder: Path, budget: int) -> ZipCopy:
        with tempfile.TemporaryFile(prefix="mergegate-artifacts-") as tmp:
            await self.client.call(self._download, path, tmp, self.max_archive_bytes)
            tmp.seek(0)
            return await asyncio.to_thread(copy_zip_members, tmp, chosen, folder,
                                           max_file_bytes=self.max_file_bytes,
                                           max_total_bytes=budget)

    def _download(self, path: str, dest: IO[bytes], limit: int) -> None:
        """GET an API path into ``dest`` (blocking). The token goes to GitLab only: a redirect
        to object storage is followed without it. NotFound, GitLabApiError, TooLarge."""
        gl = self.client.gl
        url = gl.api_url + path
        session = gl.session
        headers = {"PRIVATE-TOKEN": gl.private_token or "", "User-Agent": USER_AGENT}
        try:
            resp = session.get(url, headers=headers, allow_redirects=False, stream=True,
                               timeout=TIMEOUT, verify=gl.ssl_verify)
            if resp.is_redirect and resp.headers.get("Location"):
                target = urljoin(url, resp.headers["Location"])
                resp.close()
                resp = session.get(target, headers={"User-Agent": USER_AGENT}, stream=True,
                                   timeout=TIMEOUT, verify=gl.ssl_verify)
            with resp:
                if resp.status_code in (404, 410):
                    raise NotFound(f"HTTP {resp.status_code}")
                if resp.status_code != 200:
                    raise GitLabApiError(f"GitLab answered HTTP {resp.status_code}",
                                         resp.status_code)
                declared = resp.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > limit:
                    raise TooLarge(f"{int(declared):,} bytes, over the {limit:,}-byte limit")
                total = 0
                for chunk in resp.iter_content(1 << 16):
                    total += len(chunk)
                    if total > limit:
                        raise TooLarge(f"over the {limit:,}-byte limit")
                    dest.write(chunk)
        except requests.RequestException as exc:
            raise GitLabApiError(f"GitLab could not be reached: {type(exc).__name__}") from None

