"""Organization policy + repository policy, and what a policy edit would change. Pure.

The organization policy (the org's `.github` repository, `mergegate/policy.yml`) applies to a
repository that has no policy file of its own. Its `enforce:` keys (dotted paths) are a floor:
where the repository's value is weaker, the organization's value wins and a note says so.
"Weaker" is per key: a higher or `never` threshold, a disabled scanner, more ignored paths,
a broader `dismiss.allowed`, a longer `max_days`, fewer denied licenses, and so on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from mergegate.core.findings import Severity
from mergegate.core.policy import (
    POD_SECURITY_LEVELS,
    DismissPolicy,
    EnvironmentPolicy,
    ExternalToolPolicy,
    Policy,
    Threshold,
    threshold_label,
)

_ERROR_MODES = ("pass", "neutral", "fail")  # weakest first
_UNSCANNED_MODES = ("warn", "fail")
_UNKNOWN_MODES = ("allow", "warn", "block")
_RISK = (None, "high", "medium", "low")  # weakest first: block_at low blocks the most


def _attr_path(key: str) -> tuple[str, ...]:
    return ("paths_ignore",) if key == "paths.ignore" else tuple(key.split("."))


def get_key(policy: Policy, key: str) -> Any:
    """The value of a dotted policy key (``paths.ignore``, ``sast.block_on``, ...)."""
    value: Any = policy
    for part in _attr_path(key):
        value = getattr(value, part)
    return value


def set_key(policy: Policy, key: str, value: Any) -> Policy:
    """A copy of the policy with one dotted key replaced."""
    parts = _attr_path(key)

    def put(obj: Any, i: int) -> Any:
        if i == len(parts) - 1:
            return dataclasses.replace(obj, **{parts[i]: value})
        return dataclasses.replace(obj, **{parts[i]: put(getattr(obj, parts[i]), i + 1)})

    return put(policy, 0)  # type: ignore[no-any-return]


def _threshold_rank(t: Threshold) -> int:
    return 99 if t is None else int(t)  # higher rank = weaker (fewer findings block)


def _stricter_threshold(org: Threshold, repo: Threshold) -> Threshold:
    return org if _threshold_rank(org) < _threshold_rank(repo) else repo


def _stricter_allow(org: tuple[Any, ...] | None, repo: tuple[Any, ...] | None) -> Any:
    """For allow-lists where None means "anything": the intersection."""
    if org is None:
        return repo
    if repo is None:
        return org
    return tuple(v for v in repo if v in org)


def _union(org: tuple[Any, ...], repo: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys((*org, *repo)))


def _ordered(order: tuple[Any, ...]) -> Callable[[Any, Any], Any]:
    return lambda org, repo: org if order.index(org) > order.index(repo) else repo


def _dismiss(org: DismissPolicy, repo: DismissPolicy) -> DismissPolicy:
    return DismissPolicy(
        allowed=tuple(a for a in repo.allowed if a in org.allowed) or org.allowed,
        require_reason=org.require_reason or repo.require_reason,
        max_days=min(org.max_days, repo.max_days),
        self_dismiss=org.self_dismiss and repo.self_dismiss,
    )


def _environments(
    org: Mapping[str, EnvironmentPolicy], repo: Mapping[str, EnvironmentPolicy]
) -> dict[str, EnvironmentPolicy]:
    merged = dict(repo)
    for name, o in org.items():
        r = repo.get(name)
        if r is None:
            merged[name] = o
            continue
        merged[name] = EnvironmentPolicy(
            require_checks=_union(o.require_checks, r.require_checks),
            require_clean=o.require_clean or r.require_clean,
            region=o.region or r.region,
        )
    return merged


def _stricter(key: str) -> Callable[[Any, Any], Any]:
    """How to combine the org's and the repo's value of an enforced key (org first)."""
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "block_on":
        return _stricter_threshold
    if leaf == "enabled" or key in ("dismiss.require_reason",):
        return lambda org, repo: bool(org or repo)
    if key == "new_findings_only":
        return lambda org, repo: bool(org and repo)
    if key == "on_scanner_error":
        return _ordered(_ERROR_MODES)
    if key == "on_unscanned":
        return _ordered(_UNSCANNED_MODES)
    if key == "deploy.pod_security":
        return _ordered(POD_SECURITY_LEVELS)  # weakest first: the stricter level wins
    if key == "licenses.unknown":
        return _ordered(_UNKNOWN_MODES)
    if key == "risk.block_at":
        return _ordered(_RISK)
    if key in ("licenses.allow", "deploy.allowed_ports", "deploy.allowed_registries"):
        return _stricter_allow
    if key in ("licenses.deny", "deploy.forbidden_regions"):
        return _union
    if key in ("deploy.allow_latest", "deploy.allow_mutable_tags"):
        return lambda org, repo: bool(org and repo)
    if key == "dismiss":
        return _dismiss
    if key == "deploy.environments":
        return _environments
    return lambda org, repo: org  # paths.ignore, dependencies.ignore, licenses.packages, ...


def _effective(policy: Policy, key: str) -> Any:
    """A scanner's `block_on` of "inherit" means the global threshold."""
    value = get_key(policy, key)
    if key.endswith(".block_on") and value == "inherit":
        return policy.block_on
    return value


