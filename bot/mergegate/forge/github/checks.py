"""The `mergegate` check run as request bodies: pure functions of a verdict.

GitHub's limits (SOURCES.md): at most 50 annotations per request (later PATCHes append),
summary and text at most 65535 characters, annotation titles at most 255, at most 3 action
buttons (label <= 20, description <= 40, identifier <= 20 characters).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mergegate.core.findings import Severity, is_file_place
from mergegate.core.policy import EXTERNAL_PREFIX
from mergegate.core.render import render_markdown
from mergegate.core.verdict import JudgedFinding, Verdict
from mergegate.forge.base import PolicyAnnotation, Report

CHECK_NAME = "mergegate"
ANNOTATIONS_PER_REQUEST = 50
MAX_ANNOTATIONS = 500
TEXT_LIMIT = 65535
TITLE_LIMIT = 255
RESCAN_ACTION = "rescan"
ACTIONS: list[dict[str, str]] = [
    {"label": "Re-scan", "description": "Scan this commit again", "identifier": RESCAN_ACTION},
]

FileLink = Callable[[str, int], str]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def annotation_for(j: JudgedFinding) -> dict[str, Any]:
    f = j.finding
    if j.blocking:
        level = "failure"
    elif j.dismissed is None and f.severity >= Severity.MEDIUM:
        level = "warning"
    else:
        level = "notice"
    status = "blocking" if j.blocking else (
        f"dismissed by {j.dismissed.by} ({j.dismissed.reason})" if j.dismissed else
        (j.note or "not blocking")
    )
    tool = f.scanner.removeprefix(EXTERNAL_PREFIX)
    rule = f"{tool} · {f.rule}" if tool != f.scanner else f.rule  # another tool's: say which
    message = f"{f.message}\n\n{f.id} · {f.severity.label} · {rule} · {status}"
    if j.blocking:
        message += f"\nTo dismiss: /mergegate dismiss {f.id} <reason> <why>"
    line = max(1, f.line)
    return {
        "path": f.path,
        "start_line": line,
        "end_line": max(line, f.end_line),
        "annotation_level": level,
        "title": _cut(f"{f.id} [{f.severity.label}] {f.title}", TITLE_LIMIT),
        "message": _cut(message, TEXT_LIMIT),
    }


def policy_annotation(a: PolicyAnnotation) -> dict[str, Any]:
    return {
        "path": a.path,
        "start_line": max(1, a.line),
        "end_line": max(1, a.line),
        "annotation_level": "failure",
        "title": "Policy file error",
        "message": _cut(a.message, TEXT_LIMIT),
    }


def all_annotations(report: Report) -> list[dict[str, Any]]:
    """Policy errors first, then findings worst first; findings in a file only (an external
    tool's image or URL finding is in the summary's table, not on a line)."""
    out = [policy_annotation(a) for a in report.policy_annotations]
    out += [annotation_for(j) for j in report.verdict.findings
            if j.finding.path and is_file_place(j.finding.path)]
    return out


def batches(items: Sequence[dict[str, Any]], size: int = ANNOTATIONS_PER_REQUEST) -> list[
    list[dict[str, Any]]
]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def output_for(
    report: Report, file_link: FileLink | None, annotations: int, shown: int
) -> dict[str, Any]:
    """``output`` without annotations: title, Markdown summary, notes as text."""
    verdict: Verdict = report.verdict
    summary = render_markdown(verdict, file_link=file_link, max_chars=TEXT_LIMIT)
    notes = list(report.extra_notes)
    if shown < annotations:
        notes.append(
            f"Showing {shown} of {annotations} annotations (the limit is {MAX_ANNOTATIONS}); "
            "every finding is listed in the summary."
        )
    out: dict[str, Any] = {"title": _cut(verdict.title, TITLE_LIMIT), "summary": summary}
    if notes:
        out["text"] = _cut("\n".join(f"- {n}" for n in notes), TEXT_LIMIT)
    return out


def completed_requests(
    report: Report, file_link: FileLink | None, completed_at: str
) -> list[dict[str, Any]]:
    """The PATCH bodies that complete a check run: the first sets the conclusion, the
    title, the summary and the Re-scan button with up to 50 annotations; each further one
    appends 50 more (with the same title and summary, as GitHub requires)."""
    annotations = all_annotations(report)
    shown = annotations[:MAX_ANNOTATIONS]
    output = output_for(report, file_link, len(annotations), len(shown))
    chunks = batches(shown) or [[]]
    bodies: list[dict[str, Any]] = []
    for i, chunk in enumerate(chunks):
        out = dict(output) if i == 0 else {"title": output["title"], "summary": output["summary"]}
        if chunk:
            out["annotations"] = chunk
        body: dict[str, Any] = {"output": out}
        if i == 0:
            body.update(
                name=CHECK_NAME, status="completed", conclusion=report.verdict.conclusion,
                completed_at=completed_at, actions=ACTIONS,
            )
        bodies.append(body)
    return bodies


def in_progress_body(head_sha: str, started_at: str, details_url: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": CHECK_NAME,
        "head_sha": head_sha,
        "status": "in_progress",
        "started_at": started_at,
        "output": {"title": "Scanning…", "summary": "MergeGate is scanning this commit."},
    }
    if details_url:
        body["details_url"] = details_url
    return body


CLOSED_CONCLUSIONS = {"superseded": "cancelled", "cancelled": "cancelled", "error": "failure"}
CLOSED_TITLES = {
    "superseded": "Superseded by a newer commit",
    "cancelled": "Cancelled",
    "error": "MergeGate could not finish",
}


def closed_body(outcome: str, message: str, completed_at: str) -> dict[str, Any]:
    return {
        "name": CHECK_NAME,
        "status": "completed",
        "conclusion": CLOSED_CONCLUSIONS.get(outcome, "neutral"),
        "completed_at": completed_at,
        "output": {
            "title": CLOSED_TITLES.get(outcome, outcome),
            "summary": _cut(message, TEXT_LIMIT),
        },
        "actions": ACTIONS,
    }


def retrying_body(message: str) -> dict[str, Any]:
    """The check run queued again after a failure, saying why and when it retries."""
    return {
        "name": CHECK_NAME,
        "status": "queued",
        "output": {"title": "Queued: retrying after an error", "summary": _cut(message, TEXT_LIMIT)},
    }
