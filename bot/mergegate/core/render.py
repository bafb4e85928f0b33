"""Human renderers of one verdict: terminal text and the Markdown summary of checks and notes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mergegate.core.coverage import coverage_line, shown_notes
from mergegate.core.findings import SCANNERS, Finding, Severity, is_file_place, place
from mergegate.core.verdict import JudgedFinding, Verdict
from mergegate.core.words import PULL_REQUEST, Words

MARKDOWN_LIMIT = 65535
_MARKDOWN_NOTES = 50
FileLink = Callable[[str, int], str]

_COLOURS = {
    Severity.CRITICAL: "\x1b[1;35m",
    Severity.HIGH: "\x1b[1;31m",
    Severity.MEDIUM: "\x1b[33m",
    Severity.LOW: "\x1b[36m",
    Severity.INFO: "\x1b[2m",
}
_RESET = "\x1b[0m"
_CONCLUSION_ICON = {"success": "✅", "failure": "❌", "neutral": "⚠️"}


def _status(j: JudgedFinding) -> str:
    if j.blocking:
        return "blocking"
    if j.dismissed is not None:
        return f"dismissed ({j.dismissed.reason} by {j.dismissed.by})"
    return j.note or "not blocking"


def verdict_line(verdict: Verdict) -> str:
    """The last line of the text report, and all that `--quiet` prints."""
    return f"{verdict.conclusion.upper()}: {verdict.summary}"


def _hidden_line(verdict: Verdict) -> str | None:
    n = len(verdict.hidden)
    if not n:
        return None
    return f"{n} finding{'' if n == 1 else 's'} below {verdict.hidden_below} not shown (--severity)"


def render_text(verdict: Verdict, *, colour: bool = False, verbose: bool = False) -> str:
    """Findings grouped by scanner, worst first; ANSI colour only when asked (a TTY).

    The report ends with what was checked and skipped, every note, and the verdict line.
    """

    def paint(sev: Severity, text: str) -> str:
        return f"{_COLOURS[sev]}{text}{_RESET}" if colour else text

    lines: list[str] = []
    for problem in verdict.policy_errors:
        lines.append(f"policy error: {problem}")
    others = sorted({j.finding.scanner for j in verdict.findings} - set(SCANNERS))
    for scanner in (*SCANNERS, *others):  # ours, then `external:<tool>` ones
        group = [j for j in verdict.findings if j.finding.scanner == scanner]
        if not group:
            continue
        lines.append(f"{scanner} ({len(group)})")
        for j in group:
            f = j.finding
            sev = paint(f.severity, f"{f.severity.label:<8}")
            new = "" if f.new else " [pre-existing]"
            lines.append(f"  {sev} {f.id}  {place(f)}  {f.title}{new}")
            lines.append(f"           {f.rule}: {_status(j)}")
            if f.fix:
                lines.append(f"           fix: {f.fix}")
        lines.append("")
    for err in verdict.errors:
        where = f" ({err.path})" if err.path else ""
        lines.append(f"error: {err.scanner}{where}: {err.message}")
    for n in verdict.unscanned:
        lines.append(f"not scanned: {n.path or '(change)'}: {n.message}")
    if verdict.ignored_by_path:
        lines.append(f"{verdict.ignored_by_path} finding(s) in paths ignored by the policy")
    if verdict.risk is not None:
        reasons = "; ".join(verdict.risk.reasons) or "nothing notable"
        lines.append(f"release risk: {verdict.risk.level} ({reasons})")
    if hidden := _hidden_line(verdict):
        lines.append(hidden)
    lines += _coverage_lines(verdict)
    lines += [f"note: {n}" for n in shown_notes(verdict.notes)]
    lines.append(verdict_line(verdict))
    return "\n".join(lines) + "\n"


def _coverage_lines(verdict: Verdict) -> list[str]:
    if verdict.coverage is not None:
        return [coverage_line(verdict.coverage, verdict.notes)]
    skipped = [n for n in verdict.notes if n.message.startswith("skipped") and not n.unscanned]
    if skipped:
        return [f"skipped: {', '.join(f'{n.path} ({n.message})' for n in skipped)}"]
    return []


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def _rule_label(f: Finding) -> str:
    """The rule, and for another tool's finding the tool (`trivy · CVE-2024-1234`)."""
    return f.rule if f.scanner in SCANNERS else f"{f.scanner.removeprefix('external:')} · {f.rule}"


