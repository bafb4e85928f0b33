"""The `licenses` scanner: SPDX license policy over the packages lockfiles pin."""

from __future__ import annotations

from mergegate.config import Settings
from mergegate.scanners.base import Scanner
from mergegate.scanners.licenses.deps_dev import DepsDev
from mergegate.scanners.licenses.scanner import LicenseScanner


def deps_dev_client(settings: Settings) -> DepsDev:
    """deps.dev with the store's cache. With an offline advisory database
    (`MERGEGATE_OSV_DB`) the scan is offline: deps.dev and its cache are not used."""
    if settings.osv_db is not None:
        return DepsDev(settings.deps_dev_url, None, online=False)
    from mergegate.store.cache import optional_cache

    return DepsDev(settings.deps_dev_url, optional_cache(settings.database_url))


def create(settings: Settings) -> Scanner:
    return LicenseScanner(lambda: deps_dev_client(settings))


__all__ = ["LicenseScanner", "create", "deps_dev_client"]
