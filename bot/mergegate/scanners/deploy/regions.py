"""Matching a region or zone name against the policy's `forbidden_regions`."""

from __future__ import annotations

import re

_ZONE_SUFFIX = re.compile(r"^-?[a-z]$")


def forbidden_region(value: str, forbidden: tuple[str, ...]) -> str | None:
    """The forbidden region `value` names, if any.

    Case-insensitive; a zone of a forbidden region counts too (``cn-north-1a``,
    ``europe-west3-b``), but a different region sharing a prefix does not (``us-east-10``).
    """
    v = value.strip().lower()
    for region in forbidden:
        r = region.strip().lower()
        if not r:
            continue
        if v == r or (v.startswith(r) and _ZONE_SUFFIX.match(v[len(r):])):
            return region
    return None
