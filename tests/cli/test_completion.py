"""`mergegate completion SHELL`: scripts generated from the parser itself; the bash one is
sourced into a real bash and asked to complete, as bash-completion would."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable

import pytest

from .conftest import Run

SUBCOMMANDS = ("scan", "policy", "init", "db", "rules", "explain", "logs", "sbom", "audit",
               "serve", "worker", "completion")


def complete_in_bash(script: str, words: list[str]) -> list[str]:
    """What bash offers for the last (partial) word of `words` with the script loaded."""
    quoted = " ".join(f"'{w}'" for w in words)
    program = (f"{script}\nCOMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
               f"COMP_LINE='{' '.join(words)}'; COMP_POINT=${{#COMP_LINE}}; "
               "_shtab_mergegate; printf '%s\\n' \"${COMPREPLY[@]}\"")
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True,
                         text=True, check=True, timeout=30).stdout
    return sorted(w.strip() for w in out.splitlines() if w.strip())


def test_bash_script_names_every_subcommand_and_completes(cli: Callable[..., Run]) -> None:
    run = cli("completion", "bash")
    assert run.code == 0 and run.err == ""
    assert f"_shtab_mergegate_subparsers=({' '.join(SUBCOMMANDS)})" in run.out
    assert re.search(r"^complete( -o \S+)* -F _shtab_mergegate mergegate$", run.out, re.MULTILINE)
    if shutil.which("bash") is None:
        pytest.skip("no bash to source the script into")
    assert complete_in_bash(run.out, ["mergegate", "s"]) == ["sbom", "scan", "serve"]
    assert complete_in_bash(run.out, ["mergegate", "scan", "--of"]) == ["--offline"]
    assert complete_in_bash(run.out, ["mergegate", "scan", "--format", "s"]) == ["sarif"]
    assert complete_in_bash(run.out, ["mergegate", "db", ""]) == ["update"]


@pytest.mark.parametrize(("shell", "marker"), [
    ("zsh", "#compdef mergegate"),
    ("fish", "complete -c mergegate"),
    ("tcsh", "complete mergegate"),
])
def test_other_shells(cli: Callable[..., Run], shell: str, marker: str) -> None:
    run = cli("completion", shell)
    assert run.code == 0 and marker in run.out and "offline" in run.out


def test_unknown_shell_is_a_usage_error(cli: Callable[..., Run]) -> None:
    run = cli("completion", "powershell")
    assert run.code == 2
    assert run.err.strip() == ("mergegate completion: argument SHELL: invalid choice: "
                               "'powershell' (choose from 'bash', 'zsh', 'fish', 'tcsh')")
