"""The `mergegate` command line: each subcommand lives in `mergegate.commands`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, Protocol

from mergegate import __version__
from mergegate.commands.errors import UsageError

# The modules of mergegate.commands, in the order `mergegate --help` lists their commands.
COMMANDS = ("scan", "init", "db", "rules", "explain", "logs", "sbom", "audit", "serve", "worker",
            "completion")
# Each command name and the module that registers it (tests/cli checks this against the parser).
COMMAND_MODULES = {"scan": "scan", "policy": "scan", **{m: m for m in COMMANDS[1:]}}
# Commands that read the whole parser (the completion script covers every command).
WHOLE_PARSER = frozenset({"completion"})


class _Command(Protocol):
    def register(self, subparsers: argparse._SubParsersAction[Any]) -> None: ...


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


def _command(module: str) -> _Command:
    """A module of COMMANDS, imported when its command is built (plain imports only)."""
    if module == "scan":
        from mergegate.commands import scan
        return scan
    if module == "init":
        from mergegate.commands import init
        return init
    if module == "db":
        from mergegate.commands import db
        return db
    if module == "rules":
        from mergegate.commands import rules
        return rules
    if module == "explain":
        from mergegate.commands import explain
        return explain
    if module == "logs":
        from mergegate.commands import logs
        return logs
    if module == "sbom":
        from mergegate.commands import sbom
        return sbom
    if module == "audit":
        from mergegate.commands import audit
        return audit
    if module == "serve":
        from mergegate.commands import serve
        return serve
    if module == "worker":
        from mergegate.commands import worker
        return worker
    if module == "completion":
        from mergegate.commands import completion
        return completion
    raise ValueError(f"not a command module: {module}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with `only` (a module of COMMANDS), that module's commands alone.

    `main` builds only the invoked command's parser: each command module imports what its
    command needs, and `mergegate scan` would otherwise start by importing every other one.
    """
    parser = _Parser(prog="mergegate", description="A Git-native security gate.",
                     epilog="Run 'mergegate COMMAND --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"mergegate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=_Parser)
    for module in COMMANDS if only is None else (only,):
        _command(module).register(sub)
    _name_parsers(parser)
    parser.set_defaults(root_parser=parser)  # `mergegate completion` walks the whole tree
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = args_list[0] if args_list else None
    only = None if first in WHOLE_PARSER else COMMAND_MODULES.get(first or "")
    parser = build_parser(only)
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
