"""Files detect-secrets cannot parse, odd encodings, huge lines and huge files, one file's
crash, and no value anywhere in the output or the logs."""

from __future__ import annotations

import json
import logging
import tracemalloc
from pathlib import Path

import pytest
from mergegate.config import Settings
from mergegate.core.policy import DEFAULT_POLICY
from mergegate.core.report import finding_to_dict
from mergegate.scanners import secrets
from mergegate.scanners.secrets import detection, scanner
from mergegate.workspace import CandidateFile, build_workspace

from .conftest import HEX, found, token

AWS = "AKIA" + token("", 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
PW = token("", 14)


@pytest.mark.parametrize("yaml_text", [
    "release: 2027-02-30\n",  # an impossible date: ValueError inside PyYAML's constructor
    "when: !!timestamp 2027-13-45\n",
    "x: !custom_tag {a: 1}\n",
    "a: [1, 2\n",  # a syntax error is detect-secrets' ParsingError: plain lines, no note needed
])
def test_yaml_the_parser_rejects_is_scanned_as_lines(tmp_path: Path, yaml_text: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml_text + f"aws_key: {AWS}\npassword: {PW}\n")
    result = secrets.detect_in_file(str(path), "config.yaml")
    assert {h.type for h in result.hits} >= {"AWS Access Key", "Secret Keyword"}
    assert all(n.startswith("scanned for secrets as plain lines") for n in result.notes)


def test_the_impossible_date_is_named_in_a_note(tmp_path: Path) -> None:
    path = tmp_path / "release.yaml"
    path.write_text(f"release: 2027-02-30\ntoken: {AWS}\n")
    result = secrets.detect_in_file(str(path), "release.yaml")
    assert result.notes == ["scanned for secrets as plain lines: detect-secrets' YAML parser "
                            "failed (ValueError)"]


def test_a_yaml_alias_bomb_is_read_as_lines_not_expanded(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join([*lines, f"password: {PW}"]) + "\n")
    result = secrets.detect_in_file(str(path), "bomb.yaml")  # minutes if expanded
    assert [(h.type, h.line) for h in result.hits] == [("Secret Keyword", 10)]
    assert result.notes == ["scanned for secrets as plain lines: more than 25 YAML aliases, "
                            "not expanded"]


def test_a_latin1_file_is_scanned_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "legacy.properties"
    path.write_bytes(f"# caf\xe9\ndb.password={PW}\nkey={AWS}\n".encode("latin-1"))
    result = secrets.detect_in_file(str(path), "legacy.properties")
    assert {h.type for h in result.hits} >= {"AWS Access Key", "Secret Keyword"}
    assert result.notes == ["not UTF-8: scanned for secrets as Latin-1 text"]


def test_a_utf16_file_is_scanned(tmp_path: Path) -> None:
    path = tmp_path / "win.ini"
    path.write_bytes(f"[db]\npassword = {PW}\n".encode("utf-16"))
    assert [h.type for h in secrets.detect_in_file(str(path), "win.ini").hits] == ["Secret Keyword"]


def test_a_huge_minified_line_is_scanned_in_windows() -> None:
    line = "var a=1;" * 200_000 + f'var k="{AWS}";' + "var b=2;" * 1000
    assert found("bundle.min.js", line + "\n") == [("AWS Access Key", 1)]


def test_a_key_across_a_window_boundary_is_found() -> None:
    pad = "x" * (detection.WINDOW - 10)
    assert ("AWS Access Key", 1) in found("a.txt", f"{pad} {AWS} {pad}\n")


def test_streaming_a_large_file_keeps_memory_bounded(tmp_path: Path) -> None:
    path = tmp_path / "dump.sql"
    with path.open("w") as fh:
        for _ in range(12):  # 12 lines of 40 KB, a key, a 1 MB line with a token at its end
            fh.write("-- " + "a1b2 " * 8_000 + "\n")
        fh.write(f"INSERT INTO keys VALUES ('{AWS}');\n")
        fh.write("z" * 1_000_000 + f" {token('ghp_', 36)}\n")
    warm = tmp_path / "warm.sql"
    warm.write_text(f"x = '{AWS}'\n")
    secrets.stream_file(str(warm), "warm.sql")  # imports and compiled patterns are not the file's
    tracemalloc.start()
    result = secrets.stream_file(str(path), "dump.sql")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [(h.type, h.line) for h in secrets.most_specific(result.hits)] == [
        ("AWS Access Key", 13), ("GitHub Token", 14)]
    assert peak < 1_400_000 < path.stat().st_size  # batches of lines, never the whole file


def test_reading_a_file_in_pieces_never_holds_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    with path.open("w") as fh:
        fh.write(("log line " * 20 + "\n") * 20_000)  # 3.6 MB of short lines
        fh.write("y" * 4_000_000 + "\n")  # and one 4 MB line
    tracemalloc.start()
    pieces = sum(1 for _ in detection.stream_lines(str(path)))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert pieces > 20_000 and peak < 600_000


def test_one_files_crash_leaves_the_others_alone(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text(f'K = "{AWS}"\n')
    real = secrets.detect_in_file

    def crash_on_a(path: str, name: str | None = None) -> secrets.FileScan:
        if name == "a.py":
            raise RecursionError(f"boom {PW}")
        return real(path, name)

    monkeypatch.setattr(scanner, "detect_in_file", crash_on_a)
    ws = build_workspace(tmp_path, [CandidateFile("a.py"), CandidateFile("b.py")],
                         diff_aware=False)
    result = secrets.create(Settings()).scan(ws, DEFAULT_POLICY)
    assert [(f.path, f.rule) for f in result.findings] == [("b.py", "secrets.aws-access-key")]
    (error,) = result.errors
    assert error.path == "a.py" and error.message == "a.py: could not be scanned (RecursionError)"
    assert PW not in repr(result)


def test_no_value_in_the_report_or_the_logs(tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    values = {
        "a.py": [AWS, token("ghp_", 36), PW],
        "b.env": [token("sk_live_", 24), token("xoxb-1234567890-1234567890-", 24)],
        "c.yaml": [token("dop_v1_", 64, HEX), token("glpat-", 20)],
        "d.sh": [token("", 12)],
        "e.yaml": [token("", 16)],
    }
    (tmp_path / "a.py").write_text(f'AWS = "{values["a.py"][0]}"\nGH = "{values["a.py"][1]}"\n'
                                   f'password = "{values["a.py"][2]}"\n')
    (tmp_path / "b.env").write_text(f"STRIPE={values['b.env'][0]}\nSLACK={values['b.env'][1]}\n")
    (tmp_path / "c.yaml").write_text(f"release: 2027-02-30\ndo: {values['c.yaml'][0]}\n"
                                     f"gl: {values['c.yaml'][1]}\n")
    (tmp_path / "d.sh").write_text(f"mysql -uroot -p{values['d.sh'][0]} app\n")
    (tmp_path / "e.yaml").write_text(f"db:\n  url: postgres://app:{values['e.yaml'][0]}@db/x\n")
    ws = build_workspace(tmp_path, [CandidateFile(n) for n in values], diff_aware=False)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("detect-secrets").setLevel(logging.DEBUG)
        try:
            result = secrets.create(Settings()).scan(ws, DEFAULT_POLICY)
        finally:
            logging.getLogger("detect-secrets").setLevel(logging.ERROR)
    assert len(result.findings) == sum(len(v) for v in values.values())
    report = json.dumps([finding_to_dict(f) for f in result.findings])
    shown = report + repr(result) + caplog.text
    for value in (v for vs in values.values() for v in vs):
        assert value not in shown
