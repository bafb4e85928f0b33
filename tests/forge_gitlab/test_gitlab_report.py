"""The GitLab report values: roles from access levels, status states, note bodies."""

from __future__ import annotations

import pytest
from mergegate.core.findings import Finding, Severity
from mergegate.core.policy import Policy
from mergegate.core.verdict import JudgedFinding, Verdict, evaluate
from mergegate.core.words import MERGE_REQUEST
from mergegate.forge.base import PolicyAnnotation, Report
from mergegate.forge.gitlab import report as rep
from mergegate.forge.gitlab.discussions import Existing, existing_from, marker, plan
from mergegate.service.jobs import error_message


@pytest.mark.parametrize(("level", "role"), [
    (0, None), (5, None), (10, "read"), (15, "read"), (20, "triage"), (30, "write"),
    (40, "maintain"), (50, "admin"), (60, "admin"),
])
def test_roles(level: int, role: str | None) -> None:
    assert rep.role_for(level) == role


def test_check_status() -> None:
    assert rep.check_status("success") == ("completed", "success")
    assert rep.check_status("failed") == ("completed", "failure")
    assert rep.check_status("running") == ("in_progress", None)
    assert rep.check_status("pending") == ("queued", None)


def test_summary_note_has_marker_policy_errors_and_speaks_of_merge_requests() -> None:
    verdict = evaluate([], Policy())
    report = Report(verdict, [PolicyAnnotation(".mergegate.yml", 3, 1, "block_on: bad value")],
                    ["the merge request edits the policy"])  # the service writes GitLab's words
    body = rep.summary_note(report, None, "a" * 40)
    assert body.startswith(rep.SUMMARY_MARKER + "\n## ")
    assert "- `.mergegate.yml:3:1`: block_on: bad value" in body
    assert "the merge request edits the policy" in body and "pull request" not in body
    assert rep.verdict_state(verdict) == "success"
    assert rep.reply_note("dev", "x" * 300_000).startswith(rep.REPLY_MARKER + "\n@dev ")
    assert len(rep.reply_note("dev", "x" * 300_000)) == rep.NOTE_LIMIT


def test_discussion_plan_creates_resolves_and_reopens() -> None:
    def finding(fp: str, line: int = 3) -> Finding:
        return Finding(scanner="sast", rule="r", severity=Severity.HIGH, title="t", message="m",
                       path="a.py", line=line, end_line=line, fingerprint=fp, new=True)

    new, again, fixed = "a" * 64, "b" * 64, "c" * 64
    verdict = Verdict("failure", (JudgedFinding(finding(new), True),
                                  JudgedFinding(finding(again), True)))
    existing = [Existing("d1", again, True), Existing("d2", fixed, False)]
    todo = plan(verdict, existing)
    assert [j.finding.fingerprint for j in todo.create] == [new]
    assert (todo.reopen, todo.resolve) == (["d1"], ["d2"])
    threads = [{"id": "x", "notes": [{"body": marker(new), "author": {"username": "bot"}}]},
               {"id": "y", "notes": [{"body": marker(fixed), "author": {"username": "eve"}}]}]
    assert existing_from(threads, "bot") == [Existing("x", new, False)]


def test_closed_descriptions_speak_gitlab() -> None:
    assert rep.closed_description("error", error_message(MERGE_REQUEST)) == (
        "MergeGate could not finish this scan after several attempts. Comment "
        "`/mergegate rescan` to try again.")
    assert rep.CLOSED_STATES["error"] == "failed" and rep.CLOSED_STATES["superseded"] == "canceled"
