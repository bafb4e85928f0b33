"""`mergegate logs`: credentials (redacted) and clustered failures, on real files."""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import pytest
from mergegate.commands.logs import run
from mergegate.logscan.normalise import clean, normalise
from mergegate.logscan.scan import scan_logs

AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLQ"  # not the documented example, which is skipped
GH_TOKEN = "ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789"


def ci_log(traces: int = 500) -> str:
    out = ["2024-05-01T12:00:00.0000000Z ##[group]Run pytest"]
    for i in range(traces):
        ts = f"2024-05-01T12:{i // 60 % 60:02d}:{i % 60:02d}.{i:07d}Z"
        out += [
            f"{ts} tests/test_db.py::test_pool[{i}] ",
            f"{ts} Traceback (most recent call last):",
            f'{ts}   File "/home/runner/work/app/app/db.py", line {40 + i % 3}, in connect',
            f"{ts}     conn = pool.get(timeout={i})",
            f"{ts} ConnectionError: connection 0x{i * 4099:x} to 10.0.0.{i % 250} refused after "
            f"{i} ms (request {i:08x}-1111-2222-3333-444455556666)",
        ]
        if i == 250:
            out.append(f"{ts} + aws configure set aws_access_key_id {AWS_KEY}")
    out.append("\x1b[31mnpm ERR!\x1b[0m code ELIFECYCLE")
    out.append("Ran 500 tests: 0 errors, 0 failures")
    return "\n".join(out) + "\n"


