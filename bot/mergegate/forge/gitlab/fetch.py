"""Fetching a merge request's change through the API into a folder, as a Workspace.

Never runs anything from the repository. The MR (for ``diff_refs``: the real base of the
diff), its diffs (``GET …/merge_requests/:iid/diffs``, paginated), each changed file's head
content from the repository files API (streamed, refused past the size limit), the base
versions of lockfiles and manifests up front and any other base file on demand. With ``full``
the whole head comes from the repository archive, extracted safely.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from mergegate.core.findings import ScanNote
from mergegate.forge.archive import extract_into_workspace
from mergegate.forge.base import ChangeRef, FetchedChange, ForgeError, NotFound
from mergegate.forge.fetching import (
    PREFETCH_NAMES,
    added_lines,
    policy_edit,
    safe_relpath,
    too_large_note,
    unfetched_note,
    write_inside,
)
from mergegate.forge.gitlab.client import GitLabClient
from mergegate.workspace import CandidateFile, FileStatus, build_workspace

log = logging.getLogger(__name__)

FETCH_CONCURRENCY = 8
MAX_MR_FILES = 3000
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024
SUBMODULE_MODE = "160000"
SYMLINK_MODE = "120000"


class TooLarge(Exception):
    """A streamed file passed the size limit."""


def read_raw(client: GitLabClient, project_id: str, path: str, ref: str | None,
             limit: int) -> bytes | None:
    """A file's bytes at ``ref`` (blocking; call in a thread). None: absent. TooLarge: over."""
    chunks: list[bytes] = []
    size = 0

    def take(chunk: bytes) -> None:
        nonlocal size
        size += len(chunk)
        if size > limit:
            raise TooLarge(path)
        chunks.append(chunk)

    project = client.gl.projects.get(project_id, lazy=True)
    try:
        client.sync(project.files.raw, path, ref=ref, streamed=True, action=take,
                    chunk_size=65536)
    except NotFound:
        return None
    return b"".join(chunks)


def candidate(entry: dict[str, Any]) -> tuple[CandidateFile | None, str | None, str | None]:
    """(candidate, deleted path, unsafe path) of one entry of GitLab's MR diffs."""
    new = safe_relpath(str(entry.get("new_path") or ""))
    if new is None:
        return None, None, str(entry.get("new_path"))
    if entry.get("deleted_file"):
        return None, new, None
    status: FileStatus = "added" if entry.get("new_file") else (
        "renamed" if entry.get("renamed_file") else "modified")
    old = safe_relpath(str(entry.get("old_path") or "")) if status == "renamed" else None
    diff = entry.get("diff")
    # An empty diff on a changed file means GitLab left it out (too large, collapsed): every
    # line of the file counts as added.
    lines = added_lines(diff) if diff else None
    mode = str(entry.get("b_mode") or "")
    return CandidateFile(new, status, lines, old, is_symlink=mode == SYMLINK_MODE,
                         is_submodule=mode == SUBMODULE_MODE), None, None


