"""The secrets scanner with the real detect-secrets, on workspaces built from files."""

from __future__ import annotations

import json
from pathlib import Path

from mergegate.config import Settings
from mergegate.core.policy import DEFAULT_POLICY
from mergegate.core.report import finding_to_dict
from mergegate.scanners import secrets
from mergegate.workspace import CandidateFile, build_workspace

from .conftest import AWS_KEY

GITHUB_TOKEN = "ghp_" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2"  # pragma: allowlist secret


def workspace(tmp_path: Path, files: dict[str, str], added: dict[str, set[int]] | None = None,
              base: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    cands = [CandidateFile(n, "modified", frozenset(added[n]) if added and n in added else None)
             for n in files]
    reader = (lambda p: base[p].encode() if p in base else None) if base is not None else None
    return build_workspace(tmp_path, cands, diff_aware=base is not None, base_reader=reader)


def scan(ws):  # type: ignore[no-untyped-def]
    return secrets.create(Settings()).scan(ws, DEFAULT_POLICY)


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


def test_baseline_accepts_known_secrets(tmp_path: Path) -> None:
    files = {"a.py": f'AWS = "{AWS_KEY}"\n'}
    ws = workspace(tmp_path, files)
    assert len(scan(ws).findings) == 1
    hit = secrets.detect_in_file(str(tmp_path / "a.py"))[0]
    baseline = {
        "version": "1.5.0", "plugins_used": [], "filters_used": [],
        "results": {"a.py": [{"type": hit.type, "filename": "a.py", "hashed_secret": hit.secret_hash,
                              "is_verified": False, "line_number": 1}]},
    }
    (tmp_path / ".secrets.baseline").write_text(json.dumps(baseline))
    assert scan(ws).findings == []


def test_broken_baseline_is_an_error_and_the_scan_goes_on(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"a.py": f'AWS = "{AWS_KEY}"\n'})
    (tmp_path / ".secrets.baseline").write_text("{not json")
    result = scan(ws)
    assert len(result.findings) == 1
    (err,) = result.errors
    assert err.scanner == "secrets" and err.message.startswith(".secrets.baseline: not a detect-secrets baseline")


def test_parallel_scan_gives_the_same_hits_as_in_process(tmp_path: Path) -> None:
    paths = []
    for i in range(secrets.PARALLEL_MIN_FILES + 10):
        p = tmp_path / f"m{i}.py"
        p.write_text(f'X = {i}\nK = "{AWS_KEY}"\n' if i % 50 == 0 else f"X = {i}\n")
        paths.append(str(p))
    parallel = secrets._scan_files(paths)
    serial = secrets._scan_chunk(paths)
    assert [[(h.type, h.line, h.secret_hash) for h in hits] for hits in parallel] == \
        [[(h.type, h.line, h.secret_hash) for h in hits] for hits in serial]
    assert sum(len(h) for h in parallel) == 5
