"""The `Forge` protocol: what the service needs from GitHub, GitLab or any other forge.

The service (`mergegate.service`) is forge-agnostic: it names repositories, changes and comments with
the small values below and calls a `Forge` for every side effect. A forge adapter translates
them to its API (GitHub check runs, GitLab commit statuses and notes, ...). Every method is a
coroutine; an adapter that wraps a blocking client runs it in a thread.

Errors: an adapter raises `ForgeError` (or a subclass) for failures the service should report
or retry; `NotFound` when a thing does not exist where a missing thing is not an answer
(a missing file is answered with ``None`` instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from mergegate.core.findings import ScanNote
from mergegate.core.verdict import Verdict
from mergegate.core.words import Words
from mergegate.logscan.report import LogReport
from mergegate.workspace import Workspace

Role = Literal["read", "triage", "write", "maintain", "admin"]
Reaction = Literal["+1", "-1", "eyes", "confused", "rocket"]
DeploymentState = Literal["approved", "rejected"]
ReportOutcome = Literal["verdict", "superseded", "cancelled", "error"]


class ForgeError(Exception):
    """A forge call that failed after the adapter's own retries."""


class NotFound(ForgeError):
    """The forge says the thing does not exist (or the App cannot see it)."""


def causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from or during, innermost last."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


class LogsUnavailable(ForgeError):
    """A CI run's logs could not be had; the message says why, for the comment."""


class PayloadError(ValueError):
    """A webhook payload lacks something its event needs; the message names it."""


