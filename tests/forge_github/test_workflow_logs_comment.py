"""The CI-logs comment (pure) and the logs zip reader: layout, sections, limits, bad input."""

from __future__ import annotations

import io
import zipfile

import pytest
from mergegate.forge.base import LogsUnavailable
from mergegate.forge.github.workflow_logs import scan_zip
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
from mergegate.logscan.report import LogReport

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


LINE = b"2026-11-26T10:00:00.0000000Z tests/test_apis.py::test_ok PASSED\n"  # 64 bytes


def _zip_bomb(members: int = 3, mebibytes: int = 32) -> io.BytesIO:
    """GitHub's layout (job file and step files), each step 32 MiB of lines, small on disk."""
    block = LINE * (1 << 14)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("0_test.txt", "the whole job log (not read: step files are)\n")
        for n in range(1, members + 1):
            with z.open(f"test/{n}_Run tests.txt", "w", force_zip64=True) as fh:
                for _ in range(mebibytes):
                    fh.write(block)
    buf.seek(0)
    return buf


def test_a_zip_bomb_is_read_up_to_the_cap_and_the_comment_says_so() -> None:
    bomb = _zip_bomb()
    assert len(bomb.getvalue()) < 1_000_000  # 96 MiB of lines
    report = scan_zip(bomb, max_bytes=40 * 2**20)
    assert report.bytes_read == 40 * 2**20 and report.truncated is not None
    assert report.files == ["test/1_Run tests.txt", "test/2_Run tests.txt"]
    assert worth_reporting(_run(1, conclusion="success"), report, None)
    body = render_section(_run(1), report, None)
    assert ("⚠️ Truncated: these logs go past MergeGate's 41,943,040-byte limit. They were "
            "read up to job `test`, step `Run tests`, line 131072; the rest was not scanned "
            "(1 more log file not read at all).\n") in body


def test_an_overlong_line_is_cut_for_the_table_but_its_key_is_found() -> None:
    line = "error: " + "z" * 20_000 + f" AWS_ACCESS_KEY_ID={KEY}\n"
    report = scan_zip(_zip({"0_b.txt": line}))
    assert [(c.type, c.line) for c in report.credentials] == [("AWS Access Key", 1)]
    assert report.long_lines == 1 and report.truncated is None
    body = render_section(_run(1), report, None)
    assert KEY not in body and "Truncated" not in body


def test_detectors_stopped_early_is_said_and_worth_a_comment() -> None:
    report = LogReport(detection_stopped="credential detection stopped after 50,000 lines "
                       "that could hold one")
    assert worth_reporting(_run(1, conclusion="success"), report, None)
    body = render_section(_run(1), report, None)
    assert ("No leaked credentials found.\n\n⚠️ Not all was searched: credential detection "
            "stopped after 50,000 lines that could hold one.\n") in body
