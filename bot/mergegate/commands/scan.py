"""`mergegate scan` and `mergegate policy validate`."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from pathlib import Path

from mergegate.commands.errors import UsageError
from mergegate.commands.progress import ScanProgress
from mergegate.config import ConfigError, local_settings
from mergegate.core.findings import ScanNote, Severity
from mergegate.core.policy import POLICY_PATHS
from mergegate.core.render import render_markdown, render_text, verdict_line
from mergegate.core.verdict import Verdict, with_report_threshold
from mergegate.policy_file import DEFAULT_LOAD, PolicyLoad, parse_policy
from mergegate.scan.engine import SCANNERS, default_scanners
from mergegate.scan.external import add_external_options, judge_with_reports, reports_from_args
from mergegate.scan.gate import run_gate
from mergegate.workspace.git import GitError, GitRepo, workspace_from_git

FORMATS = ("text", "json", "sarif", "markdown", "gitlab-sast")


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
    scan.add_argument("--staged", action="store_true", help="scan only what is staged for "
                      "commit, against HEAD (the pre-commit hook)")
    scan.add_argument("--offline", action="store_true", help="advisories only from the cache "
                      "`mergegate db update` fills (no network; deps.dev not consulted)")
    add_output_options(scan)
    add_external_options(scan)
    scan.set_defaults(func=run_scan)

    policy = subparsers.add_parser("policy", help="policy file tools")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True)
    validate = policy_sub.add_parser("validate", help="check a policy file")
    validate.add_argument("file", nargs="?", default=None)
    validate.set_defaults(func=run_validate)


def _scanner_names(raw: str) -> list[str]:
    names = [n.strip().lower() for n in raw.split(",") if n.strip()]
    for name in names:
        if name not in SCANNERS:
            raise argparse.ArgumentTypeError(
                f"unknown scanner {name!r} (choose from {', '.join(SCANNERS)})")
    return names


def _severity(raw: str) -> Severity:
    try:
        return Severity.parse(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_output_options(scan: argparse.ArgumentParser) -> None:
    """Which scanners run, what the report lists, and how it looks."""
    which = scan.add_mutually_exclusive_group()
    which.add_argument("--only", type=_scanner_names, action="extend", metavar="SCANNER",
                       help=f"run only these scanners (repeat or comma-separate: {', '.join(SCANNERS)})")
    which.add_argument("--skip", type=_scanner_names, action="extend", metavar="SCANNER",
                       help="run every scanner but these")
    scan.add_argument("--severity", type=_severity, metavar="LEVEL",
                      help="report threshold (critical|high|medium|low|info): findings below it "
                      "are not listed; the verdict still counts them")
    scan.add_argument("--color", "--colour", choices=("auto", "always", "never"), default="auto",
                      help="colour the text report: auto (a terminal, unless NO_COLOR is set), "
                      "always or never")
    noise = scan.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true",
                       help="print only the verdict line (and errors, on stderr)")
    noise.add_argument("-v", "--verbose", action="store_true",
                       help="list every note (skipped files by name) and each scanner's time")


def chosen_scanners(only: list[str] | None, skip: list[str] | None) -> list[str]:
    if only:
        return [n for n in SCANNERS if n in only]
    return [n for n in SCANNERS if n not in (skip or ())]


def use_colour(choice: str, *, no_color: bool, terminal: bool) -> bool:
    if choice == "always":
        return True
    return choice == "auto" and terminal and not no_color


def load_policy_file(path: Path, shown_as: str) -> PolicyLoad:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{shown_as}: no such policy file") from None
    except IsADirectoryError:
        raise UsageError(f"{shown_as}: is a folder; give the policy file's path") from None
    except UnicodeDecodeError:
        raise UsageError(f"{shown_as}: cannot read policy file: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{shown_as}: cannot read policy file: {exc.strerror}") from None
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


def render(verdict: Verdict, fmt: str, *, colour: bool, verbose: bool = False,
           quiet: bool = False, started: dt.datetime | None = None) -> str:
    # Each machine-readable format's writer is imported when it is asked for.
    if fmt == "gitlab-sast":
        from mergegate.core.gitlab_sast import render_gitlab_sast

        now = dt.datetime.now(dt.UTC)
        return render_gitlab_sast(verdict, started=started or now, finished=now)
    if fmt == "json":
        from mergegate.core.report import render_json

        return render_json(verdict)
    if fmt == "sarif":
        from mergegate.core.sarif import render_sarif

        return render_sarif(verdict)
    if fmt == "markdown":
        return render_markdown(verdict) + "\n"
    if quiet:
        return verdict_line(verdict) + "\n"
    return render_text(verdict, colour=colour, verbose=verbose)


def run_scan(args: argparse.Namespace) -> int:
    try:
        settings = local_settings()
        if args.offline:
            settings = dataclasses.replace(settings, offline=True)
        repo = GitRepo.open(Path(args.path))
        load = find_policy(repo.root, args.policy)
        if load.errors:
            first = load.errors[0]
            more = f" (and {len(load.errors) - 1} more)" if len(load.errors) > 1 else ""
            raise UsageError(f"{first}{more}")
        if args.staged and (args.base or args.all):
            raise UsageError("--staged scans against HEAD: it cannot be used with --base or --all")
        base = None if args.all else args.base
        workspace = workspace_from_git(repo.root, base, staged=args.staged,
                                       max_file_bytes=settings.max_file_bytes)
    except (GitError, ConfigError) as exc:
        raise UsageError(str(exc)) from None
    policy = load.policy
    names = chosen_scanners(args.only, args.skip)
    if len(names) < len(SCANNERS):
        not_run = ", ".join(n for n in SCANNERS if n not in names) or "none"
        flag = "--only" if args.only else "--skip"
        workspace.notes.append(ScanNote(f"scanners not run ({flag}): {not_run}"))
        if not args.quiet:
            print(f"mergegate scan: not run ({flag}): {not_run}", file=sys.stderr)
    scanners = default_scanners(settings, names)
    started = dt.datetime.now(dt.UTC)
    if args.quiet or not sys.stderr.isatty():
        gate = run_gate(workspace, policy, settings, policy_source=load.source, scanners=scanners)
    else:
        with ScanProgress(sys.stderr, names) as progress:
            gate = run_gate(workspace, policy, settings, policy_source=load.source,
                            scanners=progress.wrap(scanners))
    verdict = judge_with_reports(gate, policy, reports_from_args(args), root=repo.root)
    verdict = dataclasses.replace(verdict, coverage=gate.verdict.coverage)
    if args.severity is not None:
        verdict = with_report_threshold(verdict, args.severity)
    if args.verbose:
        times = " · ".join(f"{name} {seconds:.1f} s" for name, seconds in gate.durations.items())
        print(f"mergegate scan: {times or 'no scanner ran'}", file=sys.stderr)
    if args.quiet:
        for err in verdict.errors:
            print(f"mergegate scan: {err.scanner}: {err.message}", file=sys.stderr)
    to_file = args.output is not None
    colour = use_colour(args.color, no_color=settings.no_color,
                        terminal=not to_file and sys.stdout.isatty())
    text = render(verdict, args.format, colour=colour, verbose=args.verbose, quiet=args.quiet,
                  started=started)
    if to_file:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--output {args.output}: {exc.strerror}") from None
        print(verdict_line(verdict) if args.quiet else verdict.summary, file=sys.stderr)
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
