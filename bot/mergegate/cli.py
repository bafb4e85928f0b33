"""The `mergegate` command line: each subcommand lives in `mergegate.commands`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from mergegate import __version__
from mergegate.commands import audit, completion, db, explain, init, logs, rules, sbom, scan, serve, worker
from mergegate.commands.errors import UsageError

COMMANDS = (scan, init, db, rules, explain, logs, sbom, audit, serve, worker, completion)


class _ArgumentsError(UsageError):
    """A usage error argparse found; its message already names the (sub)command."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """Usage errors exit 2 with one line, as every other configuration error does."""
        for action in self._actions:
            if (isinstance(action, argparse._SubParsersAction)
                    and message.endswith(f"required: {action.dest}")):
                message = f"missing subcommand (choose from {', '.join(action.choices)})"
        raise _ArgumentsError(f"{self.prog}: {message}")

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if isinstance(action, argparse._SubParsersAction) and value not in action.choices:
            known = ", ".join(action.choices)
            raise argparse.ArgumentError(None, f"unknown command {value!r} (choose from {known})")
        super()._check_value(action, value)


def _name_parsers(parser: argparse.ArgumentParser) -> None:
    """Give every (sub)parser's namespace its own name, so that an unrecognized argument is
    reported by the subcommand it was given to (`mergegate scan: unrecognized arguments: …`)."""
    parser.set_defaults(parser_prog=parser.prog)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _name_parsers(child)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mergegate", description="A Git-native security gate.",
                     epilog="Run 'mergegate COMMAND --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"mergegate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=_Parser)
    for command in COMMANDS:
        command.register(sub)
    _name_parsers(parser)
    parser.set_defaults(root_parser=parser)  # `mergegate completion` walks the whole tree
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list:
        parser.print_help(sys.stderr)
        return 2
    try:
        args, unknown = parser.parse_known_args(args_list)
        if unknown:
            raise _ArgumentsError(f"{args.parser_prog}: unrecognized arguments: {' '.join(unknown)}")
        code: int = args.func(args)
    except _ArgumentsError as exc:
        print(exc, file=sys.stderr)  # "mergegate scan: argument --format: invalid choice: …"
        return 2
    except UsageError as exc:
        print(f"mergegate: {exc}", file=sys.stderr)  # "mergegate: .mergegate.yml:2:11: …"
        return 2
    except KeyboardInterrupt:
        print("mergegate: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