@dataclass(frozen=True, slots=True)
class RepoRef:
    """A repository on a forge.

    ``full_name`` is ``owner/name`` on GitHub and the project path on GitLab; ``project_id`` is
    the forge's numeric id when it has one; ``installation_id`` is the GitHub App installation
    that grants access (None on GitLab). ``default_branch`` is filled when the event tells it.
    """

    forge: str
    full_name: str
    installation_id: str | None = None
    project_id: str | None = None
    default_branch: str | None = None
    html_url: str | None = None

    @property
    def owner(self) -> str:
        return self.full_name.rsplit("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.rsplit("/", 1)[-1]

    @property
    def key(self) -> str:
        """The repository's identity in the store: ``forge:full_name``."""
        return f"{self.forge}:{self.full_name}"


@dataclass(frozen=True, slots=True)
class ChangeRef:
    """One pull/merge request at one head commit."""

    repo: RepoRef
    number: int
    head_sha: str
    base_sha: str
    base_ref: str
    author: str
    head_ref: str = ""
    html_url: str | None = None
    draft: bool = False

    @property
    def key(self) -> str:
        """Jobs for the same change are coalesced on this key (the head is not part of it)."""
        return f"{self.repo.key}#{self.number}"


@dataclass(frozen=True, slots=True)
class CommentRef:
    """A comment that holds slash commands, and where to answer it."""

    change: ChangeRef
    comment_id: str
    author: str
    body: str
    html_url: str | None = None
    author_is_bot: bool = False


@dataclass(frozen=True, slots=True)
class ReportHandle:
    """What the forge needs to update a report it started (a check run id on GitHub)."""

    id: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class CheckState:
    """Another check or status on a commit, for a deployment's `require_checks`."""

    name: str
    status: Literal["queued", "in_progress", "completed"]
    conclusion: str | None


@dataclass(frozen=True, slots=True)
class DeploymentRequest:
    """A request to approve or reject a deployment of ``sha`` to ``environment``."""

    repo: RepoRef
    environment: str
    sha: str
    callback: str  # forge-specific: the callback URL (GitHub) or a deployment id (GitLab)
    ref: str | None = None
    pull_numbers: tuple[int, ...] = ()


# -- Actions: what a webhook event asks the service to do (forges translate, never act) --------


@dataclass(frozen=True, slots=True)
class Scan:
    change: ChangeRef
    reason: str
    force: bool = False


@dataclass(frozen=True, slots=True)
class Cancel:
    change: ChangeRef


@dataclass(frozen=True, slots=True)
class Command:
    comment: CommentRef


@dataclass(frozen=True, slots=True)
class PolicyEdit:
    """A push that changed a policy file on a protected branch, for the audit log: who
    pushed, the commit it ended at, the policy files it touched, a link to the change."""

    actor: str
    commit: str
    paths: tuple[str, ...]
    link: str | None = None


@dataclass(frozen=True, slots=True)
class RescanOpen:
    """Scan again every open change into ``base_ref`` (its policy changed: ``edit`` says
    how), or whose head is ``head_sha`` (a fork's push names no pull request)."""

    repo: RepoRef
    reason: str
    base_ref: str | None = None
    head_sha: str | None = None
    edit: PolicyEdit | None = None


@dataclass(frozen=True, slots=True)
class RescanInstallation:
    """Scan again the open changes of every repository of an organization's installation:
    its organization policy changed. ``source`` is the repository that holds that policy
    (GitHub: the org's ``.github``); its owner and installation name the rest."""

    source: RepoRef
    reason: str
    edit: PolicyEdit | None = None


@dataclass(frozen=True, slots=True)
class Deploy:
    request: DeploymentRequest


@dataclass(frozen=True, slots=True)
class WorkflowLogs:
    """Scan a completed CI run's logs for the pull requests it ran for."""

    repo: RepoRef
    run: dict[str, object]
    pulls: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CiRun:
    """A finished CI run whose files may hold other tools' results (SARIF, GitLab reports).

    ``source`` says what a newer run replaces: one workflow on GitHub (``workflow:<id>``),
    the pipeline on GitLab; ``attempt`` orders the re-runs of one run id; ``ref`` is what the
    run ran on (GitLab: ``refs/merge-requests/<iid>/merge`` for a merged-results pipeline,
    whose ``head_sha`` is a merge commit, not the change's head).
    """

    id: int
    head_sha: str
    source: str
    name: str
    url: str = ""
    attempt: int = 1
    ref: str = ""


@dataclass(frozen=True, slots=True)
class CiResults:
    """Read a finished CI run's result files and judge them with the changes it ran for."""

    repo: RepoRef
    run: CiRun
    changes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Ignore:
    """Nothing to do; ``why`` is told to the forge in the answer."""

    why: str


Action = (Scan | Cancel | Command | RescanOpen | RescanInstallation | Deploy | WorkflowLogs
          | CiResults | Ignore)


@dataclass
class FetchedChange:
    """The change written to disk as a `Workspace`, and what the forge told us about it.

    ``policy_edit`` is the head content of the policy file when the change edits it (so it can
    be validated and described; an empty string when the change deletes it);
    ``policy_edit_path`` names which policy file it was.
    ``full_scan`` is True when every file of the head was fetched, not only the changed ones.
    """

    workspace: Workspace
    changed_paths: list[str]
    policy_edit: str | None = None
    policy_edit_path: str | None = None
    full_scan: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PolicyAnnotation:
    """A policy file error at a place in the edited file (shown on the file's line)."""

    path: str
    line: int
    column: int
    message: str


@dataclass(frozen=True, slots=True)
class Report:
    """A verdict to publish on a change, with what the forge needs to render it."""

    verdict: Verdict
    policy_annotations: Sequence[PolicyAnnotation] = ()
    extra_notes: Sequence[str] = ()


class CiLogs(Protocol):
    """A forge's CI runs: their logs scanned, and the change's CI-logs comment kept."""

    async def run_completed(self, repo: RepoRef, run_id: int) -> bool | None:
        """Whether the run is (still) completed; None when it is gone."""
        ...

    async def scan_run_logs(self, repo: RepoRef, run_id: int) -> LogReport:
        """The run's logs, downloaded under size limits and scanned; LogsUnavailable."""
        ...

    async def comment_logs(self, repo: RepoRef, number: int, run: dict[str, Any],
                           report: LogReport | None, error: str | None) -> str:
        """Create or edit the change's CI-logs comment; what was done."""
        ...


@dataclass(frozen=True, slots=True)
class ResultFile:
    """A result file a forge took from a CI run, written at ``path`` (a name of the forge's
    choosing, never the run's); ``label`` names it for people (artifact or job, and file);
    ``kind`` when the forge knows it (a GitLab ``artifacts:reports`` type)."""

    label: str
    path: Path
    kind: Literal["sarif", "gitlab"] | None = None


@dataclass
class ResultFiles:
    """What a forge took from a CI run: the files, and notes on what it could not read
    (over a size limit, an unsafe archive, an expired artifact), which name it."""

    files: list[ResultFile] = field(default_factory=list)
    notes: list[ScanNote] = field(default_factory=list)


class CiArtifacts(Protocol):
    """A forge's CI runs' result files (SARIF, GitLab security reports)."""

    async def run_finished(self, repo: RepoRef, run: CiRun) -> bool | None:
        """Whether the run is (still) finished; None when it is gone."""
        ...

    async def tested_head(self, repo: RepoRef, run: CiRun) -> str:
        """The change head the run tested: ``run.head_sha``, or for a run on a merge of the
        change into its target (GitLab's merged results) the merge's source parent."""
        ...

    async def fetch_results(self, repo: RepoRef, run: CiRun, patterns: Sequence[str],
                            dest: Path) -> ResultFiles:
        """Write into ``dest`` (an empty folder) the run's files that match ``patterns``
        (`external.artifacts` globs), downloaded and unpacked under size limits."""
        ...


@runtime_checkable
class Forge(Protocol):
    """Everything the service asks of a forge. See the module docstring for errors."""

    name: str
    words: Words  # what this forge calls a change, and how to ask for a rescan
    ci_logs: CiLogs | None  # None: this forge's CI logs are not read
    ci_artifacts: CiArtifacts | None  # None: this forge's CI result files are not read

    async def fetch_change(self, change: ChangeRef, dest: Path, *, full: bool) -> FetchedChange:
        """Write the change's head files into ``dest`` (an empty folder) and build a Workspace.

        Only the changed files unless ``full``; the Workspace's base reader returns base
        content of a path on demand. Never runs anything from the repository; enforces size
        limits and keeps every written path inside ``dest``.
        """
        ...

    def file_link(self, change: ChangeRef, path: str, line: int) -> str:
        """A browser link to a line of a file at the change's head (for rendered reports)."""
        ...

    async def get_change(self, repo: RepoRef, number: int) -> ChangeRef:
        """The change as it is now (its current head and base), e.g. for a comment's command."""
        ...

    async def read_file(self, repo: RepoRef, path: str, ref: str) -> bytes | None:
        """A file's content at a commit or branch; None when it does not exist."""
        ...

    async def read_org_policy(self, repo: RepoRef) -> tuple[str, str] | None:
        """The organization policy (text, source label), or None when there is none."""
        ...

    async def report_in_progress(self, change: ChangeRef) -> ReportHandle:
        """Show at once that the gate is running on the change's head."""
        ...

    async def report_retrying(
        self, change: ChangeRef, handle: ReportHandle | None, message: str
    ) -> ReportHandle:
        """Show that the gate is queued again after a failure, saying why and when it retries
        (creating the report if ``handle`` is None)."""
        ...

    def unavailable(self, exc: BaseException) -> bool:
        """Whether ``exc`` means the forge could not be reached or failed on its side (a
        connection error, a time-out, a 5xx after the adapter's own retries): worth retrying
        for a long while, unlike a bug or a refusal."""
        ...

    async def report_verdict(
        self, change: ChangeRef, handle: ReportHandle | None, report: Report
    ) -> ReportHandle:
        """Publish the final verdict (creating the report if ``handle`` is None)."""
        ...

    async def report_closed(
        self,
        change: ChangeRef,
        handle: ReportHandle,
        outcome: ReportOutcome,
        message: str,
    ) -> None:
        """Finish a report without a verdict: superseded by a newer head, cancelled, failed."""
        ...

    async def reply(self, comment: CommentRef, text: str) -> None:
        """Answer a comment (a new comment on the change that quotes or mentions it)."""
        ...

    async def react(self, comment: CommentRef, reaction: Reaction) -> None:
        """Put a reaction on a comment (the answer to a successful command)."""
        ...

    async def user_role(self, repo: RepoRef, user: str) -> Role | None:
        """The user's permission on the repository in the forge-neutral scale, or None."""
        ...

    async def in_group(self, repo: RepoRef, group: str, user: str) -> bool:
        """Whether ``user`` is an active member of ``group`` (``@org/team`` or a GitLab group)."""
        ...

    async def checks_on(self, repo: RepoRef, sha: str) -> list[CheckState]:
        """Every check and status reported on a commit (for `require_checks`)."""
        ...

    async def decide_deployment(
        self, request: DeploymentRequest, state: DeploymentState, comment: str
    ) -> None:
        """Approve or reject a deployment, with a comment that says why."""
        ...

    async def open_changes(self, repo: RepoRef, base_ref: str) -> list[ChangeRef]:
        """Open changes targeting ``base_ref`` (re-evaluated when its policy changes)."""
        ...

    async def aclose(self) -> None:
        """Release sessions and connections."""
        ...