class ChangeFetcher:
    def __init__(self, client: GitLabClient, change: ChangeRef, max_file_bytes: int,
                 max_fetch_bytes: int) -> None:
        self.client = client
        self.change = change
        self.project_id = change.repo.project_id or change.repo.full_name
        self.max_file_bytes = max_file_bytes  # larger files are scanned for secrets only
        self.max_fetch_bytes = max_fetch_bytes  # larger files are not fetched at all
        self.notes: list[str] = []
        self.scan_notes: list[ScanNote] = []  # per file, added to the workspace's notes

    def _project(self) -> Any:
        return self.client.gl.projects.get(self.project_id, lazy=True)

    def _diff_refs_and_diffs(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        project = self._project()
        mr = self.client.sync(project.mergerequests.get, self.change.number)
        refs = dict(getattr(mr, "diff_refs", None) or {})
        path = f"/projects/{project.encoded_id}/merge_requests/{self.change.number}/diffs"
        diffs: list[dict[str, Any]] = []
        for item in self.client.sync(self.client.gl.http_list, path, iterator=True,
                                     per_page=100):
            diffs.append(dict(item))
            if len(diffs) >= MAX_MR_FILES:
                break
        return refs, diffs

    async def fetch(self, dest: Path, *, full: bool) -> FetchedChange:
        refs, diffs = await self.client.call(self._diff_refs_and_diffs)
        base_sha = str(refs.get("base_sha") or self.change.base_sha)
        if len(diffs) >= MAX_MR_FILES and not full:
            full = True
            self.notes.append(f"the merge request changes {len(diffs)}+ files: scanned in full")
        candidates: dict[str, CandidateFile] = {}
        deleted: list[str] = []
        for entry in diffs:
            cand, gone, unsafe = candidate(entry)
            if unsafe is not None:
                self.scan_notes.append(unfetched_note(repr(unsafe), "a path outside the repository"))
            if gone is not None:
                deleted.append(gone)
            if cand is not None:
                candidates[cand.path] = cand
        dest.mkdir(parents=True, exist_ok=True)
        if full:
            await self._full(dest, candidates)
        else:
            await self._changed(dest, [c for c in candidates.values()
                                       if not c.is_symlink and not c.is_submodule])
        base_cache = await self._prefetch_base(candidates, base_sha)
        edited, edited_path = policy_edit(dest, candidates, deleted)

        def base_reader(path: str) -> bytes | None:
            if path in base_cache:
                return base_cache[path]
            try:
                asyncio.get_running_loop()
                return None  # never block the event loop: base reads belong in scanner threads
            except RuntimeError:
                pass
            try:
                return read_raw(self.client, self.project_id, path, base_sha, self.max_file_bytes)
            except (ForgeError, TooLarge) as exc:
                log.warning("base content of %s could not be read: %r", path, exc)
                return None

        workspace = build_workspace(
            dest, candidates.values(), diff_aware=True, base_reader=base_reader,
            base_label=base_sha[:12], deleted=deleted, max_file_bytes=self.max_file_bytes,
        )
        workspace.notes.extend(self.scan_notes)
        return FetchedChange(
            workspace=workspace, changed_paths=sorted(candidates), policy_edit=edited,
            policy_edit_path=edited_path, full_scan=full, notes=self.notes,
        )

    async def _changed(self, dest: Path, wanted: list[CandidateFile]) -> None:
        gate = asyncio.Semaphore(FETCH_CONCURRENCY)

        async def one(c: CandidateFile) -> None:
            async with gate:
                try:
                    content = await self.client.call(
                        read_raw, self.client, self.project_id, c.path, self.change.head_sha,
                        self.max_fetch_bytes,
                    )
                except TooLarge:
                    self.scan_notes.append(too_large_note(c.path, None, self.max_fetch_bytes))
                    return
            if content is None:
                self.scan_notes.append(unfetched_note(c.path, "not found at the head commit"))
                return
            write_inside(dest, c.path, content)

        await asyncio.gather(*(one(c) for c in wanted))

    def _archive(self) -> bytes:
        """The head as a tar.gz, streamed and refused past MAX_ARCHIVE_BYTES."""
        chunks: list[bytes] = []
        size = 0

        def take(chunk: bytes) -> None:
            nonlocal size
            size += len(chunk)
            if size > MAX_ARCHIVE_BYTES:
                raise TooLarge("archive")
            chunks.append(chunk)

        try:
            self.client.sync(self._project().repository_archive, sha=self.change.head_sha,
                             format="tar.gz", streamed=True, action=take, chunk_size=65536)
        except TooLarge:
            raise ForgeError(f"the repository archive is over {MAX_ARCHIVE_BYTES} bytes") from None
        return b"".join(chunks)

    async def _full(self, dest: Path, candidates: dict[str, CandidateFile]) -> None:
        data = await self.client.call(self._archive)
        self.scan_notes += await extract_into_workspace(
            data, dest, candidates, max_file_bytes=self.max_fetch_bytes
        )

    async def _prefetch_base(self, candidates: dict[str, CandidateFile],
                             base_sha: str) -> dict[str, bytes | None]:
        paths = [c.old_path or c.path for c in candidates.values()
                 if c.status in ("modified", "renamed") and PREFETCH_NAMES.search(c.path)]
        results = await asyncio.gather(
            *(self.client.call(read_raw, self.client, self.project_id, p, base_sha,
                               self.max_file_bytes) for p in paths),
            return_exceptions=True,
        )
        return {p: (r if isinstance(r, bytes) or r is None else None)
                for p, r in zip(paths, results, strict=True)}