def _row(j: JudgedFinding, file_link: FileLink | None) -> str:
    f = j.finding
    shown = _escape(place(f))
    where = f"`{shown}`"
    if file_link is not None and is_file_place(f.path):
        where = f"[`{shown}`]({file_link(f.path, f.line)})"
    status = "**blocking**" if j.blocking else _escape(_status(j))
    if not f.new and not j.blocking and j.dismissed is None:
        status += " · pre-existing"
    return (
        f"| `{f.id}` | {f.severity.label} | {where} | {_escape(f.title)} "
        f"<sub>{_escape(_rule_label(f))}</sub> | {status} |"
    )


def _table(rows: Sequence[JudgedFinding], file_link: FileLink | None) -> list[str]:
    head = ["| id | severity | where | finding | status |", "|---|---|---|---|---|"]
    return head + [_row(j, file_link) for j in rows]


def render_markdown(
    verdict: Verdict,
    *,
    file_link: FileLink | None = None,
    max_chars: int = MARKDOWN_LIMIT,
    words: Words = PULL_REQUEST,
) -> str:
    """The check-run / MR-note summary, at most `max_chars` characters.

    When the findings do not fit, the table is cut at a whole row and a line says how many
    findings were left out, so the summary is never cut mid-row.
    """
    icon = _CONCLUSION_ICON[verdict.conclusion]
    head: list[str] = [f"## {icon} MergeGate: {verdict.title}", ""]
    counts = ", ".join(f"{n} {s.label}" for s, n in verdict.counts_by_severity().items() if n)
    head.append(
        f"{len(verdict.findings)} finding(s)" + (f" ({counts})" if counts else "")
        + f"; {len(verdict.blocking)} blocking at `block_on: {verdict.block_on}`"
        + (f"; {len(verdict.dismissed)} dismissed." if verdict.dismissed else ".")
    )
    if hidden := _hidden_line(verdict):
        head[-1] += f" {hidden}."
    head.append("")
    if verdict.policy_errors:
        head.append("### Policy file errors")
        head += [f"- `{_escape(e)}`" for e in verdict.policy_errors]
        head.append("")
    if verdict.errors:
        head.append("### Scanner errors")
        head += [f"- **{e.scanner}**: {_escape(e.message)}" for e in verdict.errors]
        head.append("")
    if verdict.unscanned:
        blocks = ("these block the merge (`on_unscanned: fail`)" if verdict.unscanned_blocks
                  else "`on_unscanned: warn`: they do not block")
        head.append(f"### Not fully scanned: {blocks}")
        head += [f"- `{_escape(n.path or '(change)')}`: {_escape(n.message)}"
                 for n in verdict.unscanned[:50]]
        if len(verdict.unscanned) > 50:
            head.append(f"- …and {len(verdict.unscanned) - 50} more")
        head.append("")
    if verdict.risk is not None:
        reasons = "; ".join(verdict.risk.reasons) or "nothing notable"
        head.append(f"**Release risk: {verdict.risk.level}** ({_escape(reasons)})")
        if verdict.risk.new_hosts:
            hosts = ", ".join(f"`{h}`" for h in verdict.risk.new_hosts)
            head.append(f"New outbound hosts: {hosts}")
        head.append("")
    notes = shown_notes(verdict.notes)
    tail = [""] + [_escape(line) for line in _coverage_lines(verdict)]
    tail += [f"- {_escape(n)}" for n in notes[:_MARKDOWN_NOTES]]
    if len(notes) > _MARKDOWN_NOTES:
        tail.append(f"- …and {len(notes) - _MARKDOWN_NOTES} more notes")
    tail += [
        "",
        "<details><summary>How to dismiss a finding</summary>",
        "",
        f"Comment on the {words.change}, one command per line:",
        "",
        "```",
        "/mergegate dismiss mg-xxxxxxxx false-positive|wont-fix|test-code|accepted-risk "
        "[until YYYY-MM-DD] reason",
        "/mergegate undismiss mg-xxxxxxxx",
        "/mergegate explain mg-xxxxxxxx",
        "/mergegate rescan",
        "```",
        "</details>",
    ]
    ordered = sorted(verdict.findings, key=lambda j: (not j.blocking, j.dismissed is not None))
    body = _table(ordered, file_link) if ordered else ["No findings."]
    text = "\n".join(head + body + tail)
    if len(text) <= max_chars:
        return text
    # Cut whole rows until it fits, then say how many were left out.
    fixed = len("\n".join(head + tail)) + 200
    kept: list[str] = []
    used = fixed
    for line in body:
        if used + len(line) + 1 > max_chars:
            break
        kept.append(line)
        used += len(line) + 1
    left_out = len(body) - len(kept)
    note = f"\n_…and {left_out} more finding(s) not shown: the summary is limited to {max_chars} characters._"
    text = "\n".join(head + kept) + note + "\n".join(tail)
    return text[:max_chars]
