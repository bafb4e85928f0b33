"""A repository's policy in force with the source of each key, from a stored scan."""

from __future__ import annotations

from typing import Any

import yaml

from mergegate.core.policy_merge import KeySource, policy_provenance
from mergegate.policy_file import parse_policy
from mergegate.service.verdicts import stored_policy
from mergegate.store.records import ScanRecord


def written_keys(text: str | None) -> frozenset[str]:
    """The dotted keys of the values a policy file writes (``block_on``,
    ``deploy.environments.production.region``, ...: the leaves, not the sections holding
    them); none for a file that does not parse (its errors are on the check already)."""
    if not text:
        return frozenset()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return frozenset()
    keys: set[str] = set()

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{prefix}{k}.")
        elif prefix:
            keys.add(prefix.rstrip("."))

    walk(data, "")
    return frozenset(keys)


def provenance(scan: ScanRecord) -> list[KeySource]:
    """Every key of the policy the scan was judged by and where it comes from; the `dismiss`
    keys come from the default branch's policy (what decides who may dismiss)."""
    loaded = stored_policy(scan)
    repo = parse_policy(scan.policy_text, scan.policy_source or ".mergegate.yml").policy \
        if scan.policy_text is not None else None
    org = parse_policy(scan.org_policy_text, "organization policy").policy \
        if scan.org_policy_text is not None else None
    enforce = org.enforce if org is not None else ()
    rows = policy_provenance(loaded.policy, repo, written_keys(scan.policy_text),
                             written_keys(scan.org_policy_text), enforce)
    authority_text = (scan.context.get("authority") or {}).get("text")
    authority = parse_policy(authority_text, ".mergegate.yml").policy \
        if authority_text is not None else None
    dismiss_rows = {r.key: r for r in policy_provenance(
        loaded.policy, authority, written_keys(authority_text),
        written_keys(scan.org_policy_text), enforce) if r.key.startswith("dismiss.")}
    return [dismiss_rows.get(r.key, r) for r in rows]
