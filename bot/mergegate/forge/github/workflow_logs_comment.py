"""The pull request comment on CI logs: pure functions from a `LogReport` to Markdown.

One comment per pull request, found again by `MARKER`. It holds one section per workflow
(a PR usually has several: tests, lint...), each replaced by that workflow's latest run, so a
clean lint run never hides the leak found in the test run. A section says which run it is
about in a hidden marker; a run older than the one shown is not allowed to overwrite it.
Credentials appear by type, place and hash only (the log scanner never keeps their values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mergegate.logscan.report import LogReport, Truncation

MARKER = "<!-- mergegate:workflow-logs -->"
TITLE = "### MergeGate: CI logs"
MAX_CREDENTIALS = 20
MAX_CLUSTERS = 10
MAX_HEADLINE = 200
MAX_BODY = 60000  # GitHub refuses comments over 65536 characters

_SECTION = re.compile(
    r"<!-- mergegate:workflow (?P<workflow>\d+) run (?P<run>\d+) -->\n.*?"
    r"<!-- /mergegate:workflow -->\n?",
    re.DOTALL,
)
_MEMBER = re.compile(r"^(?:(?P<job>[^/]+)/)?(?:(?P<n>\d+)_)?(?P<name>[^/]+?)(?:\.txt)?$")


@dataclass(frozen=True, slots=True)
class RunInfo:
    """The workflow run a section is about (from the `workflow_run` event)."""

    run_id: int
    workflow_id: int
    name: str
    head_sha: str
    conclusion: str
    html_url: str = ""
    run_attempt: int = 1


def select_members(names: list[str]) -> list[str]:
    """The members of a run's logs zip worth reading, each log line once.

    GitHub's zip holds, for each job, its whole log at the root (``1_build.txt``) and, in
    most runs, the same lines again split by step (``build/2_Run tests.txt``). Step files
    say where a line is, so a job with step files is read from them; a job without (older
    runs, some runners) from its root file.
    """
    with_steps = {
        n.split("/", 1)[0] for n in names if "/" in n and re.match(r"^\d+_", n.split("/", 1)[1])
    }
    chosen: list[str] = []
    for name in names:
        if "/" not in name:
            m = re.match(r"^\d+_(.+)\.txt$", name)
            if m and m.group(1) in with_steps:
                continue
        chosen.append(name)
    return chosen


def place(member: str, line: int) -> str:
    """Where a line is, as a reader of the run page says it: job, step, line."""
    m = _MEMBER.match(member)
    if m is None:
        return f"`{_code(member)}` line {line}"
    if m.group("job"):
        return f"job `{_code(m.group('job'))}`, step `{_code(m.group('name'))}`, line {line}"
    return f"job `{_code(m.group('name'))}`, line {line}"


def _code(text: str) -> str:
    """Text safe inside a Markdown code span (no backticks, no line breaks, bounded)."""
    text = text.replace("`", "'").replace("\r", " ").replace("\n", " ").strip()
    return text[:MAX_HEADLINE] + ("…" if len(text) > MAX_HEADLINE else "")


def worth_reporting(run: RunInfo, report: LogReport | None, error: str | None) -> bool:
    """Whether this run alone justifies a new comment: a leak, an unreadable log, or a
    failed run with failures to list (a green run's stray error lines are not news)."""
    if error is not None or report is None:
        return True
    if report.credentials or report.errors or report.truncated is not None:
        return True
    if report.detection_stopped is not None:
        return True
    return bool(report.clusters) and run.conclusion != "success"


def truncation_note(t: Truncation) -> str:
    """What was read of a run's logs over the size limit, and that the rest was not."""
    unread = ""
    if t.unread:
        n = len(t.unread)
        unread = f" ({n} more log file{'' if n == 1 else 's'} not read at all)"
    return (f"⚠️ Truncated: these logs go past MergeGate's {t.max_bytes:,}-byte limit. They "
            f"were read up to {place(t.path, t.line)}; the rest was not scanned{unread}.")


def render_section(run: RunInfo, report: LogReport | None, error: str | None) -> str:
    """One workflow's section: its run, then credentials and failure clusters (or a note)."""
    link = f"[{_code(run.name)} #{run.run_id}]({run.html_url})" if run.html_url else (
        f"{_code(run.name)} #{run.run_id}")
    attempt = f", attempt {run.run_attempt}" if run.run_attempt > 1 else ""
    out = [f"<!-- mergegate:workflow {run.workflow_id} run {run.run_id} -->",
           f"#### {link}: {run.conclusion or 'completed'} at `{run.head_sha[:7]}`{attempt}", ""]
    if error is not None or report is None:
        out += [f"⚠️ MergeGate could not read the logs of this run: {error or 'no report'}", ""]
        out.append("<!-- /mergegate:workflow -->")
        return "\n".join(out) + "\n"
    if report.truncated is not None:
        out += [truncation_note(report.truncated), ""]
    for e in report.errors:
        out.append(f"⚠️ `{_code(e.path)}`: {_code(e.message)}")
    if report.errors:
        out.append("")
    if report.credentials:
        out.append(f"**{len(report.credentials)} leaked credential"
                   f"{'' if len(report.credentials) == 1 else 's'}** (values redacted). "
                   "Revoke and rotate them, then stop printing them (mask the variables):")
        out.append("")
        for c in report.credentials[:MAX_CREDENTIALS]:
            times = f" ({c.count} times)" if c.count > 1 else ""
            out.append(f"- {_code(c.type)} in {place(c.path, c.line)}, "
                       f"sha1 `{c.secret_hash[:12]}`{times}")
        if len(report.credentials) > MAX_CREDENTIALS:
            out.append(f"- … and {len(report.credentials) - MAX_CREDENTIALS} more")
        out.append("")
    else:
        out += ["No leaked credentials found.", ""]
    if report.detection_stopped:
        out += [f"⚠️ Not all was searched: {report.detection_stopped}.", ""]
    clusters = report.sorted_clusters()
    if clusters:
        out.append(f"**Failures**: {len(clusters)} distinct, {report.events:,} in all")
        out.append("")
        out.append("| count | first occurrence | failure |")
        out.append("|---:|---|---|")
        for cl in clusters[:MAX_CLUSTERS]:
            headline = _code(cl.headline).replace("|", "\\|")
            out.append(f"| {cl.count:,} | {place(cl.path, cl.line)} | `{headline}` |")
        if len(clusters) > MAX_CLUSTERS:
            out.append(f"| … | {len(clusters) - MAX_CLUSTERS} more distinct failures | |")
        out.append("")
    else:
        out += ["No failures found.", ""]
    out.append("<!-- /mergegate:workflow -->")
    return "\n".join(out) + "\n"


def shown_run(body: str, workflow_id: int) -> int | None:
    """The run id a comment shows for a workflow, if any."""
    for m in _SECTION.finditer(body):
        if int(m.group("workflow")) == workflow_id:
            return int(m.group("run"))
    return None


def merge_comment(existing: str | None, run: RunInfo, section: str) -> str | None:
    """The comment body with this run's section in place of its workflow's; None when the
    comment already shows a later run of that workflow (runs finish out of order)."""
    sections: list[tuple[int, str]] = []
    if existing:
        shown = shown_run(existing, run.workflow_id)
        if shown is not None and shown > run.run_id:
            return None
        sections = [(int(m.group("workflow")), m.group(0)) for m in _SECTION.finditer(existing)]
    replaced = False
    for i, (workflow, _) in enumerate(sections):
        if workflow == run.workflow_id:
            sections[i] = (workflow, section)
            replaced = True
    if not replaced:
        sections.append((run.workflow_id, section))
    head = f"{MARKER}\n{TITLE}\n\nLeaked credentials and failures in this pull request's " \
        "workflow runs, latest run of each workflow.\n\n"
    body = head + "\n".join(text.rstrip("\n") + "\n" for _, text in sections)
    if len(body) > MAX_BODY:
        body = body[:MAX_BODY] + "\n\n… (cut: the comment is over GitHub's size limit)\n"
    return body
