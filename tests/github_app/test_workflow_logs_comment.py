"""The CI-logs comment (pure) and the logs zip reader: layout, sections, limits, bad input."""

from __future__ import annotations

import io
import zipfile

import pytest
from mergegate.forge.github.workflow_logs import LogsUnavailable, scan_zip
from mergegate.forge.github.workflow_logs_comment import (
    MARKER,
    RunInfo,
    merge_comment,
    place,
    render_section,
    select_members,
    shown_run,
    worth_reporting,
)
from mergegate.logscan.scan import LogReport

KEY = "AKIA" + "IOSFODNN7EXAMPLQ"


def _zip(members: dict[str, str]) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in members.items():
            z.writestr(name, text)
    buf.seek(0)
    return buf


def _run(run_id: int, workflow_id: int = 1, conclusion: str = "failure") -> RunInfo:
    return RunInfo(run_id, workflow_id, "CI", "0123456789abcdef", conclusion,
                   f"https://github.com/o/r/actions/runs/{run_id}")


def test_step_files_are_read_instead_of_the_job_file() -> None:
    names = ["0_build.txt", "build/1_Set up job.txt", "build/2_Run make.txt", "build/system.txt",
             "1_old-job.txt", "old-job/system.txt", "2_test (3.12).txt",
             "test (3.12)/1_Run tests.txt"]
    assert select_members(names) == [
        "build/1_Set up job.txt", "build/2_Run make.txt", "build/system.txt",
        "1_old-job.txt", "old-job/system.txt", "test (3.12)/1_Run tests.txt"]


def test_place_names_job_and_step() -> None:
    assert place("build/2_Run make.txt", 4) == "job `build`, step `Run make`, line 4"
    assert place("0_build.txt", 9) == "job `build`, line 9"
    assert place("odd`name/x/y", 1) == "`odd'name/x/y` line 1"


def test_a_key_in_the_logs_reaches_the_comment_only_as_type_and_hash() -> None:
    log = f"ERROR: upload failed, aws_access_key_id={KEY}\nexport AWS_ACCESS_KEY_ID={KEY}\n"
    report = scan_zip(_zip({"0_deploy.txt": log, "deploy/1_Upload.txt": log}))
    body = merge_comment(None, _run(5), render_section(_run(5), report, None))
    assert body is not None and KEY not in body
    assert "- AWS Access Key in job `deploy`, step `Upload`, line 1, sha1 `" in body
    assert "(2 times)" in body
    assert "`ERROR: upload failed, aws_access_key_id=[REDACTED]`" in body


def test_sections_per_workflow_and_stale_runs() -> None:
    empty = LogReport()
    first = merge_comment(None, _run(10), render_section(_run(10), empty, None))
    assert first is not None and first.startswith(MARKER)
    other = merge_comment(first, _run(11, 2), render_section(_run(11, 2), empty, None))
    assert other is not None
    assert shown_run(other, 1) == 10 and shown_run(other, 2) == 11
    newer = merge_comment(other, _run(12), render_section(_run(12), empty, "boom"))
    assert newer is not None and shown_run(newer, 1) == 12 and shown_run(newer, 2) == 11
    assert newer.count("<!-- /mergegate:workflow -->") == 2
    assert "⚠️ MergeGate could not read the logs of this run: boom" in newer
    assert merge_comment(newer, _run(10), render_section(_run(10), empty, None)) is None


def test_what_is_worth_a_new_comment() -> None:
    clean = LogReport()
    assert not worth_reporting(_run(1, conclusion="success"), clean, None)
    assert worth_reporting(_run(1), None, "HTTP 410")
    noisy = scan_zip(_zip({"0_b.txt": "error: something odd\n"}))
    assert noisy.clusters
    assert not worth_reporting(_run(1, conclusion="success"), noisy, None)
    assert worth_reporting(_run(1, conclusion="failure"), noisy, None)


def test_log_text_cannot_break_the_table() -> None:
    report = scan_zip(_zip({"0_b.txt": "error: a | b `c` @team\n"}))
    body = render_section(_run(1), report, None)
    assert "| `error: a \\| b 'c' @team` |" in body


def test_not_a_zip_is_a_clear_error() -> None:
    with pytest.raises(LogsUnavailable) as err:
        scan_zip(io.BytesIO(b"<html>Sign in</html>"))
    assert str(err.value) == "the logs download is not a zip archive"


def test_a_zip_that_expands_too_far_is_not_read() -> None:
    with pytest.raises(LogsUnavailable) as err:
        scan_zip(_zip({"0_b.txt": "x" * 5000}), max_uncompressed=4096)
    assert str(err.value) == ("the logs expand to 5,000 bytes, over the 4,096-byte limit: "
                              "not read")
