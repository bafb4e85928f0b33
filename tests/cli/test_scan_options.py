"""`mergegate scan`'s options for developers: scanner choice, report threshold, colour, quiet
and verbose output, progress, and `--staged` (the pre-commit hook's scan)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from mergegate.commands.progress import ScanProgress
from mergegate.core.findings import ScanResult

from .conftest import AWS_KEY, PASSWORD_LINE, Repo, Run

ESC = "\x1b["


@pytest.fixture
def two_secrets(repo: Repo) -> Repo:
    """A critical finding (an AWS key id) and a medium one (a password literal)."""
    repo.write("README.md", "hello\n")
    repo.commit("base")
    repo.write("keys.py", f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    repo.write("settings.py", PASSWORD_LINE)
    return repo


def test_only_runs_the_named_scanners_and_says_which_did_not_run(
    cli: Callable[..., Run], two_secrets: Repo
) -> None:
    run = cli("scan", "--only", "secrets", "--format", "json")
    report = json.loads(run.out)
    assert {f["scanner"] for f in report["findings"]} == {"secrets"}
    assert run.err == "mergegate scan: not run (--only): sast, dependencies, licenses, deploy\n"
    assert {"message": "scanners not run (--only): sast, dependencies, licenses, deploy",
            "path": None, "unscanned": False} in report["notes"]


def test_skip_leaves_out_a_scanner(cli: Callable[..., Run], two_secrets: Repo) -> None:
    run = cli("scan", "--skip", "secrets,sast", "--skip", "licenses", "--format", "json")
    assert run.code == 0
    assert json.loads(run.out)["findings"] == []
    assert run.err == "mergegate scan: not run (--skip): sast, secrets, licenses\n"


def test_severity_is_a_report_threshold_not_a_verdict(
    cli: Callable[..., Run], two_secrets: Repo
) -> None:
    everything = cli("scan", "--only", "secrets", "--color", "never")
    assert everything.code == 1
    assert "AWS Access Key committed" in everything.out and "Secret Keyword" in everything.out
    assert everything.out.endswith("FAILURE: 1 blocking finding; 2 findings in all\n")

    run = cli("scan", "--only", "secrets", "--severity", "critical", "--color", "never")
    assert run.code == 1
    assert "AWS Access Key committed" in run.out and "Secret Keyword" not in run.out
    assert run.out.splitlines()[-4:] == [
        "1 finding below critical not shown (--severity)",
        "checked: 0 lockfiles, 0 manifests, 3 files",
        "note: scanners not run (--only): sast, dependencies, licenses, deploy",
        "FAILURE: 1 blocking finding; 2 findings in all"]

    report = json.loads(cli("scan", "--only", "secrets", "--severity", "high",
                            "--format", "json").out)
    assert [f["severity"] for f in report["findings"]] == ["critical"]
    assert report["verdict"]["summary"] == "1 blocking finding; 2 findings in all"


def test_a_hidden_finding_still_blocks(cli: Callable[..., Run], two_secrets: Repo) -> None:
    two_secrets.write(".mergegate.yml", "block_on: medium\n")
    run = cli("scan", "--only", "secrets", "--severity", "critical", "--format", "json")
    report = json.loads(run.out)
    assert run.code == 1 and len(report["findings"]) == 1
    assert report["verdict"]["blocking"] == 2


def test_quiet_prints_the_verdict_line_only(cli: Callable[..., Run], two_secrets: Repo) -> None:
    run = cli("scan", "--only", "secrets", "-q")
    assert (run.code, run.out, run.err) == (
        1, "FAILURE: 1 blocking finding; 2 findings in all\n", "")


def test_the_report_ends_with_what_was_checked_and_every_note(
    cli: Callable[..., Run], two_secrets: Repo
) -> None:
    two_secrets.root.joinpath("logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    two_secrets.write("package.json", '{"dependencies": {"left-pad": "1.3.0", "express": "^4.19.0"}}')
    two_secrets.write("requirements.txt", "flask>=3\n")
    run = cli("scan", "--only", "secrets,dependencies", "--offline", "--color", "never")
    assert run.out.splitlines()[-5:] == [
        "checked: 1 lockfile, 1 manifest, 5 files; skipped: logo.png (binary)",
        "note: scanners not run (--only): sast, licenses, deploy",
        "note: requirements.txt: unpinned, not checked: flask >=3",
        "note: package.json: unpinned, not checked: express ^4.19.0",
        "FAILURE: 1 blocking finding; 2 findings in all",
    ], run.out
    assert ("not scanned: (change): offline: no npm advisories in the cache, 1 package(s) not "
            "checked; run `mergegate db update --ecosystem npm`\n") in run.out
    markdown = cli("scan", "--only", "secrets", "--format", "markdown").out
    assert "checked: 0 lockfiles, 0 manifests, 5 files; skipped: logo.png (binary)\n" in markdown
    assert "- scanners not run (--only): sast, dependencies, licenses, deploy\n" in markdown


def test_verbose_times_the_scanners(cli: Callable[..., Run], two_secrets: Repo) -> None:
    run = cli("scan", "--only", "secrets", "-v")
    assert "mergegate scan: secrets " in run.err and " s\n" in run.err


def test_colour_follows_color_and_no_color(
    cli: Callable[..., Run], two_secrets: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ESC not in cli("scan", "--only", "secrets").out  # captured stdout is no terminal
    assert ESC in cli("scan", "--only", "secrets", "--color", "always").out
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert ESC in cli("scan", "--only", "secrets").out
    assert ESC not in cli("scan", "--only", "secrets", "--color", "never").out
    monkeypatch.setenv("NO_COLOR", "1")
    assert ESC not in cli("scan", "--only", "secrets").out
    assert ESC in cli("scan", "--only", "secrets", "--colour", "always").out


def test_no_progress_when_stderr_is_not_a_terminal(
    cli: Callable[..., Run], two_secrets: Repo
) -> None:
    run = cli("scan", "--only", "secrets")
    assert "scanning" not in run.err and "\r" not in run.err


def test_progress_on_a_terminal_names_the_running_scanners(
    cli: Callable[..., Run], two_secrets: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    run = cli("scan", "--only", "secrets")
    assert "\r\x1b[Kmergegate: scanning: secrets (0/1 done" in run.err
    assert run.err.endswith("\r\x1b[K")  # the status line is cleared at the end
    assert "scanning" not in cli("scan", "--only", "secrets", "-q").err


class _Scanner:
    def __init__(self, name: str, seen: list[str], stream: io.StringIO) -> None:
        self.name, self.seen, self.stream = name, seen, stream

    def scan(self, workspace: object, policy: object) -> ScanResult:
        self.seen.append(self.stream.getvalue().rsplit("\r\x1b[K", 1)[-1])
        return ScanResult()


def test_progress_line_lists_what_runs_and_what_is_done() -> None:
    stream = io.StringIO()
    seen: list[str] = []
    progress = ScanProgress(stream, ["sast", "secrets"])
    wrapped = progress.wrap([_Scanner("sast", seen, stream), _Scanner("secrets", seen, stream)])
    for scanner in wrapped:
        scanner.scan(None, None)  # type: ignore[arg-type]
    progress.close()
    assert seen[0].startswith("mergegate: scanning: sast (0/2 done, ")
    assert seen[1].startswith("mergegate: scanning: secrets (1/2 done, ")
    assert stream.getvalue().endswith("mergegate: scanning: judging (2/2 done, 0 s)\r\x1b[K")


def test_staged_scans_the_index_against_head(cli: Callable[..., Run], repo: Repo) -> None:
    repo.write("README.md", "hello\n")
    repo.commit("base")
    repo.write("keys.py", f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    repo.write("untracked.py", PASSWORD_LINE)  # not staged: not part of the commit
    repo.git("add", "keys.py")
    report = json.loads(cli("scan", "--staged", "--only", "secrets", "--format", "json").out)
    assert [(f["path"], f["new"]) for f in report["findings"]] == [("keys.py", True)]

    repo.git("commit", "-q", "-m", "key")  # committed: nothing staged any more
    clean = cli("scan", "--staged", "--only", "secrets", "-q")
    assert (clean.code, clean.out) == (0, "SUCCESS: No blocking findings\n")


def test_staged_in_a_repository_without_a_commit(cli: Callable[..., Run], repo: Repo) -> None:
    repo.write("keys.py", f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    repo.git("add", "keys.py")
    run = cli("scan", "--staged", "--only", "secrets", "--format", "json")
    assert run.code == 1
    assert [f["path"] for f in json.loads(run.out)["findings"]] == ["keys.py"]


def test_staged_file_with_unstaged_changes_gets_a_note(
    cli: Callable[..., Run], repo: Repo
) -> None:
    repo.write("app.py", "x = 1\n")
    repo.commit("base")
    repo.write("app.py", "x = 2\n")
    repo.git("add", "app.py")
    repo.write("app.py", "x = 3\n")
    notes = json.loads(cli("scan", "--staged", "--only", "secrets", "--format", "json").out)["notes"]
    assert {"message": "has unstaged changes: the working tree's version was scanned",
            "path": "app.py", "unscanned": False} in notes


def test_staged_with_base_is_refused(cli: Callable[..., Run], repo: Repo) -> None:
    repo.write("a.txt", "a\n")
    repo.commit()
    run = cli("scan", "--staged", "--base", "main")
    assert (run.code, run.err) == (
        2, "mergegate: --staged scans against HEAD: it cannot be used with --base or --all\n")


def test_gitlab_sast_format_never_holds_a_secret(cli: Callable[..., Run], two_secrets: Repo) -> None:
    run = cli("scan", "--only", "secrets", "--format", "gitlab-sast")
    assert run.code == 1
    report = json.loads(run.out)
    assert report["version"].startswith("15.") and report["scan"]["type"] == "sast"
    assert {v["severity"] for v in report["vulnerabilities"]} == {"Critical", "Medium"}
    assert AWS_KEY not in run.out and "Sunflower2024" not in run.out
