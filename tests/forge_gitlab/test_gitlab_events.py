"""Translation of the real GitLab payloads into actions (pure), with the exact reasons."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from mergegate.forge.gitlab import events
from mergegate.forge.gitlab.webhook import delivery_key, token_ok


@pytest.fixture
def payload(fixtures: Path) -> Any:
    def load(name: str) -> dict[str, Any]:
        data = json.loads((fixtures / "gitlab" / "payloads" / name).read_text())
        return copy.deepcopy(data)

    return load


def test_open_mr_scans_with_target_branch_as_base(payload: Any) -> None:
    action = events.translate("Merge Request Hook", payload("docs.merge_request.open.json"))
    assert isinstance(action, events.Scan)
    c = action.change
    assert (c.repo.key, c.repo.project_id, c.repo.default_branch) == (
        "gitlab:gitlabhq/gitlab-test", "1", "master")
    assert (c.number, c.head_sha, c.base_sha, c.base_ref, c.head_ref, c.author) == (
        1, "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", "master", "master", "ms-viewport", "root")
    assert action.reason == "merge request open" and not action.force


def test_go_gitlab_mr_payload_is_understood_without_event_header(payload: Any) -> None:
    action = events.translate("", payload("go-gitlab.merge_request.json"))
    assert isinstance(action, events.Scan) and action.change.number == 1


@pytest.mark.parametrize(("action", "oldrev", "expected"), [
    ("reopen", None, "scan-forced"),
    ("update", "0123456789abcdef0123456789abcdef01234567", "scan"),
    ("update", None, "ignore"),
    ("close", None, "cancel"),
    ("merge", None, "cancel"),
    ("approved", None, "ignore"),
])
def test_mr_actions(payload: Any, action: str, oldrev: str | None, expected: str) -> None:
    data = payload("docs.merge_request.open.json")
    data["object_attributes"]["action"] = action
    if oldrev:
        data["object_attributes"]["oldrev"] = oldrev
    result = events.translate("Merge Request Hook", data)
    kind = {events.Scan: "scan", events.Cancel: "cancel", events.Ignore: "ignore"}[type(result)]
    if isinstance(result, events.Scan) and result.force:
        kind = "scan-forced"
    assert kind == expected


def test_label_only_update_reason(payload: Any) -> None:
    data = payload("docs.merge_request.open.json")
    data["object_attributes"]["action"] = "update"
    assert events.translate("Merge Request Hook", data) == events.Ignore(
        "merge request update without new commits")


def test_note_on_mr_with_command(payload: Any) -> None:
    data = payload("docs.note.merge_request.json")
    data["object_attributes"]["note"] = "/mergegate rescan"
    action = events.translate("Note Hook", data)
    assert isinstance(action, events.Command)
    assert (action.comment.author, action.comment.comment_id, action.comment.change.number) == (
        "root", "1244", 1)
    assert action.comment.change.head_sha == "562e173be03b8ff2efb05345d12df18815438a4b"


def test_notes_that_do_not_act(payload: Any) -> None:
    commit = payload("go-gitlab.note_commit.json")
    commit["object_attributes"]["note"] = "/mergegate rescan"
    assert events.translate("Note Hook", commit) == events.Ignore(
        "a note on a Commit, not on a merge request")
    plain = payload("docs.note.merge_request.json")
    assert events.translate("Note Hook", plain) == events.Ignore("no command in the note")
    own = payload("docs.note.merge_request.json")
    own["object_attributes"]["note"] = "/mergegate help"
    assert events.translate("Note Hook", own, bot_username="ROOT") == events.Ignore(
        "a note written by a bot")


def test_push_to_default_branch_changing_policy(payload: Any) -> None:
    data = payload("go-gitlab.push.json")
    assert events.translate("Push Hook", data) == events.Ignore(
        "a push that does not change the policy")
    data["commits"][0]["modified"].append(".mergegate.yml")
    action = events.translate("Push Hook", data)
    assert isinstance(action, events.RescanOpen)
    assert (action.repo.full_name, action.base_ref) == ("mike/diaspora", "master")
    data["ref"] = "refs/heads/feature"
    assert events.translate("Push Hook", data) == events.Ignore(
        "a push to a branch other than the default branch")


def test_deployment_needs_the_full_sha() -> None:
    data = {"object_kind": "deployment", "status": "blocked", "deployment_id": 15,
            "environment": "production", "commit_url": "https://g/x/-/commit/279484c0",
            "project": {"id": 3, "path_with_namespace": "a/b"}}
    with pytest.raises(events.PayloadError, match=r"^commit_url does not end with the deployed "
                       r"commit's sha$"):
        events.translate("Deployment Hook", data)
    data["commit_url"] = "https://g/x/-/commit/" + "a" * 40
    action = events.translate("Deployment Hook", data)
    assert isinstance(action, events.Deploy)
    assert (action.request.callback, action.request.sha) == ("15", "a" * 40)


def test_unused_event() -> None:
    assert events.translate("Job Hook", {"object_kind": "build"}) == events.Ignore(
        "event 'Job Hook' is not used")


def _pipeline(status: str, merge_request: dict[str, Any] | None) -> dict[str, Any]:
    return {"object_kind": "pipeline",
            "object_attributes": {"id": 31, "sha": "bcbb5ec396a2c0f828686f14fac9b80b780504f2",
                                  "status": status, "finished_at": "2016-08-12 15:26:29 UTC",
                                  "url": "http://example.com/gitlabhq/gitlab-test/-/pipelines/31"},
            "merge_request": merge_request,
            "project": {"id": 1, "path_with_namespace": "gitlabhq/gitlab-test",
                        "default_branch": "master"}}


def test_finished_merge_request_pipeline_reads_its_results() -> None:
    action = events.translate("Pipeline Hook", _pipeline("failed", {"iid": 1, "id": 1}))
    assert isinstance(action, events.CiResults)
    assert (action.repo.key, action.changes) == ("gitlab:gitlabhq/gitlab-test", (1,))
    assert action.run == events.CiRun(
        31, "bcbb5ec396a2c0f828686f14fac9b80b780504f2", "pipeline", "pipeline #31",
        "http://example.com/gitlabhq/gitlab-test/-/pipelines/31", 1471015589)


@pytest.mark.parametrize(("status", "merge_request", "why"), [
    ("running", {"iid": 1}, "pipeline running: only finished pipelines are read"),
    ("success", None, "a pipeline for no merge request"),
])
def test_other_pipelines_are_ignored(status: str, merge_request: dict[str, Any] | None,
                                     why: str) -> None:
    assert events.translate("Pipeline Hook", _pipeline(status, merge_request)) == \
        events.Ignore(why)


def test_pipeline_without_attributes_is_a_payload_error() -> None:
    with pytest.raises(events.PayloadError) as err:
        events.translate("Pipeline Hook", {"object_kind": "pipeline", "merge_request": {"iid": 1}})
    assert str(err.value) == "payload.object_attributes is missing"


def test_token_and_delivery_key() -> None:
    assert token_ok("s3cret", "s3cret")
    assert not token_ok("s3cre", "s3cret") and not token_ok(None, "s3cret")
    assert not token_ok("", "") and not token_ok("x", None)
    assert delivery_key({"X-Gitlab-Event-UUID": "u-1"}, "Push Hook", b"{}") == "u-1"
    a = delivery_key({}, "Push Hook", b"{}")
    assert a == delivery_key({}, "Push Hook", b"{}") != delivery_key({}, "Note Hook", b"{}")
