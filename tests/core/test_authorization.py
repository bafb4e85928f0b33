"""Who may dismiss, self-dismissal, reasons and expiry."""

from __future__ import annotations

import datetime as dt

from mergegate.core.authorization import (
    Actor,
    dismissal_expiry,
    may_dismiss,
    refuse_actor,
    refuse_self_dismissal,
)
from mergegate.core.policy import DismissPolicy

TODAY = dt.date(2026, 11, 26)


def test_roles_are_minimums_and_groups_and_logins_count() -> None:
    allowed = ("maintain", "@acme/security", "carol")
    assert may_dismiss(Actor("a", "admin"), allowed)
    assert may_dismiss(Actor("m", "maintain"), allowed)
    assert not may_dismiss(Actor("w", "write"), allowed)
    assert may_dismiss(Actor("w", "write", frozenset({"@ACME/security"})), allowed)
    assert may_dismiss(Actor("Carol", "read"), allowed)
    assert not may_dismiss(Actor("x", None), allowed)


def test_refusal_messages() -> None:
    policy = DismissPolicy()
    assert refuse_actor(Actor("bob", "read"), policy) == (
        "@bob is not allowed to dismiss findings in this repository: "
        "dismiss.allowed is maintain, admin and @bob has read"
    )
    assert refuse_actor(Actor("eve", None), policy, "undismiss") == (
        "@eve is not allowed to undismiss findings in this repository: "
        "dismiss.allowed is maintain, admin and @eve has no permission"
    )
    author = Actor("alice", "admin", is_change_author=True)
    assert refuse_actor(author, policy) is None
    assert refuse_self_dismissal(author, policy, ["mg-bbbbbbbb", "mg-aaaaaaaa"]) == (
        "@alice opened this pull request and cannot dismiss its blocking findings "
        "(dismiss.self_dismiss is false): mg-aaaaaaaa, mg-bbbbbbbb"
    )
    assert refuse_self_dismissal(author, policy, []) is None
    assert refuse_self_dismissal(author, DismissPolicy(self_dismiss=True), ["mg-aaaaaaaa"]) is None


def test_expiry_rules() -> None:
    policy = DismissPolicy(max_days=30)
    assert dismissal_expiry(policy, None, "ok", TODAY) == (dt.date(2026, 12, 26), None)
    assert dismissal_expiry(policy, dt.date(2026, 12, 1), "ok", TODAY) == (dt.date(2026, 12, 1), None)
    assert dismissal_expiry(policy, dt.date(2027, 1, 1), "ok", TODAY) == (
        None,
        "until 2027-01-01 is more than 30 days away (dismiss.max_days); "
        "pick a date on or before 2026-12-26",
    )
    assert dismissal_expiry(policy, dt.date(2026, 1, 1), "ok", TODAY) == (
        None, "until 2026-01-01 is in the past"
    )
    _, err = dismissal_expiry(policy, None, "  ", TODAY)
    assert err is not None and err.startswith("dismiss needs a few words saying why")
    assert dismissal_expiry(DismissPolicy(require_reason=False), None, "", TODAY)[1] is None
