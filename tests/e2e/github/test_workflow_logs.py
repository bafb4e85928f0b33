"""`workflow_run` completed on a pull request: its logs are downloaded through the redirect,
scanned, and reported in one PR comment (created once, then edited), against the fake GitHub.

The payload is built from GitHub's documented `workflow_run` webhook shape (the shared
fixtures have no capture of this event); the run and its logs zip are served by the fake.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import zipfile
from typing import Any

import pytest
from mergegate.forge.base import LogsUnavailable, RepoRef
from mergegate.forge.github.workflow_logs import download_logs
from mergegate.forge.github.workflow_logs_comment import MARKER

from tests.e2e.github.conftest import Harness
from tests.fakes.github import Pull, Repo

AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLQ"
WORKFLOW_ID = 161335
LINT_WORKFLOW_ID = 161336


def step_log(traces: int = 500, key: bool = True) -> str:
    """A pytest step's log as GitHub writes it: timestamped, a traceback per failing test."""
    out = ["2026-11-26T10:00:00.0000000Z ##[group]Run pytest -q"]
    for i in range(traces):
        ts = f"2026-11-26T10:{i // 60 % 60:02d}:{i % 60:02d}.{i:07d}Z"
        out += [
            f"{ts} tests/test_db.py::test_pool[{i}] ",
            f"{ts} Traceback (most recent call last):",
            f'{ts}   File "/home/runner/work/app/app/db.py", line {40 + i % 3}, in connect',
            f"{ts}     conn = pool.get(timeout={i})",
            f"{ts} ConnectionError: connection 0x{i * 4099:x} to 10.0.0.{i % 250} refused",
        ]
        if key and i == 100:
            out.append(f"{ts} + aws configure set aws_access_key_id {AWS_KEY}")
    out.append("2026-11-26T10:59:59.0000000Z ##[error]Process completed with exit code 1.")
    return "\n".join(out) + "\n"


