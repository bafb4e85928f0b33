"""CI artifact zips unpacked safely (`copy_zip_members`, shared by the GitHub and GitLab
readers), and which artifacts and files the `external.artifacts` globs choose."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from mergegate.core.globs import matches_any, may_match_inside, names_folder
from mergegate.forge.archive import UnsafeArchive, copy_zip_members, zip_copy_notes
from mergegate.scanners.external import guess_kind

DEFAULT = ("**/*.sarif", "gl-*-report.json")


def zipped(files: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    buf.seek(0)
    return buf


def test_chosen_members_are_copied_under_our_own_names(tmp_path: Path) -> None:
    fh = zipped({"../../etc/passwd.sarif": b"{}", "/abs/x.sarif": b"[]", "a/b.txt": b"no",
                 "dir\\evil.sarif": b"1"})
    out = copy_zip_members(fh, lambda m: m.endswith(".sarif"), tmp_path,
                           max_file_bytes=100, max_total_bytes=1000)
    assert [m for m, _ in out.written] == ["../../etc/passwd.sarif", "/abs/x.sarif",
                                           "dir\\evil.sarif"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.member", "1.member", "2.member"]
    assert [p.read_bytes() for _, p in out.written] == [b"{}", b"[]", b"1"]
    assert out.too_large == [] and out.stopped is None


def test_a_bomb_stops_at_the_caps_counting_what_is_really_read(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("big.sarif", b" " * 5_000_000)
        z.writestr("ok.sarif", b"{}" * 10)
        z.writestr("more.sarif", b"x" * 900)
        z.writestr("last.sarif", b"y" * 900)
    buf.seek(0)
    out = copy_zip_members(buf, lambda m: True, tmp_path, max_file_bytes=1000,
                           max_total_bytes=2500)
    assert out.too_large == ["big.sarif"]  # 1,001 bytes read, then given up
    assert [m for m, _ in out.written] == ["ok.sarif", "more.sarif"]
    assert out.stopped == ("reading stopped at last.sarif: the files read expand to more "
                           "than 2,500 bytes")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.member", "2.member"]  # no partial
    notes = zip_copy_notes("artifact sarif", out, 1000)
    assert [(n.path, n.message, n.unscanned) for n in notes] == [
        ("artifact sarif", "not read: big.sarif is over the 1,000-byte limit (decompressed)",
         True),
        ("artifact sarif", "not read: reading stopped at last.sarif: the files read expand to "
                           "more than 2,500 bytes", True)]


def test_a_member_whose_headers_lie_about_its_size_is_unreadable(tmp_path: Path) -> None:
    data = bytearray(zipped({"r.sarif": b"z" * 50_000}).getvalue())
    # Claim 10 bytes in the central directory and the local header: no more is read, and the
    # checksum of those 10 bytes fails.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    data[22:26] = (10).to_bytes(4, "little")
    out = copy_zip_members(io.BytesIO(bytes(data)), lambda m: True, tmp_path,
                           max_file_bytes=1000, max_total_bytes=10_000)
    assert (out.written, out.too_large) == ([], [])
    assert out.unreadable == [("r.sarif", "Bad CRC-32 for file 'r.sarif'")]


def test_not_a_zip_and_too_many_entries_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeArchive) as err:
        copy_zip_members(io.BytesIO(b"<html>expired</html>"), lambda m: True, tmp_path,
                         max_file_bytes=10, max_total_bytes=10)
    assert str(err.value) == "not a readable zip archive (File is not a zip file)"
    fh = zipped({f"{i}.txt": b"" for i in range(11)})
    with pytest.raises(UnsafeArchive) as err:
        copy_zip_members(fh, lambda m: True, tmp_path, max_file_bytes=10, max_total_bytes=10,
                         max_members=10)
    assert str(err.value) == "the zip has 11 entries, over the 10-entry limit"


def test_a_corrupt_member_is_unreadable_and_the_rest_is_read(tmp_path: Path) -> None:
    fh = zipped({"a.sarif": bytes(range(256)) * 40, "b.sarif": b"{}"})
    info = zipfile.ZipFile(fh).getinfo("a.sarif")
    data = bytearray(fh.getvalue())
    start = info.header_offset + 30 + len("a.sarif")
    data[start + 20:start + 40] = b"\xff" * 20  # inside a.sarif's compressed bytes
    out = copy_zip_members(io.BytesIO(bytes(data)), lambda m: True, tmp_path,
                           max_file_bytes=10_000, max_total_bytes=100_000)
    assert [m for m, _ in out.written] == ["b.sarif"]
    assert [m for m, _ in out.unreadable] == ["a.sarif"]


def test_which_artifacts_are_opened_and_which_files_read() -> None:
    # The defaults may match inside any artifact; a file's path is <artifact>/<file>.
    assert may_match_inside("build-output", DEFAULT)
    assert matches_any("trivy-results/trivy.sarif", DEFAULT)
    assert matches_any("sast/out/gl-sast-report.json", DEFAULT)
    assert not matches_any("build-output/app.bin", DEFAULT)
    assert not names_folder("build-output", DEFAULT)
    # Patterns that name the artifact.
    narrow = ("trivy-results/**", "reports/*.sarif")
    assert may_match_inside("trivy-results", narrow) and names_folder("trivy-results", narrow)
    assert not may_match_inside("build-output", narrow)
    assert matches_any("reports/a.sarif", narrow) and not matches_any("reports/x/a.sarif", narrow)
    assert names_folder("app.sarif", ("*.sarif",))


@pytest.mark.parametrize(("name", "head", "kind"), [
    ("artifact x: trivy.sarif", b"", "sarif"),
    ("job sast: gl-sast-report.json", b"", "gitlab"),
    ("artifact x: results.json", b'{"version": "15.0.4", "vulnerabilities": [', "gitlab"),
    ("artifact x: results.json", b'{"version": "2.1.0", "runs": [', "sarif"),
    ("artifact x: codeql.sarif.json", b'{"vulnerabilities": []}', "sarif"),
])
def test_a_files_kind_from_its_name_then_its_first_bytes(name: str, head: bytes,
                                                          kind: str) -> None:
    assert guess_kind(name, head) == kind
