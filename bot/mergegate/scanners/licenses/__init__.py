"""The `licenses` scanner: SPDX license policy over the packages lockfiles pin."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mergegate.config import Settings
from mergegate.scanners.base import ResponseCache, Scanner
from mergegate.scanners.licenses.scanner import LicenseScanner

if TYPE_CHECKING:
    from mergegate.scanners.licenses.deps_dev import DepsDev


def deps_dev_client(settings: Settings,
                    cache: Callable[[], ResponseCache | None] = lambda: None) -> DepsDev:
    """deps.dev with the cache it is given. With an offline advisory database
    (`MERGEGATE_OSV_DB`) or `scan --offline` the scan is offline: deps.dev and its cache are
    not used. (Made when the scanner first has packages to look up.)"""
    from mergegate.scanners.licenses.deps_dev import DepsDev

    if settings.osv_db is not None or settings.offline:
        return DepsDev(settings.deps_dev_url, None, online=False)
    return DepsDev(settings.deps_dev_url, cache(), ca_bundle=settings.ca_bundle)


def create(settings: Settings,
           cache: Callable[[], ResponseCache | None] = lambda: None) -> Scanner:
    return LicenseScanner(lambda: deps_dev_client(settings, cache))


__all__ = ["LicenseScanner", "create", "deps_dev_client"]