def logs_zip(steps: dict[str, str], job: str = "test") -> bytes:
    """GitHub's layout: the whole job log at the root, the same lines again per step."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"0_{job}.txt", "".join(steps.values()))
        for i, (name, text) in enumerate(steps.items(), start=1):
            z.writestr(f"{job}/{i}_{name}.txt", text)
        z.writestr(f"{job}/system.txt", "Requested labels: ubuntu-latest\n")
    return buf.getvalue()


def leaky_zip() -> bytes:
    return logs_zip({"Set up job": "2026-11-26T09:59:58.0000000Z Current runner version\n",
                     "Run tests": step_log()})


def clean_zip() -> bytes:
    return logs_zip({"Set up job": "2026-11-26T09:59:58.0000000Z Current runner version\n",
                     "Run tests": "2026-11-26T10:00:00.0000000Z 120 passed in 3.2s\n"})


def _pr_minimal(h: Harness, pull: Pull) -> dict[str, Any]:
    api = f"{h.fake.url}/repos/{h.repo.full_name}"
    repo = {"id": 1296269, "url": api, "name": h.repo.name}
    return {"url": f"{api}/pulls/{pull.number}", "id": 1000 + pull.number,
            "number": pull.number,
            "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": repo},
            "base": {"ref": pull.base_ref, "sha": pull.base_sha, "repo": repo}}


def workflow_run_payload(h: Harness, run_id: int, pulls: list[Pull], *, conclusion: str,
                         workflow_id: int = WORKFLOW_ID, name: str = "CI") -> dict[str, Any]:
    """A `workflow_run` `completed` delivery in GitHub's documented shape."""
    repo: Repo = h.repo
    api = f"{h.fake.url}/repos/{repo.full_name}"
    head_sha = pulls[0].head_sha if pulls else "6dcb09b5b57875f334f61aebed695e2e4193db5e"
    repository = {"id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
                  "name": repo.name, "full_name": repo.full_name, "private": False,
                  "owner": {"login": repo.owner, "id": 1, "type": "User"},
                  "html_url": f"https://github.com/{repo.full_name}",
                  "default_branch": repo.default_branch, "url": api}
    run = {
        "id": run_id, "name": name, "node_id": "WFR_kwLOAAAAAM4AAAAB",
        "head_branch": pulls[0].head_ref if pulls else "main", "head_sha": head_sha,
        "path": ".github/workflows/ci.yml", "display_title": "Add the user lookup",
        "run_number": run_id % 1000, "event": "pull_request" if pulls else "push",
        "status": "completed", "conclusion": conclusion, "workflow_id": workflow_id,
        "check_suite_id": 42 + run_id, "check_suite_node_id": "CS_kwDOAAAAAM8AAAAB",
        "url": f"{api}/actions/runs/{run_id}",
        "html_url": f"https://github.com/{repo.full_name}/actions/runs/{run_id}",
        "pull_requests": [_pr_minimal(h, p) for p in pulls],
        "created_at": "2026-11-26T09:59:50Z", "updated_at": "2026-11-26T11:00:00Z",
        "actor": {"login": "octocat", "id": 583231, "type": "User"},
        "run_attempt": 1, "referenced_workflows": [],
        "run_started_at": "2026-11-26T09:59:50Z",
        "triggering_actor": {"login": "octocat", "id": 583231, "type": "User"},
        "jobs_url": f"{api}/actions/runs/{run_id}/jobs",
        "logs_url": f"{api}/actions/runs/{run_id}/logs",
        "check_suite_url": f"{api}/check-suites/{42 + run_id}",
        "artifacts_url": f"{api}/actions/runs/{run_id}/artifacts",
        "cancel_url": f"{api}/actions/runs/{run_id}/cancel",
        "rerun_url": f"{api}/actions/runs/{run_id}/rerun",
        "previous_attempt_url": None,
        "workflow_url": f"{api}/actions/workflows/{workflow_id}",
        "head_commit": {"id": head_sha, "tree_id": "31b122c26a97cf9af023e9ddab94a82c6e77b0ea",
                        "message": "Add the user lookup", "timestamp": "2026-11-26T09:59:00Z",
                        "author": {"name": "Mona", "email": "mona@example.com"},
                        "committer": {"name": "Mona", "email": "mona@example.com"}},
        "repository": repository, "head_repository": repository,
    }
    h.repo.workflow_runs[run_id] = {k: v for k, v in run.items()}
    return {
        "action": "completed", "workflow_run": run,
        "workflow": {"id": workflow_id, "node_id": "W_kwDOAAAAAM4AAnZP", "name": name,
                     "path": ".github/workflows/ci.yml", "state": "active",
                     "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                     "url": f"{api}/actions/workflows/{workflow_id}",
                     "html_url": f"https://github.com/{repo.full_name}/actions",
                     "badge_url": f"https://github.com/{repo.full_name}/workflows/CI/badge.svg"},
        "repository": repository,
        "sender": {"login": "octocat", "id": 583231, "type": "User"},
        "installation": {"id": repo.installation_id, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ=="},
    }


def open_pull(h: Harness, number: int = 7) -> Pull:
    return h.fake.open_pull(h.repo, number, {"README.md": "# Hello\n"},
                            {"README.md": "# Hello\n", "app.py": "print(1)\n"})


async def run_completed(h: Harness, payload: dict[str, Any]) -> None:
    resp = await h.deliver("workflow_run", payload)
    assert resp.status == 202, await resp.text()
    await h.settle()


def ci_comments(h: Harness) -> list[dict[str, Any]]:
    return [c for c in h.repo.comments if MARKER in c["body"]]


def assert_key_never_sent(h: Harness) -> None:
    for r in h.fake.requests:
        assert AWS_KEY not in r.body.decode(errors="replace"), r.path
        assert AWS_KEY not in r.path and AWS_KEY not in str(r.query)


async def test_leak_and_500_tracebacks_make_one_comment(harness: Harness) -> None:
    h = harness
    pull = open_pull(h)
    h.repo.run_logs[30433642] = leaky_zip()
    await run_completed(h, workflow_run_payload(h, 30433642, [pull], conclusion="failure"))

    [comment] = ci_comments(h)
    body = comment["body"]
    assert comment["issue_number"] == pull.number
    assert AWS_KEY not in body
    assert ("- AWS Access Key in job `test`, step `Run tests`, line 507, sha1 `"
            in body), body
    # 500 tracebacks, read once (the step file, not again in the job's root file).
    assert ("| 500 | job `test`, step `Run tests`, line 3 | "
            "`ConnectionError: connection 0x0 to 10.0.0.0 refused` |\n" in body), body
    assert "**Failures**: 2 distinct, 501 in all" in body
    assert "[CI #30433642](https://github.com/Codertocat/Hello-World/actions/runs/30433642)" \
        ": failure" in body
    assert_key_never_sent(h)
    # The signed storage URL never gets the installation token.
    [download] = h.fake.log_downloads
    assert "Authorization" not in download
    assert [r.template for r in h.fake.calls("PATCH")] == []


async def test_later_runs_edit_the_same_comment(harness: Harness) -> None:
    h = harness
    pull = open_pull(h)
    h.repo.run_logs[101] = leaky_zip()
    await run_completed(h, workflow_run_payload(h, 101, [pull], conclusion="failure"))
    h.repo.run_logs[102] = clean_zip()
    await run_completed(h, workflow_run_payload(h, 102, [pull], conclusion="success"))

    [comment] = ci_comments(h)
    assert comment["edits"] == 1
    body = comment["body"]
    assert "CI #102" in body and "CI #101" not in body
    assert "No leaked credentials found." in body and "No failures found." in body

    # Another workflow gets its own section; the CI section stays.
    h.repo.run_logs[103] = leaky_zip()
    await run_completed(h, workflow_run_payload(h, 103, [pull], conclusion="failure",
                                                workflow_id=LINT_WORKFLOW_ID, name="Lint"))
    [comment] = ci_comments(h)
    assert "CI #102" in comment["body"] and "Lint #103" in comment["body"]
    assert comment["edits"] == 2

    # The older run's event arriving late does not overwrite the newer run's section.
    before = comment["body"]
    await run_completed(h, workflow_run_payload(h, 101, [pull], conclusion="failure"))
    assert ci_comments(h)[0]["body"] == before and comment["edits"] == 2
    assert_key_never_sent(h)


async def test_run_without_pull_request_does_nothing(harness: Harness) -> None:
    h = harness
    h.repo.run_logs[201] = leaky_zip()
    resp = await h.deliver("workflow_run", workflow_run_payload(h, 201, [], conclusion="failure"))
    assert resp.status in (200, 202), await resp.text()  # ignored up front, or by the job
    await h.settle()
    assert h.fake.requests == []


async def test_clean_run_without_earlier_comment_posts_nothing(harness: Harness) -> None:
    h = harness
    pull = open_pull(h)
    h.repo.run_logs[301] = clean_zip()
    await run_completed(h, workflow_run_payload(h, 301, [pull], conclusion="success"))
    assert h.repo.comments == []
    assert len(h.fake.log_downloads) == 1  # it was read, and found clean


@pytest.mark.parametrize(("status", "note"), [
    (410, "GitHub answered HTTP 410: the logs have expired or were deleted"),
    (404, "GitHub answered HTTP 404: the logs have expired or were deleted"),
    (502, "GitHub answered HTTP 502 to the logs download"),
])
async def test_failed_download_is_noted_and_logged(
    harness: Harness, caplog: pytest.LogCaptureFixture, status: int, note: str
) -> None:
    h = harness
    pull = open_pull(h)
    h.repo.run_logs[401] = leaky_zip()
    h.fake.fail("GET", r"/actions/runs/401/logs$", status, times=10)
    with caplog.at_level(logging.ERROR, logger="mergegate.forge.github.workflow_logs"):
        await run_completed(h, workflow_run_payload(h, 401, [pull], conclusion="failure"))
    [comment] = ci_comments(h)
    assert f"⚠️ MergeGate could not read the logs of this run: {note}\n" in comment["body"]
    assert any(note in r.getMessage() for r in caplog.records)
    tries = len(h.fake.calls("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/logs"))
    assert tries == (5 if status == 502 else 1)  # 5xx retried with backoff, 4xx not
    assert h.fake.log_downloads == []


async def test_download_over_the_cap_is_refused(harness: Harness) -> None:
    h = harness
    h.repo.run_logs[501] = leaky_zip()
    ref = RepoRef("github", h.repo.full_name, str(h.repo.installation_id))
    with pytest.raises(LogsUnavailable) as err:
        await download_logs(h.forge, ref, 501, io.BytesIO(), limit=1000)
    assert str(err.value) == "the logs are over the 1,000-byte limit: not read"


async def test_redelivery_reads_the_logs_once(harness: Harness) -> None:
    h = harness
    pull = open_pull(h)
    h.repo.run_logs[601] = leaky_zip()
    payload = workflow_run_payload(h, 601, [pull], conclusion="failure")
    for _ in range(2):
        resp = await h.deliver("workflow_run", payload, delivery="d3c0ffee-0601")
        assert resp.status in (200, 202)
    await h.settle()
    assert len(h.fake.log_downloads) == 1
    assert len(ci_comments(h)) == 1


async def test_a_run_started_again_is_left_to_its_own_event(harness: Harness) -> None:
    h = harness
    pull = open_pull(h)
    h.repo.run_logs[701] = leaky_zip()
    payload = workflow_run_payload(h, 701, [pull], conclusion="failure")
    h.repo.workflow_runs[701]["status"] = "in_progress"  # re-run before the job ran
    await run_completed(h, payload)
    assert h.fake.log_downloads == [] and h.repo.comments == []


async def test_a_persons_comment_quoting_the_marker_is_not_edited(harness: Harness) -> None:
    h = harness
    pull = open_pull(h)
    quoted = {"id": 55, "issue_number": pull.number, "body": f"> {MARKER}\n> why is this?",
              "user": {"login": "Codertocat", "type": "User"}}
    h.repo.comments.append(quoted)
    h.repo.run_logs[801] = leaky_zip()
    await run_completed(h, workflow_run_payload(h, 801, [pull], conclusion="failure"))
    assert quoted["body"] == f"> {MARKER}\n> why is this?" and "edits" not in quoted
    ours = [c for c in ci_comments(h) if c["id"] != 55]
    assert len(ours) == 1 and "AWS Access Key" in ours[0]["body"]
    assert [r.template for r in h.fake.calls("PATCH")] == []


async def test_a_deleted_run_is_skipped(harness: Harness, caplog: pytest.LogCaptureFixture,
                                        ) -> None:
    h = harness
    pull = open_pull(h)
    payload = workflow_run_payload(h, 901, [pull], conclusion="failure")
    del h.repo.workflow_runs[901]
    with caplog.at_level(logging.WARNING, logger="mergegate.forge.github.workflow_logs"):
        await run_completed(h, payload)
    assert "workflow run 901 of Codertocat/Hello-World is gone: its logs are not read" in [
        r.getMessage() for r in caplog.records]
    assert h.repo.comments == [] and h.fake.log_downloads == []


async def test_a_zip_bomb_is_read_up_to_the_configured_cap(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MERGEGATE_LOG_MAX_BYTES (here 1 MiB) caps the decompressed bytes read over all members;
    the comment says where reading stopped and that the rest was not scanned."""
    h = harness
    pull = open_pull(h)
    monkeypatch.setattr(h.forge, "settings",
                        dataclasses.replace(h.forge.settings, log_max_bytes=2**20))
    line = "2026-11-26T10:00:00.0000000Z tests/test_apis.py::test_ok PASSED\n"  # 64 bytes
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("0_test.txt", "the whole job log\n")
        z.writestr("test/1_Set up job.txt", step_log(traces=3, key=False))
        with z.open("test/2_Run tests.txt", "w", force_zip64=True) as fh:
            for _ in range(64):  # 64 MiB
                fh.write(line.encode() * (1 << 14))
        z.writestr("test/3_Upload.txt", f"export AWS_ACCESS_KEY_ID={AWS_KEY}\n")
    assert len(buf.getvalue()) < 500_000
    h.repo.run_logs[1001] = buf.getvalue()
    await run_completed(h, workflow_run_payload(h, 1001, [pull], conclusion="success"))

    [comment] = ci_comments(h)  # a truncated read is worth a comment, even on a green run
    body = comment["body"]
    first = len(step_log(traces=3, key=False).encode())
    lines = -(-(2**20 - first) // 64)  # a last partial line counts
    assert ("⚠️ Truncated: these logs go past MergeGate's 1,048,576-byte limit. They were "
            f"read up to job `test`, step `Run tests`, line {lines}; the rest was not scanned "
            "(1 more log file not read at all).\n") in body, body
    assert AWS_KEY not in body and "AWS Access Key" not in body  # past the cap: not read
