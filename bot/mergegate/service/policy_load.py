"""The policy in force for a change: the base commit's file merged with the org policy."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from mergegate.core.policy import POLICY_PATHS, Policy
from mergegate.core.policy_merge import describe_policy_change, merge_policies
from mergegate.core.words import PULL_REQUEST, Words
from mergegate.forge.base import Forge, PolicyAnnotation, RepoRef
from mergegate.policy_file import PolicyError, parse_policy


@dataclass
class LoadedPolicy:
    policy: Policy
    source: str | None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    repo_text: str | None = None
    org_text: str | None = None
    org_source: str | None = None


def from_texts(
    repo_text: str | None, repo_source: str | None,
    org_text: str | None = None, org_source: str | None = None,
) -> LoadedPolicy:
    """Parse and merge; errors of either file make the check fail (never a crash)."""
    errors: list[str] = []
    repo_policy: Policy | None = None
    org_policy: Policy | None = None
    if repo_text is not None:
        load = parse_policy(repo_text, repo_source or POLICY_PATHS[0])
        errors += [str(e) for e in load.errors]
        repo_policy = load.policy
    if org_text is not None:
        load = parse_policy(org_text, org_source or "organization policy")
        errors += [str(e) for e in load.errors]
        org_policy = load.policy
    policy, notes = merge_policies(org_policy, repo_policy)
    source = repo_source if repo_text is not None else (org_source if org_text else None)
    return LoadedPolicy(policy, source, errors, notes, repo_text, org_text, org_source)


async def load_policy(forge: Forge, repo: RepoRef, ref: str) -> LoadedPolicy:
    repo_text: str | None = None
    repo_source: str | None = None
    for path in POLICY_PATHS:
        data = await forge.read_file(repo, path, ref)
        if data is not None:
            repo_text, repo_source = data.decode("utf-8", "replace"), path
            break
    org = await forge.read_org_policy(repo)
    return from_texts(repo_text, repo_source, org[0] if org else None, org[1] if org else None)


async def load_authority(
    forge: Forge, repo: RepoRef, base_ref: str, at_base: LoadedPolicy
) -> LoadedPolicy:
    """The policy that decides who may dismiss: the default branch's, merged with the org's.

    A pull request into any other branch is judged by that branch's policy, but a branch is
    something a contributor with write access can create with a `.mergegate.yml` of their
    choosing; who may dismiss must not be theirs to say. With no known default branch, the
    built-in defaults (merged with the organization policy) decide.
    """
    if repo.default_branch and repo.default_branch == base_ref:
        return at_base
    if not repo.default_branch:
        return from_texts(None, None, at_base.org_text, at_base.org_source)
    return await load_policy(forge, repo, repo.default_branch)


def with_authority(policy: Policy, authority: Policy) -> Policy:
    """``policy`` with its `dismiss` section taken from ``authority``."""
    return dataclasses.replace(policy, dismiss=authority.dismiss)


def review_policy_edit(
    current: LoadedPolicy, edited_text: str, path: str, words: Words = PULL_REQUEST,
) -> tuple[list[PolicyAnnotation], list[str]]:
    """Validate a policy file the change edits and say what merging it would change."""
    if not edited_text.strip() and current.repo_text is not None:
        org = from_texts(None, None, current.org_text, current.org_source).policy \
            if current.org_text else None
        after, _ = merge_policies(org, None)
        changes = describe_policy_change(current.policy, after)
        return [], [f"This {words.change} deletes or empties {path}; once merged the "
                    + ("organization policy" if org else "default policy") + " would apply"
                    + (":" if changes else " and nothing would change.")] + [
            f"  {c}" for c in changes]
    load = parse_policy(edited_text, path)
    if load.errors:
        annotations = [_annotation(e) for e in load.errors]
        notes = [f"This {words.change} edits {path}, and the new file has "
                 f"{len(load.errors)} error(s): see the annotations on {path}."]
        return annotations, notes
    org = from_texts(None, None, current.org_text, current.org_source).policy \
        if current.org_text else None
    after, _ = merge_policies(org, load.policy)
    changes = describe_policy_change(current.policy, after)
    if not changes:
        return [], [f"This {words.change} edits {path}; the policy in force would not change."]
    return [], [f"This {words.change} edits {path}; once merged the policy would change:"] + [
        f"  {c}" for c in changes
    ]


def _annotation(e: PolicyError) -> PolicyAnnotation:
    message = f"{e.key}: {e.message}" if e.key else e.message
    return PolicyAnnotation(e.path, e.line, e.column, message)
