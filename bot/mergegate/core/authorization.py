"""Who may dismiss what, for how long. Pure: the forge facts come in as values.

`dismiss.allowed` entries are roles (``read < triage < write < maintain < admin``; a role entry
admits that role and every higher one), groups (``@org/team``) or user logins. The service
resolves the commenter's role and group memberships through the forge and passes them here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from mergegate.core.policy import ROLES, DismissPolicy
from mergegate.core.verdict import Dismissal
from mergegate.core.words import PULL_REQUEST, Words


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind a command, as the forge describes them."""

    login: str
    role: str | None  # one of ROLES, or None when the forge gives no permission
    groups: frozenset[str] = frozenset()  # the `@org/team` entries of `allowed` they belong to
    is_change_author: bool = False


def group_entries(allowed: Iterable[str]) -> list[str]:
    """The ``@group`` entries of `dismiss.allowed` (memberships the service must look up)."""
    return [a for a in allowed if a.startswith("@")]


def _role_rank(role: str | None) -> int:
    return ROLES.index(role) if role in ROLES else -1


def may_dismiss(actor: Actor, allowed: Iterable[str]) -> bool:
    """Whether the actor's role, groups or login appear in `dismiss.allowed`."""
    rank = _role_rank(actor.role)
    for entry in allowed:
        low = entry.lower()
        if low in ROLES:
            if rank >= ROLES.index(low):
                return True
        elif entry.startswith("@"):
            if low in {g.lower() for g in actor.groups}:
                return True
        elif low == actor.login.lower():
            return True
    return False


def refuse_actor(actor: Actor, policy: DismissPolicy, verb: str = "dismiss") -> str | None:
    """An error message when the actor may not use ``verb`` at all, else None."""
    if may_dismiss(actor, policy.allowed):
        return None
    has = actor.role or "no permission"
    return (
        f"@{actor.login} is not allowed to {verb} findings in this repository: "
        f"dismiss.allowed is {', '.join(policy.allowed)} and @{actor.login} has {has}"
    )


def refuse_self_dismissal(
    actor: Actor, policy: DismissPolicy, blocking_ids: Iterable[str],
    words: Words = PULL_REQUEST,
) -> str | None:
    """`self_dismiss: false` stops a change's author dismissing its blocking findings."""
    ids = sorted(set(blocking_ids))
    if policy.self_dismiss or not actor.is_change_author or not ids:
        return None
    return (
        f"@{actor.login} opened this {words.change} and cannot dismiss its blocking findings "
        f"(dismiss.self_dismiss is false): {', '.join(ids)}"
    )


def applicable_dismissals(
    dismissals: Iterable[Dismissal], policy: DismissPolicy, change_author: str
) -> list[Dismissal]:
    """The dismissals that count for one change.

    Dismissals are stored per repository, by fingerprint; one made on another change (perhaps
    into a branch whose policy lets anyone dismiss) counts here only when its author, with the
    role and groups recorded at the time, would be allowed by this change's `dismiss` policy,
    and never for a change its author opened when `self_dismiss` is false.
    """
    kept: list[Dismissal] = []
    for d in dismissals:
        actor = Actor(d.by, d.role, frozenset(d.groups))
        if not may_dismiss(actor, policy.allowed):
            continue
        if not policy.self_dismiss and d.by.lower() == change_author.lower():
            continue
        kept.append(d)
    return kept


def dismissal_expiry(
    policy: DismissPolicy, until: dt.date | None, text: str, today: dt.date
) -> tuple[dt.date | None, str | None]:
    """The dismissal's last day (``until`` or today + max_days) or an error message.

    ``require_reason`` asks for words of explanation after the reason keyword.
    """
    if policy.require_reason and not text.strip():
        return None, (
            "dismiss needs a few words saying why after the reason "
            "(dismiss.require_reason is true), e.g. "
            "`/mergegate dismiss mg-1234abcd false-positive the query is built from constants`"
        )
    latest = today + dt.timedelta(days=policy.max_days) if policy.max_days > 0 else None
    if until is None:
        return latest, None
    if until < today:
        return None, f"until {until.isoformat()} is in the past"
    if latest is not None and until > latest:
        return None, (
            f"until {until.isoformat()} is more than {policy.max_days} days away "
            f"(dismiss.max_days); pick a date on or before {latest.isoformat()}"
        )
    return until, None
