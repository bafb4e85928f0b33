"""The GitHub adapter's pure parts: patches, paths, tarballs, check-run bodies, retries, auth."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import tarfile
from pathlib import Path

import pytest
from mergegate.core.findings import Finding, Severity
from mergegate.core.policy import Policy
from mergegate.core.verdict import Dismissal, evaluate
from mergegate.forge.archive import UnsafeArchive, extract_tarball
from mergegate.forge.base import PolicyAnnotation, Report
from mergegate.forge.fetching import added_lines, safe_relpath
from mergegate.forge.github import checks
from mergegate.forge.github.auth import AppAuth, parse_expiry
from mergegate.forge.github.client import RetryPolicy


def test_added_lines_from_a_patch() -> None:
    patch = "@@ -1,3 +1,4 @@\n a\n-b\n+B\n+C\n c\n@@ -10,2 +11,3 @@\n x\n+y\n z\n\\ No newline at end of file"
    assert added_lines(patch) == frozenset({2, 3, 12})
    assert added_lines(None) is None
    assert added_lines("") == frozenset()


def test_safe_relpath() -> None:
    assert safe_relpath("app/db.py") == "app/db.py"
    assert safe_relpath("a/./b//c.py") == "a/b/c.py"
    # Names are data: a backslash, a newline or odd bytes are part of a file's name.
    for odd in ("cfg\\prod.py", "new\nline.py", "sp ace/é\u202e.py", "..hidden", "a..b"):
        assert safe_relpath(odd) == odd
    for bad in ("/etc/passwd", "../x", "a/../../x", "a/b/../c.py", "", ".", "x\x00y"):
        assert safe_relpath(bad) is None


def _tar(members: list[tarfile.TarInfo], contents: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for m in members:
            data = contents.get(m.name)
            tar.addfile(m, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def test_tarball_extracts_regular_files_and_skips_links(tmp_path: Path) -> None:
    ok, data = _file("o-r-abc/app/x.py", b"print(1)\n")
    link = tarfile.TarInfo("o-r-abc/evil")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    hard = tarfile.TarInfo("o-r-abc/hard")
    hard.type, hard.linkname = tarfile.LNKTYPE, "o-r-abc/app/x.py"
    out = extract_tarball(_tar([ok, link, hard], {ok.name: data}), tmp_path)
    assert out.files == ["app/x.py"]
    assert (tmp_path / "app/x.py").read_bytes() == data
    assert {p for p, _ in out.skipped} == {"evil", "hard"}
    assert not (tmp_path / "evil").exists()


def test_tarball_refuses_escapes_and_bombs(tmp_path: Path) -> None:
    escape, data = _file("o-r-abc/../../etc/x", b"x")
    with pytest.raises(UnsafeArchive, match="points outside the folder"):
        extract_tarball(_tar([escape], {escape.name: data}), tmp_path)
    files = [_file(f"o-r-abc/f{i}", b"0" * 1000) for i in range(5)]
    bomb = _tar([f for f, _ in files], {f.name: d for f, d in files})
    with pytest.raises(UnsafeArchive, match="expands to more than 3000 bytes"):
        extract_tarball(bomb, tmp_path / "b", max_total_bytes=3000)
    with pytest.raises(UnsafeArchive, match="more than 2 members"):
        extract_tarball(bomb, tmp_path / "c", max_members=2)
    with pytest.raises(UnsafeArchive, match="not a readable tar archive"):
        extract_tarball(b"not a tarball", tmp_path / "d")


def _finding(i: int, severity: Severity = Severity.HIGH) -> Finding:
    return Finding("sast", "r", severity, "t" * 300, f"m{i}", "a.py", i + 1, i + 1, f"{i:064x}")


def test_check_run_bodies_batch_cap_and_limits() -> None:
    verdict = evaluate([_finding(i) for i in range(520)], Policy())
    report = Report(verdict, [PolicyAnnotation(".mergegate.yml", 2, 3, "bad key")], ["a note"])
    bodies = checks.completed_requests(report, None, "2026-11-26T00:00:00Z")
    sizes = [len(b["output"].get("annotations", [])) for b in bodies]
    assert sizes == [50] * 10 and sum(sizes) == checks.MAX_ANNOTATIONS
    first = bodies[0]
    assert first["conclusion"] == "failure" and first["actions"] == checks.ACTIONS
    assert first["output"]["annotations"][0]["path"] == ".mergegate.yml"
    assert "Showing 500 of 521 annotations" in first["output"]["text"]
    assert all(len(a["title"]) <= 255 for b in bodies for a in b["output"].get("annotations", []))
    assert all(len(b["output"]["summary"]) <= 65535 for b in bodies)
    assert all("conclusion" not in b and b["output"]["title"] for b in bodies[1:])
    for action in checks.ACTIONS:
        assert len(action["label"]) <= 20 and len(action["description"]) <= 40
        assert len(action["identifier"]) <= 20


def test_annotation_levels() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    d = Dismissal(_finding(1).fingerprint, "false-positive", "maint", now)
    verdict = evaluate([_finding(0), _finding(1), _finding(2, Severity.MEDIUM),
                        _finding(3, Severity.LOW)], Policy(), [d], now)
    levels = {a["start_line"]: a["annotation_level"]
              for a in checks.all_annotations(Report(verdict))}
    assert levels == {1: "failure", 2: "notice", 3: "warning", 4: "notice"}


def test_retry_policy() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, max_rate_limit_wait=60, rand=lambda: 1.0)
    assert [policy.backoff(a) for a in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert RetryPolicy(rand=lambda: 0.5).backoff(1) == 0.25
    assert policy.rate_limit_wait({"retry-after": "7"}, 0) == 7.0
    assert policy.rate_limit_wait({"retry-after": "999"}, 0) == 60
    assert policy.rate_limit_wait(
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "110"}, 100) == 11.0
    assert policy.rate_limit_wait({"x-ratelimit-remaining": "10"}, 0) is None


async def test_installation_tokens_are_cached_until_near_expiry() -> None:
    now = [1000.0]
    calls: list[str] = []

    async def fetch(installation: str) -> dict[str, str]:
        calls.append(installation)
        expiry = dt.datetime.fromtimestamp(now[0] + 3600, dt.UTC).isoformat()
        return {"token": f"t{len(calls)}", "expires_at": expiry}

    auth = AppAuth("1", fetch, clock=lambda: now[0])
    assert await asyncio.gather(auth.token("9"), auth.token("9")) == ["t1", "t1"]
    now[0] += 3600 - 301
    assert await auth.token("9") == "t1"
    now[0] += 2
    assert await auth.token("9") == "t2"  # within five minutes of expiry: renewed
    auth.invalidate("9", "stale")  # not the cached one: kept
    assert await auth.token("9") == "t2"
    auth.invalidate("9", "t2")
    assert await auth.token("9") == "t3"
    assert calls == ["9", "9", "9"]
    assert parse_expiry("bogus", 5.0) == 3605.0
