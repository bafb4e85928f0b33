"""`decide`: what approves a deployment. A required check passes when it completed as
success, neutral or skipped (as GitHub's branch protection counts them)."""

from __future__ import annotations

import pytest
from mergegate.core.policy import EnvironmentPolicy
from mergegate.service.deployments import PASSING, decide

SHA = "0123456789abcdef0123456789abcdef01234567"
ENV = EnvironmentPolicy(require_checks=("tests",), require_clean=True)


@pytest.mark.parametrize("conclusion", PASSING)
def test_a_required_check_that_completed_passing_approves(conclusion: str) -> None:
    d = decide(SHA, "production", ENV, "success", "No blocking findings",
               {"tests": ("completed", conclusion)})
    assert d.state == "approved"
    assert d.comment == ("MergeGate approved deployment to production: the MergeGate verdict "
                         "for 0123456 is success; required checks passed: tests.")


@pytest.mark.parametrize(("status", "conclusion", "says"), [
    ("completed", "failure", "required check 'tests' is completed (failure) on 0123456"),
    ("completed", "cancelled", "required check 'tests' is completed (cancelled) on 0123456"),
    ("completed", "timed_out", "required check 'tests' is completed (timed_out) on 0123456"),
    ("in_progress", None, "required check 'tests' is in_progress on 0123456"),
    ("missing", None, "required check 'tests' has not run on 0123456"),
])
def test_anything_else_rejects(status: str, conclusion: str | None, says: str) -> None:
    checks = {} if status == "missing" else {"tests": (status, conclusion)}
    d = decide(SHA, "production", ENV, "success", "No blocking findings", checks)
    assert d.state == "rejected" and says in d.comment


def test_a_verdict_that_is_not_clean_rejects_and_no_verdict_too() -> None:
    ok = {"tests": ("completed", "success")}
    d = decide(SHA, "staging", ENV, "failure", "2 blocking findings", ok)
    assert d.state == "rejected"
    assert "the MergeGate verdict for 0123456 is failure (2 blocking findings)" in d.comment
    assert decide(SHA, "staging", ENV, None, "", ok).comment.startswith(
        "MergeGate rejected deployment to staging: MergeGate has no verdict for 0123456")
