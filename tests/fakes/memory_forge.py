"""An in-memory `Forge`: the service's rules as unit tests, without HTTP.

Repositories hold commits (files by path) and branches; changes point at a base and a head
commit. Everything the service asks is answered from these values and everything it does is
recorded (reports, replies, reactions, deployment decisions), so a test states a situation and
reads what the bot did. The fake forges at the HTTP boundary (`tests.fakes.github`,
`tests.fakes.gitlab`) test the adapters; this one tests the service above them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from mergegate.core.words import PULL_REQUEST, Words
from mergegate.forge.base import (
    ChangeRef,
    CheckState,
    CiArtifacts,
    CiLogs,
    CommentRef,
    DeploymentRequest,
    DeploymentState,
    FetchedChange,
    ForgeError,
    Reaction,
    RepoRef,
    Report,
    ReportHandle,
    ReportOutcome,
    Role,
)
from mergegate.forge.fetching import write_inside
from mergegate.workspace import CandidateFile, build_workspace

Files = dict[str, str]


class Unavailable(ForgeError):
    """The in-memory forge playing unreachable."""


@dataclass
class Published:
    """One report as the service left it: its history of states, last one current."""

    change: ChangeRef
    states: list[str] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    @property
    def state(self) -> str:
        return self.states[-1]

    @property
    def report(self) -> Report:
        return self.reports[-1]


@dataclass
class MemoryForge:
    name: str = "memory"
    words: Words = PULL_REQUEST
    ci_logs: CiLogs | None = None
    ci_artifacts: CiArtifacts | None = None
    commits: dict[str, Files] = field(default_factory=dict)
    branches: dict[tuple[str, str], str] = field(default_factory=dict)  # (repo, branch) -> sha
    roles: dict[str, Role] = field(default_factory=dict)
    groups: dict[str, set[str]] = field(default_factory=dict)
    changes: dict[tuple[str, int], ChangeRef] = field(default_factory=dict)
    checks: dict[str, list[CheckState]] = field(default_factory=dict)
    org_policy: str | None = None
    published: dict[str, Published] = field(default_factory=dict)  # report id -> report
    replies: list[tuple[CommentRef, str]] = field(default_factory=list)
    reactions: list[tuple[CommentRef, Reaction]] = field(default_factory=list)
    decisions: list[tuple[DeploymentRequest, DeploymentState, str]] = field(default_factory=list)
    down: bool = False  # every call raises Unavailable

    # -- set-up ----------------------------------------------------------------------------
    def commit(self, files: Files) -> str:
        sha = hashlib.sha1(repr(sorted(files.items())).encode()).hexdigest()
        self.commits[sha] = dict(files)
        return sha

    def branch(self, repo: RepoRef, name: str, files: Files) -> str:
        sha = self.commit(files)
        self.branches[(repo.key, name)] = sha
        return sha

    def open(self, repo: RepoRef, number: int, base: Files, head: Files, author: str,
             base_ref: str = "main") -> ChangeRef:
        change = ChangeRef(repo, number, self.commit(head), self.commit(base), base_ref, author)
        self.changes[(repo.key, number)] = change
        return change

    def _check(self) -> None:
        if self.down:
            raise Unavailable("the forge is away")

    def _files(self, repo: RepoRef, ref: str) -> Files:
        sha = self.branches.get((repo.key, ref), ref)
        if sha not in self.commits:
            raise ForgeError(f"no commit {ref}")
        return self.commits[sha]

    # -- the Forge protocol ------------------------------------------------------------------
    async def fetch_change(self, change: ChangeRef, dest: Path, *, full: bool) -> FetchedChange:
        self._check()
        base, head = self.commits[change.base_sha], self.commits[change.head_sha]
        changed = [p for p in head if base.get(p) != head[p]] if not full else list(head)
        dest.mkdir(parents=True, exist_ok=True)
        for path in changed:
            write_inside(dest, path, head[path].encode())
        candidates = [CandidateFile(p, "added" if p not in base else "modified") for p in changed]
        workspace = build_workspace(
            dest, candidates, diff_aware=not full,
            base_reader=lambda p: base[p].encode() if p in base else None,
            deleted=[p for p in base if p not in head],
        )
        return FetchedChange(workspace, sorted(changed), full_scan=full)

    def file_link(self, change: ChangeRef, path: str, line: int) -> str:
        return f"memory://{change.repo.full_name}/{change.head_sha}/{path}#L{line}"

    async def get_change(self, repo: RepoRef, number: int) -> ChangeRef:
        self._check()
        return self.changes[(repo.key, number)]

    async def read_file(self, repo: RepoRef, path: str, ref: str) -> bytes | None:
        self._check()
        text = self._files(repo, ref).get(path)
        return text.encode() if text is not None else None

    async def read_org_policy(self, repo: RepoRef) -> tuple[str, str] | None:
        self._check()
        return (self.org_policy, "org policy") if self.org_policy is not None else None

    def _publish(self, change: ChangeRef, handle: ReportHandle | None, state: str,
                 report: Report | None = None) -> ReportHandle:
        if handle is None:
            handle = ReportHandle(str(len(self.published) + 1))
            self.published[handle.id] = Published(change)
        entry = self.published[handle.id]
        entry.states.append(state)
        if report is not None:
            entry.reports.append(report)
        return handle

    async def report_in_progress(self, change: ChangeRef) -> ReportHandle:
        self._check()
        return self._publish(change, None, "in_progress")

    async def report_retrying(self, change: ChangeRef, handle: ReportHandle | None,
                              message: str) -> ReportHandle:
        self._check()
        return self._publish(change, handle, "queued")

    def unavailable(self, exc: BaseException) -> bool:
        return isinstance(exc, Unavailable)

    async def report_verdict(self, change: ChangeRef, handle: ReportHandle | None,
                             report: Report) -> ReportHandle:
        self._check()
        return self._publish(change, handle, report.verdict.conclusion, report)

    async def report_closed(self, change: ChangeRef, handle: ReportHandle,
                            outcome: ReportOutcome, message: str) -> None:
        self._check()
        self._publish(change, handle, outcome)

    async def reply(self, comment: CommentRef, text: str) -> None:
        self._check()
        self.replies.append((comment, text))

    async def react(self, comment: CommentRef, reaction: Reaction) -> None:
        self._check()
        self.reactions.append((comment, reaction))

    async def user_role(self, repo: RepoRef, user: str) -> Role | None:
        self._check()
        return self.roles.get(user)

    async def in_group(self, repo: RepoRef, group: str, user: str) -> bool:
        self._check()
        return user in self.groups.get(group, set())

    async def checks_on(self, repo: RepoRef, sha: str) -> list[CheckState]:
        self._check()
        return list(self.checks.get(sha, []))

    async def decide_deployment(self, request: DeploymentRequest, state: DeploymentState,
                                comment: str) -> None:
        self._check()
        self.decisions.append((request, state, comment))

    async def open_changes(self, repo: RepoRef, base_ref: str) -> list[ChangeRef]:
        self._check()
        return [c for (key, _), c in self.changes.items()
                if key == repo.key and c.base_ref == base_ref]

    async def aclose(self) -> None:
        return None

    # -- reading what happened ---------------------------------------------------------------
    def latest(self, change: ChangeRef) -> Published:
        """The last report published on the change's head."""
        mine = [p for p in self.published.values() if p.change.head_sha == change.head_sha]
        assert mine, f"no report on {change.head_sha[:7]}"
        return mine[-1]
