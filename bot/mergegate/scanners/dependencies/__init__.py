"""The `dependencies` scanner: known vulnerabilities (OSV) in the packages lockfiles pin.

`create(settings)` chooses the advisory source: the offline database `settings.osv_db` when
set; else the archives `mergegate db update` downloaded into the cache for their ecosystems,
and the OSV.dev API at `settings.osv_url` (responses kept in the cache it is given) for the
others, unless `settings.offline`.

Loading this package imports no parser, version scheme or HTTP client: the inventory a gate
reads for its coverage line, and a scan of a change without a lockfile, need none of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mergegate.config import Settings
from mergegate.scanners.base import ResponseCache, Scanner

if TYPE_CHECKING:
    from mergegate.scanners.dependencies.lookup import Source
    from mergegate.scanners.dependencies.sources import AdvisorySource

_OFFLINE: dict[tuple[Path, Path], AdvisorySource] = {}
_OFFLINE_LOCK = threading.Lock()


def offline_source(db: Path) -> AdvisorySource:
    """One OfflineOsv per database and index folder in a process, so that a worker keeps
    the advisories it has read in memory from one scan to the next."""
    from mergegate.scanners.dependencies.osv_offline import OfflineOsv, default_index_dir

    key = (db.resolve(), default_index_dir())
    with _OFFLINE_LOCK:
        if key not in _OFFLINE:
            _OFFLINE[key] = OfflineOsv(db, key[1])
        return _OFFLINE[key]


CacheFactory = Callable[[], ResponseCache | None]


def advisory_source(settings: Settings, cache: CacheFactory = lambda: None) -> Source:
    # Imported here: the archives module brings aiohttp, which a change without a lockfile
    # (the scanner builds its source only once it has packages to look up) never needs.
    from mergegate.scanners.dependencies import osv_archives
    from mergegate.scanners.dependencies.routing import RoutedSource

    if settings.osv_db is not None:
        return offline_source(settings.osv_db)
    root = osv_archives.cache_root(settings.cache_dir)
    cached = osv_archives.cached_ecosystems(root)
    online: AdvisorySource | None = None
    if not settings.offline:
        from mergegate.scanners.dependencies.osv_api import OsvApi

        online = OsvApi(settings.osv_url, cache=cache(), ca_bundle=settings.ca_bundle)
        if not cached:
            return online
    return RoutedSource(offline_source(root) if cached else None, frozenset(cached), online,
                        osv_archives.stale(cached))


def create(settings: Settings, cache: CacheFactory = lambda: None) -> Scanner:
    from mergegate.scanners.dependencies.scanner import DependencyScanner

    return DependencyScanner(lambda: advisory_source(settings, cache))


__all__ = ["advisory_source", "create", "offline_source"]