def test_aws_key_and_500_stack_traces_become_one_cluster(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    log.write_text(ci_log())
    report = scan_logs([str(log)])
    assert [(c.type, c.line) for c in report.credentials] == [("AWS Access Key", 1257)]
    clusters = report.sorted_clusters()
    assert [(c.count, c.line) for c in clusters] == [(500, 3), (1, 2503)]
    trace = clusters[0]
    assert trace.sample[0] == "Traceback (most recent call last):"
    assert trace.headline.startswith("ConnectionError: connection 0x0 to 10.0.0.0 refused")
    assert clusters[1].headline == "npm ERR! code ELIFECYCLE"
    assert report.lines == 2504


def test_text_output_redacts_and_exit_code_is_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "build.log"
    log.write_text(ci_log(20) + f"fatal: auth failed, GITHUB_TOKEN={GH_TOKEN}\n")
    code = run(_args([str(log)], "text"))
    out = capsys.readouterr().out
    assert code == 1
    assert AWS_KEY not in out and GH_TOKEN not in out
    assert "AWS Access Key" not in out  # 20 traces: no key in this log
    assert f"{log}:104: GitHub Token (sha1 " in out
    assert "GITHUB_TOKEN=[REDACTED]" in out
    assert "      20x  " in out


def test_json_output_has_counts_and_first_occurrences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "build.log"
    log.write_text(ci_log(30))
    code = run(_args([str(log)], "json"))
    raw = capsys.readouterr().out
    data = json.loads(raw)
    assert code == 0
    assert data["credentials"] == []
    first = data["failures"]["clusters"][0]
    assert first["count"] == 30 and first["first"] == {"path": str(log), "line": 3}
    assert data["failures"]["distinct"] == 2


def test_clean_log_exits_0_and_missing_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "ok.log"
    log.write_text("building\nall good: 0 errors\n")
    assert run(_args([str(log)], "text")) == 0
    assert "No failures found." in capsys.readouterr().out
    missing = str(tmp_path / "nope.log")
    assert run(_args([missing], "text")) == 2
    captured = capsys.readouterr()
    assert f"mergegate logs: {missing}: no such file" in captured.err


def test_credential_wins_over_an_unreadable_file(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text(f"password = 'Hunter2-Secret-{AWS_KEY[4:]}'\n")
    assert run(_args([str(log), str(tmp_path / "missing.log")], "json")) == 1


def test_gzip_logs_and_overlong_lines(tmp_path: Path) -> None:
    log = tmp_path / "build.log.gz"
    with gzip.open(log, "wt") as fh:
        fh.write("x" * 100_000 + "\n")
        fh.write(f"key id {AWS_KEY}\n")
        fh.write("Error: boom 1\nError: boom 2\n")
    report = scan_logs([str(log)])
    assert [(c.type, c.line) for c in report.credentials] == [("AWS Access Key", 2)]
    assert [(c.count, c.line) for c in report.sorted_clusters()] == [(2, 3)]


def test_private_key_block_is_reported_once_and_never_shown(tmp_path: Path) -> None:
    log = tmp_path / "deploy.log"
    header = "-----BEGIN RSA " + "PRIVATE KEY-----"
    log.write_text(f"echo key\n{header}\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----\n")
    report = scan_logs([str(log)])
    assert [(c.type, c.line) for c in report.credentials] == [("Private Key", 2)]


def test_normalisation_makes_near_identical_lines_equal() -> None:
    a = "2024-01-01T10:00:00Z ERROR job 1234 failed at /srv/app/x.py:10 id=deadbeef42 in 0.5s"
    b = "2024-02-03T11:22:33Z ERROR job 98 failed at /srv/other/y.py:7 id=cafe00ff11 in 12.25s"
    assert normalise(clean(a)) == normalise(clean(b))
    assert normalise("ERROR disk full") != normalise("ERROR network down")


def _args(files: list[str], fmt: str, max_bytes: int | None = None) -> argparse.Namespace:
    return argparse.Namespace(files=files, format=fmt, max_bytes=max_bytes)


def test_through_the_mergegate_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mergegate.cli import main

    log = tmp_path / "ci.log"
    log.write_text(ci_log(3))
    assert main(["logs", str(log), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["failures"]["clusters"][0]["count"] == 3
    assert main(["logs", "--format", "xml", str(log)]) == 2


def test_zip_of_workflow_logs_is_read_member_by_member(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "logs_42.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("build/1_Set up job.txt", "Runner version 2.317.0\n")
        zf.writestr("build/3_Run tests.txt", ci_log(4) + f"AWS_ACCESS_KEY_ID={AWS_KEY}\n")
    report = scan_logs([str(archive)])
    member = f"{archive}!build/3_Run tests.txt"
    assert report.files == [f"{archive}!build/1_Set up job.txt", member]
    assert [(c.path, c.line, c.type) for c in report.credentials] == [
        (member, 24, "AWS Access Key")
    ]
    top = report.sorted_clusters()[0]
    assert (top.count, top.path) == (4, member)


def test_scan_streams_for_downloaded_logs() -> None:
    import io

    from mergegate.logscan.scan import scan_streams

    report = scan_streams([("run 7/job 2", io.BytesIO(ci_log(2).encode()))])
    assert report.files == ["run 7/job 2"]
    assert report.sorted_clusters()[0].count == 2


def test_pytest_assertion_blocks_and_java_traces_are_single_events(tmp_path: Path) -> None:
    log = tmp_path / "test.log"
    block = [
        "E   AssertionError: assert {n} == 200",
        "E    +  where {n} = response.status_code",
        "",
        'java.lang.IllegalStateException: order {n} not found',
        "\tat com.acme.Orders.find(Orders.java:{n})",
        "\t... {n} more",
        "",
    ]
    lines = [text.format(n=n) for n in range(3, 9) for text in block]
    log.write_text("\n".join(lines) + "\n")
    report = scan_logs([str(log)])
    assert [(c.count, len(c.sample)) for c in report.sorted_clusters()] == [(6, 2), (6, 3)]


def test_samples_are_redacted_even_without_a_keyword(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    blob = "q8ZrT4mWv1Xy9KpL2sN7bQ0cR5dF3gH6jE8uA1iO"
    log.write_text(f'ERROR upload rejected: "{blob}"\n')
    report = scan_logs([str(log)])
    assert report.credentials == []  # entropy alone is not reported for logs...
    assert report.clusters[0].sample == ['ERROR upload rejected: "[REDACTED]"']  # ...but hidden


# Decompression bombs and the size caps. A bomb is generated small on disk; the cap used is
# small too, so each test reads a few megabytes whatever the bomb expands to.

LINE = b"2026-11-26T10:00:00.0000000Z tests/test_apis.py::test_ok PASSED\n"  # 64 bytes
BLOCK = LINE * (1 << 14)  # 1 MiB of log lines


def gzip_bomb(path: Path) -> None:
    """512 MiB of log lines in 1.5 MB: a gzip member of 16 MiB, repeated."""
    member = gzip.compress(BLOCK * 16, compresslevel=9)
    path.write_bytes(member * 32)


def zip_bomb(path: Path, members: int = 4, mebibytes: int = 32) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for n in range(1, members + 1):
            with zf.open(f"job/{n}_step.txt", "w", force_zip64=True) as fh:
                for _ in range(mebibytes):
                    fh.write(BLOCK)


def test_gzip_bomb_is_read_up_to_the_cap_and_reported_truncated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = tmp_path / "bomb.log.gz"
    gzip_bomb(bomb)
    assert len(LINE) == 64 and bomb.stat().st_size < 2_000_000
    assert run(_args([str(bomb)], "text", max_bytes=5_000_000)) == 2
    captured = capsys.readouterr()
    note = (f"truncated: the logs go past the 5,000,000-byte limit; read up to line 78,125 of "
            f"{bomb}, the rest was not scanned")
    assert captured.out.splitlines()[:2] == [
        "mergegate logs: 1 file, 78,125 lines", note]
    assert captured.err == f"mergegate logs: {note}\n"


def test_zip_bomb_is_truncated_across_members(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = tmp_path / "logs.zip"
    zip_bomb(bomb)
    later = tmp_path / "later.log"
    later.write_text(f"AWS_ACCESS_KEY_ID={AWS_KEY}\n")  # past the cap: not read, not found
    assert bomb.stat().st_size < 2_000_000
    code = run(_args([str(bomb), str(later)], "json", max_bytes=40 * 2**20))
    data = json.loads(capsys.readouterr().out)
    assert code == 2
    assert data["files"] == [f"{bomb}!job/1_step.txt", f"{bomb}!job/2_step.txt"]
    assert data["bytes"] == 40 * 2**20 and data["lines"] == 40 * 2**14
    assert data["credentials"] == []
    assert data["truncated"] == {
        "max_bytes": 40 * 2**20,
        "path": f"{bomb}!job/2_step.txt",
        "line": 8 * 2**14,
        "unread": [f"{bomb}!job/3_step.txt", f"{bomb}!job/4_step.txt", str(later)],
        "message": f"truncated: the logs go past the 41,943,040-byte limit; read up to line "
        f"131,072 of {bomb}!job/2_step.txt, the rest was not scanned; {bomb}!job/3_step.txt "
        "and 2 more not read at all",
    }


def test_the_cap_comes_from_the_environment_or_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mergegate.cli import main

    log = tmp_path / "ci.log"
    log.write_bytes(LINE * 100)  # 6,400 bytes
    monkeypatch.setenv("MERGEGATE_LOG_MAX_BYTES", "640")
    assert main(["logs", str(log)]) == 2
    assert ("truncated: the logs go past the 640-byte limit; read up to line 10 of "
            f"{log}, the rest was not scanned") in capsys.readouterr().out
    assert main(["logs", "--max-bytes", "6400", str(log)]) == 0  # exactly all of it
    assert "truncated" not in capsys.readouterr().out
    monkeypatch.setenv("MERGEGATE_LOG_MAX_BYTES", "lots")
    assert main(["logs", str(log)]) == 2
    assert "MERGEGATE_LOG_MAX_BYTES must be an integer, got 'lots'" in capsys.readouterr().err
    assert main(["logs", "--max-bytes", "0", str(log)]) == 2


def test_a_credential_far_into_an_overlong_line_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "minified.log"
    filler = "q" * 50_000
    log.write_text(f"ok\nERROR {filler} export AWS_ACCESS_KEY_ID={AWS_KEY} {filler}\nok\n")
    report = scan_logs([str(log)])
    assert [(c.type, c.line, c.count) for c in report.credentials] == [("AWS Access Key", 2, 1)]
    assert report.long_lines == 1 and report.lines == 3
    [cluster] = report.clusters
    assert cluster.sample == [("ERROR " + filler)[:300]]  # the line as cut, then sampled
    assert run(_args([str(log)], "text")) == 1
    out = capsys.readouterr().out
    assert AWS_KEY not in out
    assert "1 line over 4,000 bytes: cut there for failures, searched whole for credentials" in out


def test_a_credential_across_two_read_chunks_of_an_overlong_line_is_found(
    tmp_path: Path,
) -> None:
    from mergegate.logscan.reader import CHUNK_BYTES

    log = tmp_path / "long.log"
    secret = f"aws_access_key_id={AWS_KEY}"
    head = "x" * (CHUNK_BYTES - 10)  # the key straddles the first chunk's end
    log.write_text(f"{head} {secret} {'y' * CHUNK_BYTES}\n")
    report = scan_logs([str(log)])
    assert [(c.type, c.line, c.count) for c in report.credentials] == [("AWS Access Key", 1, 1)]


def test_lines_and_numbers_survive_chunking(tmp_path: Path) -> None:
    """Line numbers stay right across chunk ends, CRLF endings, ANSI colours and prefixes."""
    log = tmp_path / "crlf.log"
    body = "".join(f"2026-11-26T10:00:00Z \x1b[32mstep {i}\x1b[0m ok\r\n" for i in range(60_000))
    log.write_text(body + "\x1b[31mError: boom\x1b[0m\r\n" + f"token = {GH_TOKEN}\r\n",
                   newline="")
    report = scan_logs([str(log)])
    assert report.lines == 60_002
    assert [(c.count, c.line, c.headline) for c in report.clusters] == [
        (1, 60_001, "Error: boom")]
    assert [(c.type, c.line) for c in report.credentials] == [("GitHub Token", 60_002)]


def test_detectors_stop_after_their_budget_and_the_report_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mergegate.logscan import scan

    monkeypatch.setattr(scan, "BATCH", 1)
    monkeypatch.setattr(scan, "MAX_DETECTOR_LINES", 2)
    log = tmp_path / "masked.log"
    log.write_text("".join(f"token: ***{i}\n" for i in range(3))  # looked at, nothing found
                   + f"AWS_ACCESS_KEY_ID={AWS_KEY}\n")
    assert run(_args([str(log)], "text")) == 2
    captured = capsys.readouterr()
    assert ("No leaked credentials found.\n  Not all was searched: credential detection "
            "stopped after 2 lines that could hold one.\n") in captured.out
    assert captured.err == ("mergegate logs: credential detection stopped after 2 lines that "
                            "could hold one; the rest was not searched\n")


def test_credentials_past_the_distinct_limit_are_not_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mergegate.logscan import scan

    monkeypatch.setattr(scan, "BATCH", 1)
    monkeypatch.setattr(scan, "MAX_CREDENTIALS", 1)
    log = tmp_path / "leaky.log"
    log.write_text(f"AWS_ACCESS_KEY_ID={AWS_KEY}\nGITHUB_TOKEN={GH_TOKEN}\n")
    assert run(_args([str(log)], "json")) == 1
    data = json.loads(capsys.readouterr().out)
    assert [c["type"] for c in data["credentials"]] == ["AWS Access Key"]
    assert data["credential_detection_stopped"] == (
        "credential detection stopped after 1 distinct credentials")


def test_a_key_at_the_cut_of_an_overlong_line_is_counted_once(tmp_path: Path) -> None:
    log = tmp_path / "cut.log"
    key = f"AWS_ACCESS_KEY_ID={AWS_KEY}"
    near_end = "a" * (4000 - 100 - len(key)) + " " + key + " " + "b" * 100  # in the overlap
    log.write_text(f"{near_end}{'c' * 10_000} {key} {'d' * 10_000}\n")
    report = scan_logs([str(log)])
    assert [(c.type, c.line, c.count) for c in report.credentials] == [("AWS Access Key", 1, 2)]


def test_masked_values_skip_the_detectors_and_real_ones_do_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mergegate.logscan import scan

    sent: list[str] = []
    real_detect = scan.detect

    def spy(path: str, lines: list[tuple[int, str]]) -> list[object]:
        sent.extend(text for _, text in lines)
        return real_detect(path, lines)  # type: ignore[return-value]

    monkeypatch.setattr(scan, "detect", spy)
    masked = ["##[debug]registry token: *** (request 1a2b3c)",
              "  password: ${{ secrets.DB_PASSWORD }}", "export API_KEY=$API_KEY  # job 4"]
    real = ["token: *** password='Hunter2-Secret-xyzzy'", "password='$ecretP4ss-Hunter2'",
            f"token: *** {AWS_KEY}"]
    log = tmp_path / "ci.log"
    log.write_text("\n".join(masked + real) + "\n")
    report = scan_logs([str(log)])
    assert sent == real
    assert sorted(c.line for c in report.credentials) == [4, 5, 6]


def test_a_cut_gzip_still_reports_what_was_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = gzip.compress(f"export AWS_ACCESS_KEY_ID={AWS_KEY}\n".encode() + LINE * 100_000)
    log = tmp_path / "cut.log.gz"
    log.write_bytes(whole[: len(whole) // 2])
    assert run(_args([str(log)], "text")) == 1  # the key wins over the read error
    captured = capsys.readouterr()
    assert f"{log}:1: AWS Access Key (sha1 " in captured.out
    assert f"mergegate logs: {log}: cannot read: " in captured.err


# Our token plugins' formats: a log line holding only such a token (no keyword) reaches the
# detectors, and its value is never shown.

HF_TOKEN = "hf_" + "QxWvTbNmLkJhGfDsApOiUyTrEwQzXcVbNm"
RUNNER_TOKEN = "glrt-" + "t1_Zx8Kq2Lm9Np4Rs7Tv"


def test_a_hugging_face_and_a_runner_token_are_found_and_never_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "job.log"
    log.write_text(
        "2024-05-01T12:00:00.0000000Z Run huggingface-cli upload org/model ./out\n"
        f"2024-05-01T12:00:01.0000000Z huggingface-cli login {HF_TOKEN}\n"
        f"2024-05-01T12:00:02.0000000Z ERROR gitlab-runner register failed for {RUNNER_TOKEN}\n"
    )
    report = scan_logs([str(log)])
    assert [(c.type, c.line) for c in report.credentials] == [
        ("Hugging Face Token", 2), ("GitLab Token", 3)]
    assert report.clusters[0].sample == ["ERROR gitlab-runner register failed for [REDACTED]"]
    for fmt in ("text", "json"):
        assert run(_args([str(log)], fmt)) == 1
        out = capsys.readouterr().out
        assert HF_TOKEN not in out and RUNNER_TOKEN not in out
        assert HF_TOKEN[3:] not in out and RUNNER_TOKEN[5:] not in out


def _plugin_cases() -> list[tuple[str, str, str]]:
    from tests.secrets.test_plugins import TRUE_CASES

    return TRUE_CASES


@pytest.mark.parametrize(("secret_type", "filename", "text"), _plugin_cases(),
                         ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(_plugin_cases())])
def test_every_format_our_plugins_know_is_found_in_a_log_and_never_shown(
    secret_type: str, filename: str, text: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mergegate.scanners.secrets import detect_in_text

    log = tmp_path / "ci.log"
    log.write_text("2024-05-01T12:00:00.0000000Z Run ./deploy.sh\n" + "".join(
        f"2024-05-01T12:00:01.0000000Z {line}\n" for line in text.splitlines()))
    assert secret_type in {c.type for c in scan_logs([str(log)]).credentials}
    values = {h.value for h in detect_in_text(filename, text).hits
              if h.type == secret_type and len(h.value) >= 8}
    assert values
    assert run(_args([str(log)], "text")) == 1
    out = capsys.readouterr().out
    assert not [v for v in values if v in out]


# The block searches (RE2) stand for per-line checks: on any mix of lines they must give what
# the grouper gives fed every line, before and after the clusters are full.

_MIXED = (
    "ERROR test_{n}.py::test_{w} failed: {w} in /srv/{w}/{n}.py",
    "Traceback (most recent call last):", '  File "/app/{w}.py", line {n}, in run',
    "ValueError: bad {w} {n}", "E   assert {n} == 0", "E       where {n} = f()",
    "java.lang.IllegalStateException: order {n}", "\tat com.acme.{w}.find({w}.java:{n})",
    "Caused by: java.io.IOException: {w}", "\t... {n} more", "goroutine {n} [running]:",
    "Ran {n} tests: 0 errors, 0 failures", "no errors in {w}", "errors=0", "FAIL: {w}",
    "npm ERR! code E{n}", "", "   ", "ok {w} PASSED", "fatal: {w} not found", "\x1c", "Erreur {w}",
    "ÉRROR fatal {w} ünïcode", "e\u00a0\u00a0assert {n}", "segmentation fault (core dumped)",
    "panic: runtime error: {w}", "CRITICAL {w}", "criticality {w}", "[{n}/9] building {w}",
    "created by main.{w}", "at {w}.run({n})", "\u2003 indented {w}", "2024-05-01T12:00:00Z ERROR {w}",
    "  ERROR indented {w}", "  fatal: {w}", "\tat {w}Exception.run", "  plain {w}",
)


def _reference_counts(text: str) -> tuple[int, int, list[tuple[int, int]]]:
    """Events, unclustered events and cluster sizes as the grouper fed every line gives them
    (with each event told apart as long as there is a cluster for it)."""
    from mergegate.logscan.events import EventGrouper
    from mergegate.logscan.normalise import clean as clean_line

    grouper, events = EventGrouper(), []
    for number, line in enumerate(text.split("\n")[:-1], start=1):
        done = grouper.feed(number, clean_line(line))
        if done is not None:
            events.append(done)
    last = grouper.finish()
    events += [last] if last is not None else []
    clusters: dict[str, tuple[int, int]] = {}  # signature -> (first line, count)
    unclustered = 0
    for event in events:
        signature = "\n".join(normalise(line) for line in event.lines)
        if signature in clusters:
            line, count = clusters[signature]
            clusters[signature] = (line, count + 1)
        elif len(clusters) < 2000:
            clusters[signature] = (event.line, 1)
        else:
            unclustered += 1
    return len(events), unclustered, sorted(clusters.values())


@pytest.mark.parametrize(("lines", "ascii_only"),
                         [(3000, False), (60_000, False), (3000, True), (60_000, True)])
def test_failures_are_counted_as_the_grouper_counts_them_line_by_line(
    lines: int, ascii_only: bool, tmp_path: Path
) -> None:
    import random

    rng = random.Random(lines)
    shapes = [s for s in _MIXED if s.isascii() or not ascii_only]

    def word() -> str:  # letters: a new one makes a new cluster
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))

    text = "".join(
        (rng.choice(shapes).format(n=rng.randrange(10**6), w=word()) + "\n")
        * rng.choice((1, 1, 1, 2, 7))  # some lines come again, whole
        for _ in range(lines))
    log = tmp_path / "mixed.log"
    log.write_text(text)
    report = scan_logs([str(log)])
    events, unclustered, sizes = _reference_counts(text)
    assert report.events == events
    assert sum(c.count for c in report.clusters) + report.unclustered == events
    if unclustered == 0:  # the clusters were never full: each counts its events
        assert sorted((c.line, c.count) for c in report.clusters) == sizes
    else:  # full: past that point failures are counted without being told apart
        assert len(report.clusters) == 2000 and report.unclustered >= unclustered
    assert (unclustered > 0) == (lines > 10_000)


_PIECES = (
    "token", "TOKEN", "password", "Passwd", "api_key", "API-KEY", "secret", "auth", "creds",
    "session_id", "signature", "private_key", "pass", "passed", "pwd", ":", "=", "=>", ":=", " ",
    " ", "  ", "\t", "'", '"', "***", "**", "*", "$", "${", "${{", "}}", "}", "{", "$API_KEY",
    "${DB_PASS}", "$ecretP4ss", "${{ secrets.DB_PASSWORD_12 }}", "${{ x } y", " --stdin ",
    " -p ", "--password ", "hf_", "glrt-", "ghp_", "sk-ant-", "AKIA", "dckr_pat_", "xoxb-",
    "Bearer ", "://user:pw@host", "aB3dE5fG7hJ9kL1mN3pQ", "0123456789abcdef01234",
    "deadbeefdeadbeef", "x9Y8z7W6v5U4t3S2r1Q0p9O8n7M6", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "é", "\u00a0", "\u0130", "K", "\u212a", ",", ";", ")", "/", "+", "-", "_", ".", "é9",
    "MY_LONG_API_KEY_NAME_2", "\x1c", "\x0b", "\r", "heroku", "hero\u212au", "--pass ",
    "sshpass", "password=", "-u ", "age-secret-key-1", "AGE-SECRET-KEY-1", "session_token",
    "dd_api_key", "://", "@", "mysql ", "-pS3cr3t", "docker login ", "curl ", "user:", "\u017fecret",
    "\u0131", "xoxb-123456789012-", "12345678901", ":AA", "0123456789abcdef0123456789abcdef",
    "$0", "$a",
)


def test_the_block_search_finds_every_line_the_per_line_checks_accept() -> None:
    import random

    from mergegate.scanners.secrets.prefilter import candidate_line_starts, needs_checking

    rng = random.Random(5)
    lines = ["".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 14)))
             for _ in range(40_000)]
    data = "\n".join(lines).encode()
    found = set(candidate_line_starts(data))
    starts, at = [], 0
    for line in lines:
        starts.append(at)
        at += len(line.encode()) + 1
    accepted = [i for i, line in enumerate(lines) if needs_checking(line)]
    assert len(accepted) > 10_000  # the pieces make many such lines...
    assert [lines[i] for i in accepted if starts[i] not in found] == []  # ...all found
    assert len(found) < len(lines)  # and the search is not "every line"
