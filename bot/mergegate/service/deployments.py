"""Deployment gates: approve or reject a deployment of a commit to an environment.

The commit's stored verdict (re-judged under today's dismissals; scanned first when there is
none and a pull request names the commit) and the environment's policy decide:
`require_clean` needs a success verdict; `require_checks` need every named check completed
on that commit with a passing conclusion (`PASSING`). The decision and its reason go to the
forge and the audit log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mergegate.core.policy import EnvironmentPolicy
from mergegate.forge.base import ChangeRef, DeploymentRequest, DeploymentState, Forge
from mergegate.service.context import Service
from mergegate.service.verdicts import scan_change, stored_policy, stored_report

log = logging.getLogger(__name__)
# A required check passes when it completed as success, neutral or skipped: what GitHub's
# branch protection accepts for a required check (a skipped job's check did not fail, and a
# neutral one chose not to judge). Failure, cancelled, timed_out, action_required and stale
# reject, as does a check still queued or in progress, or one that never ran.
PASSING = ("success", "neutral", "skipped")


@dataclass(frozen=True)
class Decision:
    state: DeploymentState
    comment: str


def decide(
    sha: str, environment: str, env: EnvironmentPolicy, conclusion: str | None, title: str,
    checks: dict[str, tuple[str, str | None]],
) -> Decision:
    """Pure: the decision from the verdict and the required checks' (status, conclusion)."""
    short = sha[:7]
    problems: list[str] = []
    if conclusion is None:
        problems.append(f"MergeGate has no verdict for {short}")
    elif env.require_clean and conclusion != "success":
        problems.append(f"the MergeGate verdict for {short} is {conclusion} ({title})")
    for name in env.require_checks:
        status, result = checks.get(name, ("missing", None))
        if status == "missing":
            problems.append(f"required check '{name}' has not run on {short}")
        elif status != "completed" or result not in PASSING:
            problems.append(
                f"required check '{name}' is {status}"
                + (f" ({result})" if result else "") + f" on {short}"
            )
    if problems:
        return Decision("rejected", f"MergeGate rejected deployment to {environment}: "
                        + "; ".join(problems) + ".")
    parts = [f"the MergeGate verdict for {short} is {conclusion}"]
    if env.require_checks:
        parts.append("required checks passed: " + ", ".join(env.require_checks))
    return Decision("approved", f"MergeGate approved deployment to {environment}: "
                    + "; ".join(parts) + ".")


async def handle_deployment(
    service: Service, forge: Forge, request: DeploymentRequest
) -> Decision:
    records = service.store.records
    scan = await service.db(records.scan_for, request.repo.key, request.sha)
    if (scan is None or scan.status != "completed") and request.pull_numbers:
        change: ChangeRef = await forge.get_change(request.repo, request.pull_numbers[0])
        if change.head_sha == request.sha:
            await scan_change(service, forge, change)
            scan = await service.db(records.scan_for, request.repo.key, request.sha)
    conclusion: str | None = None
    title = ""
    env = EnvironmentPolicy()
    if scan is not None and scan.status == "completed":
        report = await stored_report(service, scan)
        conclusion, title = report.verdict.conclusion, report.verdict.title
        env = stored_policy(scan).policy.deploy.environment(request.environment)
    checks: dict[str, tuple[str, str | None]] = {}
    if env.require_checks:
        for c in await forge.checks_on(request.repo, request.sha):
            if c.name not in checks or c.status == "completed":
                checks[c.name] = (c.status, c.conclusion)
    decision = decide(request.sha, request.environment, env, conclusion, title, checks)
    await forge.decide_deployment(request, decision.state, decision.comment)
    await service.db(records.audit, request.repo.key, "deployment", "mergegate",
                     f"{request.environment}@{request.sha}",
                     f"{decision.state}: {decision.comment}", None)
    return decision
