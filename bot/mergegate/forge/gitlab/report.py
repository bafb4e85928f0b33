"""The `mergegate` commit status and the MR summary note as values. Pure: no I/O.

GitLab has no check runs: the verdict is a commit status named `mergegate` on the head
(pending → running → success or failed; canceled when superseded) and one summary note on
the merge request, found again by a hidden marker and edited on every push. GitLab has no
annotations either: policy file errors and notes are listed in the note.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from mergegate.core.render import render_markdown
from mergegate.core.verdict import Verdict
from mergegate.core.words import MERGE_REQUEST
from mergegate.forge.base import Reaction, Report, ReportOutcome, Role

STATUS_NAME = "mergegate"
SUMMARY_MARKER = "<!-- mergegate:summary -->"
REPLY_MARKER = "<!-- mergegate:reply -->"
MARKER_PREFIX = "<!-- mergegate:"
DESCRIPTION_LIMIT = 255
NOTE_LIMIT = 200_000  # GitLab accepts 1,000,000 characters; a summary never needs that many

StatusState = Literal["pending", "running", "success", "failed", "canceled"]
FileLink = Callable[[str, int], str]

# GitLab access levels: 5 minimal, 10 guest, 15 planner, 20 reporter, 30 developer,
# 40 maintainer, 50 owner (60 admin on some instances).
_ROLE_BY_LEVEL: tuple[tuple[int, Role], ...] = (
    (50, "admin"), (40, "maintain"), (30, "write"), (20, "triage"), (10, "read"),
)
_EMOJI: dict[str, str] = {
    "+1": "thumbsup", "-1": "thumbsdown", "eyes": "eyes", "confused": "confused",
    "rocket": "rocket",
}
CLOSED_STATES: dict[str, StatusState] = {
    "superseded": "canceled", "cancelled": "canceled", "error": "failed", "verdict": "failed",
}


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def role_for(access_level: int) -> Role | None:
    """The forge-neutral role of a GitLab access level (None below Guest)."""
    for level, role in _ROLE_BY_LEVEL:
        if access_level >= level:
            return role
    return None


def emoji_for(reaction: Reaction) -> str:
    return _EMOJI[reaction]


def verdict_state(verdict: Verdict) -> StatusState:
    """GitLab has no neutral: a neutral verdict does not block, so it is a success."""
    return "failed" if verdict.conclusion == "failure" else "success"


def verdict_description(verdict: Verdict) -> str:
    prefix = "neutral: " if verdict.conclusion == "neutral" else ""
    return cut(prefix + verdict.title, DESCRIPTION_LIMIT)


def summary_note(report: Report, file_link: FileLink | None, head_sha: str) -> str:
    """The body of the one summary note: marker, verdict, policy errors, notes."""
    body = render_markdown(report.verdict, file_link=file_link, max_chars=NOTE_LIMIT - 4000,
                           words=MERGE_REQUEST)
    extra: list[str] = []
    if report.policy_annotations:
        extra += ["", "### Policy file errors in this merge request"]
        extra += [f"- `{a.path}:{a.line}:{a.column}`: {a.message}"
                  for a in report.policy_annotations[:50]]
    if report.extra_notes:
        extra += ["", "### Notes"] + [f"- {n}" for n in list(report.extra_notes)[:50]]
    extra += ["", f"<sub>Scanned commit {head_sha[:12]}.</sub>"]
    text = body + "\n".join(extra)
    return cut(f"{SUMMARY_MARKER}\n{text}", NOTE_LIMIT)


def reply_marker(comment_id: str) -> str:
    """Names the note a reply answers, so that the reply can be found again (after a 502)."""
    return f"<!-- mergegate:reply-to:{re.sub(r'[^0-9A-Za-z_-]', '', comment_id)} -->"


def reply_note(author: str, text: str, comment_id: str | None = None) -> str:
    tail = f"\n{reply_marker(comment_id)}" if comment_id is not None else ""
    return cut(f"{REPLY_MARKER}\n@{author} {text}", NOTE_LIMIT - len(tail)) + tail


def _status_note(title: str, message: str, head_sha: str) -> str:
    text = f"### {title}\n\n{message}\n\n<sub>Commit {head_sha[:12]}.</sub>"
    return cut(f"{SUMMARY_MARKER}\n{text}", NOTE_LIMIT)


def retrying_note(message: str, head_sha: str) -> str:
    """The summary note while a job waits to retry: a commit status cannot say so (GitLab
    refuses a pending or running status the same or an earlier state), a note can."""
    return _status_note("MergeGate: queued, retrying after an error", message, head_sha)


def error_note(message: str, head_sha: str) -> str:
    """The summary note of a scan that could not finish (it replaces a retrying note)."""
    return _status_note("MergeGate could not finish", message, head_sha)


def closed_description(outcome: ReportOutcome, message: str) -> str:
    """The service's message for a report closed without a verdict, in GitLab's words."""
    return cut(message, DESCRIPTION_LIMIT)


def check_status(state: str) -> tuple[Literal["queued", "in_progress", "completed"], str | None]:
    """A GitLab commit status or job state as (status, conclusion) of `CheckState`."""
    if state == "running":
        return "in_progress", None
    done = {"success": "success", "failed": "failure", "canceled": "cancelled",
            "skipped": "skipped", "manual": "action_required"}
    if state in done:
        return "completed", done[state]
    return "queued", None
