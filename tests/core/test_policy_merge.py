"""Organization policy enforcement and policy-change descriptions."""

from __future__ import annotations

from mergegate.core.findings import Severity
from mergegate.core.policy import DismissPolicy, Policy, SecretsPolicy
from mergegate.core.policy_merge import describe_policy_change, merge_policies


def test_enforced_keys_cannot_be_weakened() -> None:
    org = Policy(
        block_on=Severity.MEDIUM,
        secrets=SecretsPolicy(enabled=True),
        dismiss=DismissPolicy(allowed=("admin",), max_days=30),
        enforce=("block_on", "secrets.enabled", "dismiss"),
    )
    repo = Policy(
        block_on=None,
        secrets=SecretsPolicy(enabled=False),
        dismiss=DismissPolicy(allowed=("write", "admin"), max_days=365, self_dismiss=True),
        new_findings_only=False,
    )
    merged, notes = merge_policies(org, repo)
    assert merged.block_on == Severity.MEDIUM
    assert merged.secrets.enabled is True
    assert merged.dismiss == DismissPolicy(allowed=("admin",), max_days=30, self_dismiss=False)
    assert merged.new_findings_only is False  # not enforced: the repository's choice stands
    assert notes[0] == "block_on: the organization policy enforces medium (this repository sets none)"
    assert len(notes) == 3


def test_stricter_repo_values_stay_and_no_repo_policy_means_org() -> None:
    org = Policy(block_on=Severity.HIGH, enforce=("block_on",))
    repo = Policy(block_on=Severity.LOW)
    merged, notes = merge_policies(org, repo)
    assert merged.block_on == Severity.LOW and notes == []
    assert merge_policies(org, None) == (org, [])
    assert merge_policies(None, None) == (Policy(), [])


def test_scanner_threshold_inherit_is_resolved() -> None:
    org = Policy(block_on=Severity.MEDIUM, enforce=("sast.block_on",))
    merged, notes = merge_policies(org, Policy(block_on=Severity.CRITICAL))
    assert merged.threshold_for("sast") == Severity.MEDIUM
    assert notes == [
        "sast.block_on: the organization policy enforces medium (this repository sets critical)"
    ]


def test_describe_policy_change() -> None:
    old = Policy()
    new = Policy(block_on=Severity.CRITICAL, paths_ignore=("vendor/**",))
    assert describe_policy_change(old, new) == [
        "block_on: high → critical",
        "paths.ignore: [] → [vendor/**]",
    ]
    assert describe_policy_change(old, old) == []


def test_enforced_pod_security_and_on_unscanned_keep_the_stricter_value() -> None:
    from mergegate.core.policy import DeployPolicy

    org = Policy(deploy=DeployPolicy(pod_security="restricted"), on_unscanned="fail",
                 enforce=("deploy.pod_security", "on_unscanned"))
    weaker = Policy(deploy=DeployPolicy(pod_security="privileged"), on_unscanned="warn")
    merged, notes = merge_policies(org, weaker)
    assert merged.deploy.pod_security == "restricted" and merged.on_unscanned == "fail"
    assert len(notes) == 2
    org_baseline = Policy(deploy=DeployPolicy(pod_security="baseline"),
                          enforce=("deploy.pod_security",))
    stricter = Policy(deploy=DeployPolicy(pod_security="restricted"))
    assert merge_policies(org_baseline, stricter)[0].deploy.pod_security == "restricted"
