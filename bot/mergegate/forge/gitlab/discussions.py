"""Inline discussions on the MR diff for blocking findings, resolved once they are fixed.

Each discussion's first note carries a hidden marker with the finding's fingerprint, so the
next report finds it again: a blocking finding without a discussion gets one on its line; a
discussion whose finding no longer blocks (fixed, dismissed) is resolved; one whose finding
blocks again is reopened. Planning is pure; `InlineDiscussions` does the I/O. Discussions are
an extra: GitLab refusing one (a line outside the diff) never fails the report.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mergegate.core.policy import EXTERNAL_PREFIX
from mergegate.core.verdict import JudgedFinding, Verdict
from mergegate.forge.base import ChangeRef, ForgeError
from mergegate.forge.gitlab.client import GitLabClient

log = logging.getLogger(__name__)

MAX_DISCUSSIONS = 25  # per report: a flood of threads helps nobody; the note lists them all
_MARKER = re.compile(r"<!-- mergegate:finding:([0-9a-f]{64}) -->")


def marker(fingerprint: str) -> str:
    return f"<!-- mergegate:finding:{fingerprint} -->"


@dataclass(frozen=True)
class Existing:
    id: str
    fingerprint: str
    resolved: bool


@dataclass
class Plan:
    create: list[JudgedFinding] = field(default_factory=list)
    resolve: list[str] = field(default_factory=list)
    reopen: list[str] = field(default_factory=list)


def existing_from(discussions: Iterable[dict[str, Any]], bot: str) -> list[Existing]:
    """Our discussions: the first note is the bot's and carries a finding marker."""
    out = []
    for d in discussions:
        notes = d.get("notes") or []
        if not notes:
            continue
        first = notes[0]
        m = _MARKER.search(str(first.get("body") or ""))
        if m is None or str((first.get("author") or {}).get("username", "")) != bot:
            continue
        out.append(Existing(str(d["id"]), m.group(1), bool(first.get("resolved"))))
    return out


def plan(verdict: Verdict, existing: Iterable[Existing]) -> Plan:
    by_fp = {e.fingerprint: e for e in existing}
    # Other tools' findings (`external:<tool>`) may be anywhere in the repository, where
    # GitLab refuses a diff position: the summary note lists them instead.
    blocking = [j for j in verdict.findings if j.blocking and j.finding.path
                and j.finding.line > 0 and j.finding.new
                and not j.finding.scanner.startswith(EXTERNAL_PREFIX)]
    wanted = {j.finding.fingerprint for j in blocking}
    out = Plan()
    for j in blocking:
        e = by_fp.get(j.finding.fingerprint)
        if e is None:
            if len(out.create) < MAX_DISCUSSIONS:
                out.create.append(j)
        elif e.resolved:
            out.reopen.append(e.id)
    out.resolve = [e.id for e in by_fp.values() if e.fingerprint not in wanted and not e.resolved]
    return out


def body_for(j: JudgedFinding) -> str:
    f = j.finding
    return (f"{marker(f.fingerprint)}\n**{f.id}** · {f.severity.label} · `{f.rule}`: "
            f"**{f.title}**\n\n{f.message}\n\n"
            + (f"How to fix: {f.fix}\n\n" if f.fix else "")
            + f"To dismiss: `/mergegate dismiss {f.id} <reason> <why>` in a comment on the "
            "merge request. This thread is resolved when the finding no longer blocks.")


class InlineDiscussions:
    def __init__(self, client: GitLabClient, project_path: str) -> None:
        self.client = client
        self.base = project_path  # "/projects/<encoded id>"

    async def sync(self, change: ChangeRef, verdict: Verdict, bot: str) -> Plan:
        mr_path = f"{self.base}/merge_requests/{change.number}"
        gl = self.client.gl
        discussions = await self.client.call(
            lambda: [dict(d) for d in gl.http_list(f"{mr_path}/discussions", iterator=True,
                                                   per_page=100)])
        todo = plan(verdict, existing_from(discussions, bot))
        if todo.create:
            mr = await self.client.call(gl.http_get, mr_path)
            refs = dict(mr.get("diff_refs") or {}) if isinstance(mr, dict) else {}
            if refs.get("head_sha") != change.head_sha:
                todo.create = []  # the MR moved on: its own report will place them
            for j in todo.create:
                position = {"position_type": "text", "base_sha": refs.get("base_sha"),
                            "start_sha": refs.get("start_sha"), "head_sha": change.head_sha,
                            "new_path": j.finding.path, "new_line": j.finding.line}
                await self._create(mr_path, {"body": body_for(j), "position": position},
                                   j.finding.fingerprint, bot)
        for did, resolved in [(d, True) for d in todo.resolve] + [(d, False) for d in todo.reopen]:
            await self._try(gl.http_put, f"{mr_path}/discussions/{did}",
                            post_data={"resolved": resolved})
        return todo

    async def _create(self, mr_path: str, data: dict[str, Any], fingerprint: str, bot: str) -> None:
        """Open one discussion, never two: after a 502 it is looked for by its marker first."""
        gl = self.client.gl

        def find() -> Any | None:
            threads = gl.http_list(f"{mr_path}/discussions", iterator=True, per_page=100)
            mine = existing_from((dict(t) for t in threads), bot)
            return next((e for e in mine if e.fingerprint == fingerprint), None)

        try:
            await self.client.create_once(
                lambda: gl.http_post(f"{mr_path}/discussions", post_data=data), find
            )
        except ForgeError as exc:
            log.warning("inline discussion not opened: %s", exc)

    async def _try(self, fn: Any, path: str, **kwargs: Any) -> None:
        try:
            await self.client.call(fn, path, **kwargs)
        except ForgeError as exc:
            log.warning("inline discussion not updated (%s): %s", path.rsplit("/", 2)[-1], exc)
