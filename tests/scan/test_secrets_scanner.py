"""The secrets scanner with the real detect-secrets, on workspaces built from files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from mergegate.config import Settings
from mergegate.core.findings import ScanResult
from mergegate.core.policy import DEFAULT_POLICY
from mergegate.core.report import finding_to_dict
from mergegate.scanners import secrets
from mergegate.workspace import CandidateFile, Workspace, build_workspace

from .conftest import AWS_KEY, Repo, Run

GITHUB_TOKEN = "ghp_" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2"  # pragma: allowlist secret


def workspace(tmp_path: Path, files: dict[str, str], added: dict[str, set[int]] | None = None,
              base: dict[str, str] | None = None, max_file_bytes: int = 1024 * 1024) -> Workspace:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    cands = [CandidateFile(n, "modified", frozenset(added[n]) if added and n in added else None)
             for n in files]
    reader = (lambda p: base[p].encode() if p in base else None) if base is not None else None
    return build_workspace(tmp_path, cands, diff_aware=base is not None, base_reader=reader,
                           max_file_bytes=max_file_bytes)


def scan(ws: Workspace) -> ScanResult:
    return secrets.create(Settings()).scan(ws, DEFAULT_POLICY)


def baseline_for(tmp_path: Path, path: str) -> str:
    scanned = secrets.detect_in_file(str(tmp_path / path), path)
    results = [{"type": h.type, "filename": path, "hashed_secret": h.secret_hash,
                "is_verified": False, "line_number": h.line} for h in scanned.hits]
    return json.dumps({"version": "1.5.0", "plugins_used": [], "filters_used": [],
                       "results": {path: results}})


def test_finds_keys_with_type_place_and_hash_but_never_the_value(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"cfg.py": f'A = 1\nAWS = "{AWS_KEY}"\nTOKEN = "{GITHUB_TOKEN}"\n'})
    result = scan(ws)
    got = sorted((f.rule, f.line, f.severity.label) for f in result.findings)
    assert got == [("secrets.aws-access-key", 2, "critical"), ("secrets.github-token", 3, "critical")]
    dumped = json.dumps([finding_to_dict(f) for f in result.findings]) + repr(result)
    assert AWS_KEY not in dumped and GITHUB_TOKEN not in dumped


def test_only_added_lines_count_in_a_diff(tmp_path: Path) -> None:
    text = f'AWS = "{AWS_KEY}"\nX = 1\n'
    ws = workspace(tmp_path, {"a.py": text}, added={"a.py": {2}}, base={"a.py": "X = 0\n"})
    assert scan(ws).findings == []


def test_a_moved_secret_is_reported_as_pre_existing(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"a.py": f'X = 1\nAWS = "{AWS_KEY}"\n'}, added={"a.py": {2}},
                   base={"a.py": f'AWS = "{AWS_KEY}"\n'})
    (f,) = scan(ws).findings
    assert f.new is False


def test_one_finding_per_file_and_value(tmp_path: Path) -> None:
    text = f'A = "{GITHUB_TOKEN}"\nB = "{GITHUB_TOKEN}"\nC = "{AWS_KEY}"\n'
    ws = workspace(tmp_path, {"a.py": text})
    assert sorted((f.rule, f.line) for f in scan(ws).findings) == [
        ("secrets.aws-access-key", 3), ("secrets.github-token", 1)]


def test_two_github_tokens_are_two_secrets(tmp_path: Path) -> None:
    """detect-secrets' own plugin hashed only the `ghp` prefix: one finding for any number."""
    other = "ghp_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8"  # pragma: allowlist secret
    ws = workspace(tmp_path, {"a.py": f'A = "{GITHUB_TOKEN}"\nB = "{other}"\n'})
    assert [f.line for f in scan(ws).findings] == [1, 2]


def test_a_specific_detector_wins_over_entropy_on_the_same_line(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"a.yaml": f'token: "{GITHUB_TOKEN}"\n'})
    assert [f.rule for f in scan(ws).findings] == ["secrets.github-token"]


def test_baseline_accepts_known_secrets(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"a.py": f'AWS = "{AWS_KEY}"\n'})
    assert len(scan(ws).findings) == 1
    (tmp_path / ".secrets.baseline").write_text(baseline_for(tmp_path, "a.py"))
    assert scan(ws).findings == []


def test_broken_baseline_is_an_error_and_the_scan_goes_on(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"a.py": f'AWS = "{AWS_KEY}"\n'})
    (tmp_path / ".secrets.baseline").write_text("{not json")
    result = scan(ws)
    assert len(result.findings) == 1
    (err,) = result.errors
    assert err.scanner == "secrets" and err.message.startswith(".secrets.baseline: not a detect-secrets baseline")