def merge_policies(org: Policy | None, repo: Policy | None) -> tuple[Policy, list[str]]:
    """The policy in force and a note for every enforced key the repository tried to weaken."""
    if org is None:
        return (repo or Policy()), []
    if repo is None:
        return org, []
    merged = repo
    notes: list[str] = []
    for key in org.enforce:
        org_value = _effective(org, key)
        repo_value = _effective(repo, key)
        value = _stricter(key)(org_value, repo_value)
        if value != repo_value:
            notes.append(
                f"{key}: the organization policy enforces {describe_value(value)} "
                f"(this repository sets {describe_value(repo_value)})"
            )
        merged = set_key(merged, key, value)
    merged = _enforce_external_tools(merged, org.enforce, notes)
    return dataclasses.replace(merged, enforce=org.enforce), notes


def _enforce_external_tools(policy: Policy, enforce: tuple[str, ...], notes: list[str]) -> Policy:
    """An enforced `external.block_on`/`external.enabled` also holds for each tool's override:
    `external.tools.<tool>` cannot lift the floor the organization set."""
    floor = policy.external.block_on if "external.block_on" in enforce else "inherit"
    keep_on = "external.enabled" in enforce and policy.external.enabled
    tools: dict[str, ExternalToolPolicy] = {}
    for name, tool in policy.external.tools.items():
        new = tool
        if not isinstance(floor, str) and not isinstance(tool.block_on, str):
            stricter = _stricter_threshold(floor, tool.block_on)
            if stricter != tool.block_on:
                notes.append(f"external.tools.{name}.block_on: the organization policy enforces "
                             f"external.block_on {describe_value(stricter)} (this repository "
                             f"sets {describe_value(tool.block_on)})")
                new = dataclasses.replace(new, block_on=stricter)
        if keep_on and not tool.enabled:
            notes.append(f"external.tools.{name}.enabled: the organization policy enforces "
                         "external.enabled true (this repository sets false)")
            new = dataclasses.replace(new, enabled=True)
        tools[name] = new
    if tools == dict(policy.external.tools):
        return policy
    return set_key(policy, "external.tools", tools)


def describe_value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, Severity):
        return threshold_label(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(describe_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {describe_value(v)}" for k, v in value.items()) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return "{" + ", ".join(
            f"{f.name}: {describe_value(getattr(value, f.name))}" for f in fields
        ) + "}"
    return str(value)


def _walk(value: Any, prefix: str) -> dict[str, Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            name = "paths.ignore" if f.name == "paths_ignore" else f.name
            out.update(_walk(getattr(value, f.name), f"{prefix}{name}."))
        return out
    return {prefix.rstrip("."): value}


def describe_policy_change(old: Policy, new: Policy) -> list[str]:
    """One line per key whose value differs, as ``key: old → new``, in key order."""
    before, after = _walk(old, ""), _walk(new, "")
    lines = []
    for key in sorted(before):
        if before[key] != after[key]:
            lines.append(f"{key}: {describe_value(before[key])} → {describe_value(after[key])}")
    return lines


@dataclasses.dataclass(frozen=True, slots=True)
class KeySource:
    """One key of the policy in force, its value as text, and where the value comes from:
    ``repository`` (the repository's file), ``organization`` (the organization's file, which
    applies to a repository without one), ``enforce`` (the organization's `enforce:` floor,
    stricter than what the repository says) or ``default`` (no file sets it)."""

    key: str
    value: str
    source: str


def _sets(written: frozenset[str], key: str) -> bool:
    """Whether a file whose dotted leaf keys are ``written`` sets the policy key ``key``
    (itself, or an entry inside it such as ``deploy.environments.production.region``)."""
    return any(w == key or w.startswith(key + ".") for w in written)


def policy_provenance(
    in_force: Policy, repo: Policy | None, repo_keys: frozenset[str],
    org_keys: frozenset[str], enforce: tuple[str, ...] = (),
) -> list[KeySource]:
    """Where each key of ``in_force`` (the merged policy) comes from, in key order.

    ``repo`` is the repository's own policy (None without a file); ``repo_keys`` and
    ``org_keys`` are the dotted keys each file writes; ``enforce`` is the organization's list.
    """
    rows: list[KeySource] = []
    own = _walk(repo, "") if repo is not None else {}
    for key, value in sorted(_walk(in_force, "").items()):
        if key == "enforce":
            continue
        enforced = any(key == e or key.startswith(e + ".") for e in enforce)
        if enforced and (repo is None or own.get(key) != value or not _sets(repo_keys, key)):
            source = "enforce"
        elif repo is not None:
            source = "repository" if _sets(repo_keys, key) else "default"
        else:
            source = "organization" if _sets(org_keys, key) else "default"
        rows.append(KeySource(key, describe_value(value), source))
    return rows
