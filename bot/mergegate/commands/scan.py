"""`mergegate scan` and `mergegate policy validate`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mergegate.commands.errors import UsageError
from mergegate.config import ConfigError, Settings
from mergegate.core.policy import POLICY_PATHS
from mergegate.core.render import render_markdown, render_text
from mergegate.core.report import render_json
from mergegate.core.sarif import render_sarif
from mergegate.core.verdict import Verdict
from mergegate.policy_file import DEFAULT_LOAD, PolicyLoad, parse_policy
from mergegate.scan.external import add_external_options, judge_with_reports, reports_from_args
from mergegate.scan.gate import run_gate
from mergegate.workspace.git import GitError, GitRepo, workspace_from_git

FORMATS = ("text", "json", "sarif", "markdown")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scan = subparsers.add_parser(
        "scan",
        help="scan a git checkout and judge it against the policy",
        description="Scan the git checkout at PATH. Exit 0: passes; 1: blocked; 2: usage, "
        "policy or configuration error.",
    )
    scan.add_argument("path", nargs="?", default=".", help="the git checkout (default: .)")
    scan.add_argument("--base", metavar="REF", help="only findings introduced since "
                      "merge-base(REF, HEAD) block")
    scan.add_argument("--policy", metavar="FILE", help="policy file (default: .mergegate.yml)")
    scan.add_argument("--format", choices=FORMATS, default="text")
    scan.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    scan.add_argument("--all", action="store_true", help="scan every file; every finding counts")
    add_external_options(scan)
    scan.set_defaults(func=run_scan)

    policy = subparsers.add_parser("policy", help="policy file tools")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True)
    validate = policy_sub.add_parser("validate", help="check a policy file")
    validate.add_argument("file", nargs="?", default=None)
    validate.set_defaults(func=run_validate)


def load_policy_file(path: Path, shown_as: str) -> PolicyLoad:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{shown_as}: no such policy file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{shown_as}: cannot read policy file: {exc}") from None
    return parse_policy(text, shown_as)


def find_policy(root: Path, explicit: str | None) -> PolicyLoad:
    """The policy the scan uses: --policy, else the repository's own file, else the defaults.

    Locally the file is read from the working tree: a developer sees the policy they are
    editing. The bot reads it from the base branch instead.
    """
    if explicit:
        return load_policy_file(Path(explicit), explicit)
    for candidate in POLICY_PATHS:
        if (root / candidate).is_file():
            return load_policy_file(root / candidate, candidate)
    return DEFAULT_LOAD


def render(verdict: Verdict, fmt: str, *, colour: bool) -> str:
    if fmt == "json":
        return render_json(verdict)
    if fmt == "sarif":
        return render_sarif(verdict)
    if fmt == "markdown":
        return render_markdown(verdict) + "\n"
    return render_text(verdict, colour=colour)


def run_scan(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
        repo = GitRepo.open(Path(args.path))
        load = find_policy(repo.root, args.policy)
        if load.errors:
            first = load.errors[0]
            more = f" (and {len(load.errors) - 1} more)" if len(load.errors) > 1 else ""
            raise UsageError(f"{first}{more}")
        base = None if args.all else args.base
        workspace = workspace_from_git(repo.root, base, max_file_bytes=settings.max_file_bytes)
    except (GitError, ConfigError) as exc:
        raise UsageError(str(exc)) from None
    policy = load.policy
    gate = run_gate(workspace, policy, settings, policy_source=load.source)
    verdict = judge_with_reports(gate, policy, reports_from_args(args), root=repo.root)
    to_file = args.output is not None
    text = render(verdict, args.format, colour=not to_file and sys.stdout.isatty())
    if to_file:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--output {args.output}: {exc.strerror}") from None
        print(verdict.summary, file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 1 if verdict.conclusion == "failure" else 0


def run_validate(args: argparse.Namespace) -> int:
    if args.file:
        load = load_policy_file(Path(args.file), args.file)
    else:
        found = next((p for p in POLICY_PATHS if Path(p).is_file()), None)
        if found is None:
            raise UsageError(f"no policy file found (looked for {', '.join(POLICY_PATHS)})")
        load = load_policy_file(Path(found), found)
    for err in load.errors:
        print(err, file=sys.stderr)
    if load.errors:
        return 2
    print(f"{load.source}: ok")
    return 0