def test_a_change_cannot_baseline_its_own_secret(tmp_path: Path) -> None:
    """Issue 10 (4): the baseline comes from the protected base, never from the change."""
    ws = workspace(tmp_path, {"a.py": f'AWS = "{AWS_KEY}"\n', ".secrets.baseline": "{}"})
    (tmp_path / ".secrets.baseline").write_text(baseline_for(tmp_path, "a.py"))
    ws.trusted_reader = lambda path: None  # the base has no baseline
    result = scan(ws)
    assert [f.rule for f in result.findings] == ["secrets.aws-access-key"]
    assert any(n.path == ".secrets.baseline" and "base version is applied" in n.message
               for n in result.notes)


def test_the_protected_baseline_applies_when_the_change_does_not_touch_it(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"a.py": f'AWS = "{AWS_KEY}"\n'})
    trusted = baseline_for(tmp_path, "a.py").encode()
    assert not (tmp_path / ".secrets.baseline").exists()
    ws.trusted_reader = lambda path: trusted if path == ".secrets.baseline" else None
    assert scan(ws).findings == []


def test_malformed_yaml_is_scanned_as_lines_and_another_file_still_reports(tmp_path: Path) -> None:
    """Issue 13: an impossible date crashed detect-secrets' YAML parser and hid every secret."""
    files = {"a.yaml": "release: 2027-02-30\npassword: Xk9-vQ2m-Lr7z\n",
             "b.py": f'AWS = "{AWS_KEY}"\n'}
    result = scan(workspace(tmp_path, files))
    assert sorted((f.path, f.rule) for f in result.findings) == [
        ("a.yaml", "secrets.secret-keyword"), ("b.py", "secrets.aws-access-key")]
    assert result.errors == []
    (note,) = result.notes
    assert note.path == "a.yaml" and note.message.startswith("scanned for secrets as plain lines")


def test_parallel_scan_gives_the_same_hits_as_in_process_even_with_a_malformed_file(
    tmp_path: Path,
) -> None:
    jobs = []
    for i in range(secrets.PARALLEL_MIN_FILES + 10):
        p = tmp_path / f"m{i}.py"
        p.write_text(f'X = {i}\nK = "{AWS_KEY}"\n' if i % 50 == 0 else f"X = {i}\n")
        jobs.append((str(p), p.name, False))
    bad = tmp_path / "bad.yaml"
    bad.write_text("release: 2027-02-30\n")
    jobs.insert(0, (str(bad), "bad.yaml", False))
    parallel = secrets.scan_files(jobs)
    serial = secrets.scan_chunk(jobs)
    assert [[(h.type, h.line, h.secret_hash) for h in s.hits] for s in parallel] == \
        [[(h.type, h.line, h.secret_hash) for h in s.hits] for s in serial]
    assert sum(len(s.hits) for s in parallel) == 5
    assert parallel[0].notes and parallel[0].error is None


def test_an_oversized_file_is_streamed_for_secrets(tmp_path: Path) -> None:
    padding = "# padding line that is not a secret at all\n" * 8_000  # ~350 KB
    ws = workspace(tmp_path, {"big.py": padding + f'AWS = "{AWS_KEY}"\n'},
                   max_file_bytes=64 * 1024)
    assert ws.files == [] and [f.path for f in ws.oversized] == ["big.py"]
    (f,) = scan(ws).findings
    assert (f.path, f.line, f.rule) == ("big.py", 8_001, "secrets.aws-access-key")


def test_cli_report_names_the_malformed_file_and_quotes_no_value(
    repo: Repo, mergegate: Callable[..., Run]
) -> None:
    """Issue 13 end to end: a bad YAML date next to a key in another file, through the CLI."""
    password = "Vq3-" + "x7Lm-P2rt"  # pragma: allowlist secret
    repo.write("README.md", "demo\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("deploy/release.yaml", f"release: 2027-02-30\ndb_password: {password}\n")
    repo.write("app/settings.py", f'AWS_KEY = "{AWS_KEY}"\n')
    repo.commit("feature")
    run = mergegate("scan", "--base", "main", "--format", "json", cwd=repo.root)
    report = run.json()
    assert run.code == 1, run.stderr
    secrets_found = sorted((f["path"], f["rule"]) for f in report["findings"]
                           if f["scanner"] == "secrets")
    assert secrets_found == [("app/settings.py", "secrets.aws-access-key"),
                             ("deploy/release.yaml", "secrets.secret-keyword")]
    assert AWS_KEY not in run.stdout + run.stderr and password not in run.stdout + run.stderr
    assert {"path": "deploy/release.yaml", "message": "scanned for secrets as plain lines: "
            "detect-secrets' YAML parser failed (ValueError)"}.items() <= next(
        n for n in report["notes"] if n.get("path") == "deploy/release.yaml").items()
