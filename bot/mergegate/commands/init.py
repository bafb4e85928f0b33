"""`mergegate init [DIR] [--force]`: write a commented `.mergegate.yml` with every default."""

from __future__ import annotations

import argparse
from pathlib import Path

from mergegate.commands.errors import UsageError
from mergegate.core.policy import POLICY_PATHS
from mergegate.policy_reference import init_text


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = subparsers.add_parser(
        "init",
        help="write a commented .mergegate.yml with every default",
        description="Write .mergegate.yml into DIR (default: .): every key with its default, "
        "examples as comments, and the yaml-language-server $schema line for editors. An "
        "existing file is left alone unless --force is given.",
    )
    init.add_argument("dir", nargs="?", default=".", metavar="DIR",
                      help="the repository's root (default: .)")
    init.add_argument("--force", action="store_true", help="overwrite an existing policy file")
    init.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = Path(args.dir)
    if not root.is_dir():
        raise UsageError(f"init: {args.dir}: no such folder")
    target = root / POLICY_PATHS[0]
    shown = str(target) if args.dir != "." else POLICY_PATHS[0]
    if target.exists() and not args.force:
        raise UsageError(f"init: {shown} already exists; --force overwrites it")
    try:
        target.write_text(init_text(), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"init: {shown}: {exc.strerror}") from None
    print(f"wrote {shown}: every key at its default; 'mergegate policy validate' checks it")
    return 0
