"""Usage errors: one line on stderr naming the command, exit 2; usage on a bare `mergegate`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from mergegate import __version__

from .conftest import Run


def test_bare_mergegate_prints_usage_and_exits_2(cli: Callable[..., Run]) -> None:
    run = cli()
    assert run.code == 2 and run.out == ""
    assert run.err.startswith("usage: mergegate ")
    for command in ("scan", "policy", "init", "rules", "explain", "logs", "sbom", "serve", "worker"):
        assert f"    {command} " in run.err


def test_version(cli: Callable[..., Run]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli("--version")
    assert exit_.value.code == 0


def test_version_text(capsys: pytest.CaptureFixture[str]) -> None:
    from mergegate.cli import main

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out == f"mergegate {__version__}\n"


@pytest.mark.parametrize(("args", "expected"), [
    (["scan", "--bogus"], "mergegate scan: unrecognized arguments: --bogus"),
    (["policy"], "mergegate policy: missing subcommand (choose from validate)"),
    (["policy", "validate", "a", "b"], "mergegate policy validate: unrecognized arguments: b"),
    (["scan", "--only", "dast"], "mergegate scan: argument --only: unknown scanner 'dast' "
                                 "(choose from sast, secrets, dependencies, licenses, deploy)"),
    (["scan", "--only", "sast", "--skip", "deploy"],
     "mergegate scan: argument --skip: not allowed with argument --only"),
    (["scan", "--severity", "severe"], "mergegate scan: argument --severity: unknown severity "
                                       "'severe' (expected critical|high|medium|low|info)"),
    (["scan", "-q", "-v"], "mergegate scan: argument -v/--verbose: not allowed with argument "
                           "-q/--quiet"),
])
def test_usage_errors_are_one_line_naming_the_command(
    cli: Callable[..., Run], args: list[str], expected: str
) -> None:
    run = cli(*args)
    assert (run.code, run.out, run.err) == (2, "", expected + "\n")


def test_an_unknown_command_lists_the_commands(cli: Callable[..., Run]) -> None:
    names = [n for n in _commands() if n != "help"]
    assert names[:2] == ["scan", "policy"]
    run = cli("foo")
    assert (run.code, run.err) == (
        2, f"mergegate: unknown command 'foo' (choose from {', '.join(names)})\n")


def _commands() -> list[str]:
    import argparse

    from mergegate.cli import build_parser

    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return list(sub.choices)


def test_logs_of_a_missing_file_is_one_error_and_no_report(
    cli: Callable[..., Run], tmp_path: Path
) -> None:
    missing = str(tmp_path / "missing.log")
    run = cli("logs", missing)
    assert (run.code, run.out, run.err) == (2, "", f"mergegate logs: {missing}: no such file\n")


def test_policy_validate_of_a_folder_says_so(cli: Callable[..., Run], tmp_path: Path) -> None:
    run = cli("policy", "validate", str(tmp_path))
    assert run.code == 2
    assert run.err == f"mergegate: {tmp_path}: is a folder; give the policy file's path\n"
    assert "Errno" not in run.err


def test_policy_validate_of_a_missing_file(cli: Callable[..., Run], tmp_path: Path) -> None:
    run = cli("policy", "validate", str(tmp_path / "nope.yml"))
    assert (run.code, run.err) == (2, f"mergegate: {tmp_path / 'nope.yml'}: no such policy file\n")
