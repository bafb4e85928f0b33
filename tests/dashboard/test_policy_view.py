"""Where each key of the policy in force comes from: the repository's file, the
organization's file, the organization's `enforce:` floor, or the defaults."""

from __future__ import annotations

from mergegate.core.policy_merge import merge_policies, policy_provenance
from mergegate.dashboard.policy_view import provenance, written_keys
from mergegate.policy_file import parse_policy
from mergegate.store.records import ScanRecord

ORG = "version: 1\nblock_on: medium\nsecrets: {enabled: true}\nenforce: [block_on, secrets.enabled]\n"
REPO = "version: 1\nblock_on: critical\nsecrets: {enabled: false}\nsast: {exclude_rules: [x]}\n"


def rows(repo_text: str | None, org_text: str | None) -> dict[str, str]:
    repo = parse_policy(repo_text).policy if repo_text else None
    org = parse_policy(org_text).policy if org_text else None
    merged, _ = merge_policies(org, repo)
    return {r.key: r.source for r in policy_provenance(
        merged, repo, written_keys(repo_text), written_keys(org_text),
        org.enforce if org else ())}


def test_enforced_keys_the_repository_weakens_come_from_enforce() -> None:
    sources = rows(REPO, ORG)
    assert sources["block_on"] == "enforce"
    assert sources["secrets.enabled"] == "enforce"
    assert sources["sast.exclude_rules"] == "repository"
    assert sources["licenses.deny"] == "default"
    assert "enforce" not in sources


def test_an_enforced_key_the_repository_sets_stricter_is_the_repositorys() -> None:
    sources = rows("version: 1\nblock_on: low\n", ORG)
    assert sources["block_on"] == "repository"


def test_without_a_repository_file_the_organization_policy_applies() -> None:
    sources = rows(None, "version: 1\nlicenses: {deny: [AGPL-3.0-only]}\n")
    assert sources["licenses.deny"] == "organization"
    assert sources["block_on"] == "default"
    assert set(rows(None, None).values()) == {"default"}


def test_dismiss_keys_come_from_the_default_branchs_policy() -> None:
    scan = ScanRecord(1, "github:a/b", "s" * 40, 1, "completed", "failure", None,
                      "version: 1\nblock_on: low\n", ".mergegate.yml", None,
                      {"authority": {"text": "version: 1\ndismiss: {max_days: 30}\n",
                                     "source": ".mergegate.yml"}})
    by_key = {r.key: r for r in provenance(scan)}
    assert (by_key["block_on"].value, by_key["block_on"].source) == ("low", "repository")
    assert (by_key["dismiss.max_days"].value, by_key["dismiss.max_days"].source) == \
        ("30", "repository")
    assert by_key["dismiss.allowed"].source == "default"


def test_written_keys_of_a_broken_file_are_none() -> None:
    assert written_keys("a: [") == frozenset()
    assert written_keys("block_on: low\ndeploy: {environments: {prod: {require_clean: true}}}") \
        == {"block_on", "deploy.environments.prod.require_clean"}
