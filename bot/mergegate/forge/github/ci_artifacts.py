"""A completed workflow run's artifacts: the files in them that the policy's
`external.artifacts` globs match, downloaded and unpacked safely (`CiArtifacts` for GitHub).

GitHub stores each artifact as a zip. A glob is matched against ``<artifact>/<file in it>``
(so ``trivy-results/**`` and ``**/*.sarif`` both work); an artifact is downloaded only when
some glob may match inside it. Limits: an artifact's zip is at most `MAX_ARTIFACT_BYTES`
(checked against the listed size, then while streaming; the download follows GitHub's redirect
without the installation token, as the logs do), each file in it at most `MAX_FILE_BYTES`
decompressed, all files of a run at most `MAX_RUN_BYTES`. What cannot be read becomes a note
that names the artifact: *not fully scanned* (blocking unless `on_unscanned: warn`) when the
artifact may hold results; an oversized artifact that no glob names (only a catch-all like
``**/*.sarif`` could match inside it, a build output say) is logged and left alone.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gidgethub

from mergegate.core.findings import ScanNote
from mergegate.core.globs import matches_any, may_match_inside, names_folder
from mergegate.forge.archive import (
    UnsafeArchive,
    ZipCopy,
    copy_zip_members,
    unread_note,
    zip_copy_notes,
)
from mergegate.forge.base import CiRun, ForgeError, RepoRef, ResultFile, ResultFiles
from mergegate.forge.github.client import is_not_found, status_of
from mergegate.forge.github.downloads import ARTIFACT, download_redirected
from mergegate.forge.github.workflow_logs import RUN_URL, GitHubParts

log = logging.getLogger(__name__)

ARTIFACTS_URL = "/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts{?per_page}"
ARTIFACT_ZIP_URL = "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}"
MAX_ARTIFACT_BYTES = 100 * 1024 * 1024
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_RUN_BYTES = 400 * 1024 * 1024
MAX_ARTIFACTS = 100


class ArtifactUnavailable(ForgeError):
    """An artifact could not be downloaded; the message says why."""


def unread(artifact: str, why: str) -> ScanNote:
    return unread_note(f"artifact {artifact}", why)


class GitHubCiArtifacts:
    def __init__(self, forge: GitHubParts, *, max_artifact_bytes: int = MAX_ARTIFACT_BYTES,
                 max_file_bytes: int = MAX_FILE_BYTES, max_run_bytes: int = MAX_RUN_BYTES
                 ) -> None:
        self.forge = forge
        self.max_artifact_bytes = max_artifact_bytes
        self.max_file_bytes = max_file_bytes
        self.max_run_bytes = max_run_bytes

    async def run_finished(self, repo: RepoRef, run: CiRun) -> bool | None:
        try:
            current = await self.forge.api.request(
                repo.installation_id, "GET", RUN_URL,
                {"owner": repo.owner, "repo": repo.name, "run_id": run.id})
        except gidgethub.HTTPException as exc:
            if not is_not_found(exc):
                raise  # the job is retried
            return None
        # A newer attempt of the run brings its own `completed` event and artifacts.
        return (current.get("status") == "completed"
                and int(current.get("run_attempt") or 1) <= run.attempt)

    async def tested_head(self, repo: RepoRef, run: CiRun) -> str:
        return run.head_sha  # a pull request's run is on its head (pull_request events)

    async def _artifacts(self, repo: RepoRef, run: CiRun) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        async for item in self.forge.api.iterate(
            repo.installation_id, ARTIFACTS_URL,
            {"owner": repo.owner, "repo": repo.name, "run_id": run.id, "per_page": 100},
            iterable_key="artifacts",
        ):
            found.append(dict(item))
            if len(found) >= MAX_ARTIFACTS:
                break
        return found

    async def fetch_results(self, repo: RepoRef, run: CiRun, patterns: Sequence[str],
                            dest: Path) -> ResultFiles:
        out = ResultFiles()
        try:
            artifacts = await self._artifacts(repo, run)
        except gidgethub.HTTPException as exc:
            if status_of(exc) != 403:
                raise  # the job is retried
            out.notes.append(unread_note(
                f"run {run.name}", "GitHub answered HTTP 403 to the list of its artifacts: the "
                "App needs the `actions: read` permission"))
            return out
        budget = self.max_run_bytes
        for index, artifact in enumerate(artifacts):
            name = str(artifact.get("name") or artifact.get("id"))
            if not may_match_inside(name, patterns):
                continue
            named = names_folder(name, patterns)
            size = int(artifact.get("size_in_bytes") or 0)
            if artifact.get("expired"):
                if named:
                    out.notes.append(unread(name, "the artifact has expired"))
                continue
            if size > self.max_artifact_bytes:
                why = f"the artifact is {size:,} bytes, over the {self.max_artifact_bytes:,}-byte limit"
                if named:
                    out.notes.append(unread(name, why))
                else:
                    log.info("artifact %s of run %s not downloaded: %s", name, run.id, why)
                continue
            if budget <= 0:
                out.notes.append(unread(name, f"the run's result files expand to more than "
                                              f"{self.max_run_bytes:,} bytes"))
                continue
            folder = dest / str(index)
            folder.mkdir()
            try:
                copied = await self._download(repo, artifact, name, patterns, folder, budget)
            except (ArtifactUnavailable, UnsafeArchive) as exc:
                out.notes.append(unread(name, str(exc)))
                continue
            budget -= sum(path.stat().st_size for _, path in copied.written)
            out.notes += zip_copy_notes(f"artifact {name}", copied, self.max_file_bytes)
            out.files += [ResultFile(f"artifact {name}: {member}", path)
                          for member, path in copied.written]
        return out

    async def _download(self, repo: RepoRef, artifact: dict[str, Any], name: str,
                        patterns: Sequence[str], folder: Path, budget: int) -> ZipCopy:
        with tempfile.TemporaryFile(prefix="mergegate-artifact-") as tmp:
            await download_redirected(
                self.forge, repo, ARTIFACT_ZIP_URL,
                {"owner": repo.owner, "repo": repo.name, "artifact_id": int(artifact["id"]),
                 "archive_format": "zip"},
                tmp, self.max_artifact_bytes, terms=ARTIFACT, error=ArtifactUnavailable)
            tmp.seek(0)
            return await asyncio.to_thread(
                copy_zip_members, tmp, lambda member: matches_any(f"{name}/{member}", patterns),
                folder, max_file_bytes=self.max_file_bytes, max_total_bytes=budget)
