"""`mergegate db update [--ecosystem E...]`: OSV.dev's advisory archives into the cache, so
that scans need no network for those ecosystems (and `scan --offline` works)."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from mergegate.commands.errors import UsageError
from mergegate.config import ConfigError, Settings
from mergegate.scanners.dependencies.model import ECOSYSTEMS

_CLEAR = "\r\x1b[K"


def _ecosystem(raw: str) -> str:
    by_lower = {e.lower(): e for e in ECOSYSTEMS}
    found = by_lower.get(raw.strip().lower())
    if found is None:
        raise argparse.ArgumentTypeError(
            f"unknown ecosystem {raw!r} (choose from {', '.join(ECOSYSTEMS)})")
    return found


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = subparsers.add_parser("db", help="the offline advisory database",
                               description="Manage the OSV advisories kept in the cache.")
    db_sub = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    update = db_sub.add_parser(
        "update",
        help="download OSV's advisory archives into the cache",
        description="Download OSV.dev's advisory archive of each ecosystem into "
        "$XDG_CACHE_HOME/mergegate/osv. Scans then read those ecosystems' advisories from it "
        "without network; `mergegate scan --offline` uses nothing else. Honours HTTPS_PROXY "
        "and MERGEGATE_CA_BUNDLE; MERGEGATE_OSV_ARCHIVE_URL points it at a mirror.",
    )
    update.add_argument("--ecosystem", type=_ecosystem, action="append", metavar="E",
                        help=f"only this ecosystem (repeatable; default: all of {', '.join(ECOSYSTEMS)})")
    update.set_defaults(func=run_update)


class _Progress:
    """Bytes downloaded so far, on one line of stderr rewritten in place (a terminal only)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, ecosystem: str, done: int, total: int | None) -> None:
        of = f" of {total / 1e6:.1f}" if total else ""
        self.stream.write(f"{_CLEAR}mergegate: downloading {ecosystem}: {done / 1e6:.1f}{of} MB")
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write(_CLEAR)
        self.stream.flush()


def run_update(args: argparse.Namespace) -> int:
    # Imported here, not at the top: every `mergegate` command builds this parser, and the
    # archives bring aiohttp (a tenth of a second at start-up that `mergegate scan` never needs).
    import asyncio

    from mergegate.scanners.dependencies import osv_archives
    from mergegate.scanners.dependencies.osv_offline import OfflineOsv
    from mergegate.scanners.dependencies.sources import SourceError

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    ecosystems = list(dict.fromkeys(args.ecosystem or ECOSYSTEMS))
    root = osv_archives.cache_root(settings.cache_dir)
    progress = _Progress(sys.stderr) if sys.stderr.isatty() else None
    failed = 0
    for ecosystem in ecosystems:
        try:
            got = asyncio.run(osv_archives.download(
                ecosystem, settings.osv_archive_url, root, ca_bundle=settings.ca_bundle,
                progress=progress))
        except osv_archives.ArchiveError as exc:
            failed += 1
            if progress is not None:
                progress.clear()
            print(f"mergegate db update: {ecosystem}: {exc}", file=sys.stderr)
            continue
        if progress is not None:
            progress.clear()
        print(f"{ecosystem}: {got.advisories:,} advisories ({got.size / 1e6:.1f} MB)")
    if failed < len(ecosystems):
        try:
            OfflineOsv(root).ensure_index()  # built now, so that the next scan starts at once
        except SourceError as exc:
            print(f"mergegate db update: {exc}", file=sys.stderr)
            return 1
        print(f"advisories cached in {root}")
    if failed:
        print("mergegate db update: the archives that failed were left as they were. Behind a "
              "proxy, set HTTPS_PROXY (and MERGEGATE_CA_BUNDLE if it presents its own CA).",
              file=sys.stderr)
        return 1
    return 0
