"""The `mergegate` command line: each subcommand lives in `mergegate.commands`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mergegate import __version__
from mergegate.commands import audit, logs, sbom, scan, serve, worker
from mergegate.commands.errors import UsageError

COMMANDS = (scan, logs, sbom, audit, serve, worker)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """Usage errors exit 2 with one line, as every other configuration error does."""
        command = self.prog.removeprefix("mergegate").strip()
        raise UsageError(f"{command}: {message}" if command else message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mergegate", description="A Git-native security gate.")
    parser.add_argument("--version", action="version", version=f"mergegate {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        code: int = args.func(args)
    except UsageError as exc:
        print(f"mergegate: {exc}", file=sys.stderr)  # "mergegate: scan: argument --format: …"
        return 2
    except KeyboardInterrupt:
        print("mergegate: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
