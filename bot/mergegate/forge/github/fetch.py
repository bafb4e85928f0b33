"""Fetching a pull request's change through the REST API into a folder, as a Workspace.

Never runs anything from the repository. The changed files come from
``GET /pulls/{n}/files`` (paginated); their head content from the git blobs they name; the
added lines from each file's patch. Base content is read on demand (prefetched for lockfiles
and manifests), and with ``full`` the whole head comes from the tarball, extracted safely.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import gidgethub

from mergegate.core.findings import ScanNote
from mergegate.forge.archive import extract_into_workspace
from mergegate.forge.base import ChangeRef, FetchedChange
from mergegate.forge.fetching import (
    PREFETCH_NAMES,
    added_lines,
    policy_edit,
    safe_relpath,
    too_large_note,
    unfetched_note,
    write_inside,
)
from mergegate.forge.github.api import Api
from mergegate.workspace import CandidateFile, FileStatus, build_workspace

log = logging.getLogger(__name__)

MAX_PR_FILES = 3000  # GitHub lists at most 3000 files of a pull request
FETCH_CONCURRENCY = 8
MAX_TARBALL_BYTES = 200 * 1024 * 1024
BASE_READ_TIMEOUT = 60.0
_STATUS: dict[str, FileStatus] = {
    "added": "added", "modified": "modified", "renamed": "renamed", "copied": "added",
    "changed": "modified",
}

ReadFile = Callable[[str, str], Coroutine[Any, Any, bytes | None]]  # (path, ref)


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class ChangeFetcher:
    def __init__(self, api: Api, change: ChangeRef, read_file: ReadFile, max_file_bytes: int,
                 max_fetch_bytes: int):
        self.api = api
        self.change = change
        self.inst = change.repo.installation_id
        self.read_file = read_file
        self.max_file_bytes = max_file_bytes  # larger files are scanned for secrets only
        self.max_fetch_bytes = max_fetch_bytes  # larger files are not fetched at all
        self.owner, self.repo = change.repo.owner, change.repo.name
        self.notes: list[str] = []
        self.scan_notes: list[ScanNote] = []  # per file, added to the workspace's notes

    async def files(self) -> list[dict[str, Any]]:
        url = "/repos/{owner}/{repo}/pulls/{pull_number}/files{?per_page}"
        out: list[dict[str, Any]] = []
        async for item in self.api.iterate(
            self.inst, url,
            {"owner": self.owner, "repo": self.repo, "pull_number": self.change.number,
             "per_page": 100},
        ):
            out.append(item)
        return out

    async def blob(self, sha: str) -> bytes | None:
        data = await self.api.request(
            self.inst, "GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}",
            {"owner": self.owner, "repo": self.repo, "file_sha": sha},
        )
        if int(data.get("size") or 0) > self.max_fetch_bytes:
            return None
        if data.get("encoding") != "base64":
            return str(data.get("content", "")).encode()
        return base64.b64decode(data.get("content", ""))

    async def fetch(self, dest: Path, *, full: bool) -> FetchedChange:
        loop = asyncio.get_running_loop()
        files = await self.files()
        if len(files) >= MAX_PR_FILES and not full:
            full = True
            self.notes.append(f"the pull request changes {len(files)}+ files: scanned in full")
        candidates: dict[str, CandidateFile] = {}
        deleted: list[str] = []
        wanted: list[tuple[str, str]] = []  # (path, blob sha)
        for f in files:
            rel = safe_relpath(str(f.get("filename", "")))
            if rel is None:
                self.scan_notes.append(unfetched_note(repr(f.get("filename")),
                                                      "a path outside the repository"))
                continue
            status = str(f.get("status", "modified"))
            if status == "removed":
                deleted.append(rel)
                continue
            old = safe_relpath(str(f.get("previous_filename") or "")) if status == "renamed" else None
            candidates[rel] = CandidateFile(
                rel, _STATUS.get(status, "modified"), added_lines(f.get("patch")), old,
            )
            if f.get("sha"):
                wanted.append((rel, str(f["sha"])))
        if full:
            await self._full(dest, candidates)
        else:
            await self._changed(dest, wanted)
        base_cache = await self._prefetch_base(candidates)
        edited, edited_path = policy_edit(dest, candidates, deleted)

        def base_reader(path: str) -> bytes | None:
            if path in base_cache:
                return base_cache[path]
            if _in_event_loop():
                return None  # would deadlock the loop: base reads belong in scanner threads
            fut: concurrent.futures.Future[bytes | None] = asyncio.run_coroutine_threadsafe(
                self.read_file(path, self.change.base_sha), loop
            )
            try:
                return fut.result(timeout=BASE_READ_TIMEOUT)
            except Exception as exc:
                log.warning("base content of %s could not be read: %r", path, exc)
                return None

        workspace = build_workspace(
            dest, candidates.values(), diff_aware=True, base_reader=base_reader,
            base_label=self.change.base_sha[:12], deleted=deleted,
            max_file_bytes=self.max_file_bytes,
        )
        workspace.notes.extend(self.scan_notes)
        return FetchedChange(
            workspace=workspace, changed_paths=sorted(candidates), policy_edit=edited,
            policy_edit_path=edited_path, full_scan=full, notes=self.notes,
        )

    async def _changed(self, dest: Path, wanted: list[tuple[str, str]]) -> None:
        gate = asyncio.Semaphore(FETCH_CONCURRENCY)

        async def one(rel: str, sha: str) -> None:
            async with gate:
                try:
                    content = await self.blob(sha)
                except gidgethub.BadRequest as exc:  # 4xx (a blob GitHub will not serve)
                    self.scan_notes.append(unfetched_note(rel, f"HTTP {exc.status_code}"))
                    return
            if content is None:
                self.scan_notes.append(too_large_note(rel, None, self.max_fetch_bytes))
                return
            write_inside(dest, rel, content)

        await asyncio.gather(*(one(rel, sha) for rel, sha in wanted))

    async def _full(self, dest: Path, candidates: dict[str, CandidateFile]) -> None:
        data = await self.api.download(
            self.inst, f"/repos/{self.owner}/{self.repo}/tarball/{self.change.head_sha}",
            MAX_TARBALL_BYTES,
        )
        self.scan_notes += await extract_into_workspace(
            data, dest, candidates, max_file_bytes=self.max_fetch_bytes
        )

    async def _prefetch_base(self, candidates: dict[str, CandidateFile]) -> dict[str, bytes | None]:
        paths = [
            c.old_path or c.path for c in candidates.values()
            if c.status in ("modified", "renamed") and PREFETCH_NAMES.search(c.path)
        ]
        contents = await asyncio.gather(
            *(self.read_file(p, self.change.base_sha) for p in paths), return_exceptions=True
        )
        return {p: (c if isinstance(c, bytes) or c is None else None)
                for p, c in zip(paths, contents, strict=True)}
