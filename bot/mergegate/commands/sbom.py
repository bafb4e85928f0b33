"""`mergegate sbom [PATH]`: CycloneDX 1.6 JSON of the dependencies the lockfiles pin."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mergegate.commands.errors import UsageError
from mergegate.commands.scan import find_policy
from mergegate.config import ConfigError, local_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sbom = subparsers.add_parser(
        "sbom",
        help="write a CycloneDX SBOM of the dependencies found",
        description="Write CycloneDX 1.6 JSON of every package the lockfiles under PATH pin. "
        "Exit 0: written; 2: usage or configuration error, or (with --vulnerabilities) "
        "an unreachable advisory source.",
    )
    sbom.add_argument("path", nargs="?", default=".", help="the project folder (default: .)")
    sbom.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    sbom.add_argument(
        "--policy",
        metavar="FILE",
        help="policy whose licenses.packages overrides apply (default: PATH/.mergegate.yml)",
    )
    sbom.add_argument(
        "--vulnerabilities",
        action="store_true",
        help="add the advisories that affect the packages (OSV.dev or MERGEGATE_OSV_DB)",
    )
    sbom.add_argument(
        "--licenses-online",
        action="store_true",
        help="look up licenses the lockfiles do not carry on deps.dev (cached in the store)",
    )
    sbom.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"{args.path}: not a folder")
    try:
        settings = local_settings()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    load = find_policy(root, args.policy)
    if load.errors:
        more = f" (and {len(load.errors) - 1} more)" if len(load.errors) > 1 else ""
        raise UsageError(f"{load.errors[0]}{more}")
    # Imported here so that `mergegate` starts fast for the other commands.
    from mergegate.scan.sbom import build_bom, render_bom, repository_inventory, repository_workspace
    from mergegate.scanners.licenses import deps_dev_client
    from mergegate.scanners.licenses.scanner import resolve
    from mergegate.store.cache import optional_cache

    inventory = repository_inventory(root)
    for err in inventory.errors:
        print(f"mergegate: sbom: {err.message}", file=sys.stderr)
    client = (deps_dev_client(settings, lambda: optional_cache(settings.database_url))
              if args.licenses_online else None)
    pinned = [d for d in inventory.dependencies if d.version is not None]
    licenses = resolve(pinned, load.policy.licenses.packages, client, online_for=lambda _d: True)
    if client is not None and client.problem:
        print(f"mergegate: sbom: some licenses unknown: {client.problem}", file=sys.stderr)
    findings = []
    if args.vulnerabilities:
        from mergegate.scanners import dependencies

        result = dependencies.create(settings).scan(repository_workspace(root), load.policy)
        lockfile_errors = {e.message for e in inventory.errors}
        source_errors = [e for e in result.errors if e.message not in lockfile_errors]
        if source_errors:
            raise UsageError(f"advisories unavailable: {source_errors[0].message}")
        findings = result.findings
    bom = build_bom(inventory, root.resolve().name, licenses, findings)
    text = render_bom(bom)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--output {args.output}: {exc.strerror}") from None
        count = len(bom.components)
        print(f"{args.output}: {count} component{'' if count == 1 else 's'}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
