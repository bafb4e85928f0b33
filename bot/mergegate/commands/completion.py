"""`mergegate completion bash|zsh|fish|tcsh`: a shell completion script for every command and
option, generated from the command line's own parser (shtab), so it cannot drift."""

from __future__ import annotations

import argparse
import sys

SHELLS = ("bash", "zsh", "fish", "tcsh")
INSTALL = {
    "bash": "mergegate completion bash > ~/.local/share/bash-completion/completions/mergegate",
    "zsh": "mergegate completion zsh > \"${fpath[1]}/_mergegate\"",
    "fish": "mergegate completion fish > ~/.config/fish/completions/mergegate.fish",
    "tcsh": "mergegate completion tcsh >> ~/.tcshrc",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    completion = subparsers.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print the completion script for SHELL on stdout. Install it with, e.g.: "
        + "; ".join(INSTALL.values()),
    )
    completion.add_argument("shell", choices=SHELLS, metavar="SHELL",
                            help=f"one of {', '.join(SHELLS)}")
    completion.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import shtab  # here, not at the top: every other command would pay for it at start-up

    root: argparse.ArgumentParser = args.root_parser
    sys.stdout.write(shtab.complete(root, shell=args.shell))
    return 0
