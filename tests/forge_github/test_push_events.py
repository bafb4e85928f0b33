"""`push` translation: a repository's own policy, and the organization policy in `.github`."""

from __future__ import annotations

from typing import Any

from mergegate.forge.base import Ignore, PolicyEdit, RepoRef, RescanInstallation, RescanOpen
from mergegate.forge.github.events import translate


def push(repo: str, paths: list[str], ref: str = "refs/heads/main") -> dict[str, Any]:
    owner, name = repo.split("/")
    return {
        "ref": ref, "commits": [{"id": "1" * 40, "added": [], "removed": [], "modified": paths}],
        "repository": {"full_name": repo, "name": name, "default_branch": "main",
                       "owner": {"login": owner}},
        "installation": {"id": 42}, "after": "2" * 40,
        "pusher": {"name": "octo-admin", "email": "admin@example.com"},
        "sender": {"login": "octo-bot"}, "compare": f"https://github.com/{repo}/compare/a...b",
    }


ORG_REPO = RepoRef("github", "acme/.github", "42", default_branch="main")


def test_the_org_policy_in_dot_github_re_evaluates_the_installation() -> None:
    assert translate("push", push("acme/.github", ["mergegate/policy.yml"])) == [
        RescanInstallation(ORG_REPO, "the organization policy changed "
                                     "(acme/.github:mergegate/policy.yml)",
                           PolicyEdit("octo-admin", "2" * 40, ("mergegate/policy.yml",),
                                      "https://github.com/acme/.github/compare/a...b"))]


def test_the_pusher_is_the_actor_else_the_sender() -> None:
    data = push("acme/app", [".mergegate.yml", "README.md"])
    [rescan] = translate("push", data)
    assert isinstance(rescan, RescanOpen) and rescan.edit is not None
    assert (rescan.edit.actor, rescan.edit.paths) == ("octo-admin", (".mergegate.yml",))
    del data["pusher"]
    [rescan] = translate("push", data)
    assert isinstance(rescan, RescanOpen) and rescan.edit is not None
    assert rescan.edit.actor == "octo-bot"


def test_dot_githubs_own_policy_and_the_org_policy_in_one_push() -> None:
    actions = translate("push", push("acme/.github", [".mergegate.yml", "mergegate/policy.yml"]))
    assert [type(a) for a in actions] == [RescanOpen, RescanInstallation]


def test_the_org_policy_path_elsewhere_or_on_another_branch_is_ignored() -> None:
    [other] = translate("push", push("acme/app", ["mergegate/policy.yml"]))
    assert other == Ignore("a push that does not change the policy")
    [branch] = translate("push", push("acme/.github", ["mergegate/policy.yml"],
                                      "refs/heads/draft"))
    assert isinstance(branch, Ignore)
