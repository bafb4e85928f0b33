"""POSTs are never repeated blindly: a note GitLab created before answering 502 is not posted
twice, a note it did not create is posted once, and a refusal is not retried."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from mergegate.config import Settings
from mergegate.core.findings import Finding, Severity
from mergegate.core.policy import Policy
from mergegate.core.verdict import JudgedFinding, Verdict, evaluate
from mergegate.forge.base import ChangeRef, CommentRef, RepoRef, Report
from mergegate.forge.gitlab import report as rep
from mergegate.forge.gitlab.client import GitLabApiError, GitLabClient
from mergegate.forge.gitlab.forge import GitLabForge

from tests.fakes.gitlab import TOKEN, FakeGitLab, Project

NOTES = r"/merge_requests/1/notes$"


@pytest.fixture
async def fake() -> AsyncIterator[FakeGitLab]:
    f = FakeGitLab()
    await f.start()
    yield f
    f.assert_clean()
    await f.close()


@pytest.fixture
async def forge(fake: FakeGitLab) -> AsyncIterator[GitLabForge]:
    g = GitLabForge(
        Settings(gitlab_url=fake.url, gitlab_token=TOKEN),
        GitLabClient(fake.url, TOKEN, max_retries=2),
        inline_discussions=False,
    )
    yield g
    await g.aclose()


async def open_change(fake: FakeGitLab, forge: GitLabForge) -> tuple[Project, ChangeRef]:
    p = fake.project()
    fake.open_mr(p, 1, {"a.py": "x = 1\n"}, {"a.py": "x = 1\nkey = 'k'\n"})
    return p, await forge.get_change(RepoRef("gitlab", p.path, project_id=str(p.id)), 1)


def summaries(p: Project) -> list[dict[str, Any]]:
    return [n for n in p.notes.get(1, []) if rep.SUMMARY_MARKER in n["body"]]


def clean_report() -> Report:
    return Report(evaluate([], Policy()))


async def test_summary_note_created_before_a_502_is_not_posted_again(
    fake: FakeGitLab, forge: GitLabForge
) -> None:
    p, change = await open_change(fake, forge)
    fake.fail("POST", NOTES, 502, after=True)
    handle = await forge.report_verdict(change, None, clean_report())
    [note] = summaries(p)
    assert [r.status for r in fake.calls("POST", "note")] == [502]
    assert handle.url == f"{change.html_url}#note_{note['id']}"
    # the next push edits that note: still one
    await forge.report_verdict(change, handle, clean_report())
    assert len(summaries(p)) == 1 and summaries(p)[0]["edits"] == 1


async def test_summary_note_refused_with_a_502_is_posted_once(fake: FakeGitLab, forge: GitLabForge) -> None:
    p, change = await open_change(fake, forge)
    fake.fail("POST", NOTES, 502)
    await forge.report_verdict(change, None, clean_report())
    assert len(summaries(p)) == 1
    assert [r.status for r in fake.calls("POST", "note")] == [502, 201]


async def test_every_attempt_ending_in_502_is_looked_for_and_none_is_repeated_blindly(
    fake: FakeGitLab, forge: GitLabForge
) -> None:
    p, change = await open_change(fake, forge)
    fake.fail("POST", NOTES, 503, times=10)
    with pytest.raises(GitLabApiError, match=r"^GitLab answered HTTP 503: 503 injected$"):
        await forge.report_verdict(change, None, clean_report())
    assert [r.status for r in fake.calls("POST", "note")] == [503, 503, 503]  # max_retries 2
    assert len(fake.calls("GET", "notes")) == 1 + 2  # the summary look-up, then one per retry
    assert summaries(p) == []


async def test_a_refused_note_is_not_retried(fake: FakeGitLab, forge: GitLabForge) -> None:
    _, change = await open_change(fake, forge)
    fake.fail("POST", NOTES, 403)
    with pytest.raises(GitLabApiError, match=r"^GitLab answered HTTP 403: 403 injected$"):
        await forge.report_verdict(change, None, clean_report())
    assert len(fake.calls("POST", "note")) == 1


@pytest.mark.parametrize("after", [True, False])
async def test_reply_after_a_502_exists_once(fake: FakeGitLab, forge: GitLabForge, after: bool) -> None:
    p, change = await open_change(fake, forge)
    # someone else's note, and our reply to another comment, both already on the MR
    p.notes[1] = [
        {"id": 1, "body": "/mergegate help", "author": {"username": "dev"}},
        {"id": 2, "body": rep.reply_note("dev", "earlier answer", "1"), "author": {"username": fake.bot}},
    ]
    fake.fail("POST", NOTES, 502, after=after)
    await forge.reply(CommentRef(change, "9001", "dev", "/mergegate explain"), "not a finding")
    replies = [n["body"] for n in p.notes[1] if rep.reply_marker("9001") in n["body"]]
    assert replies == ["<!-- mergegate:reply -->\n@dev not a finding\n<!-- mergegate:reply-to:9001 -->"]
    assert [r.status for r in fake.calls("POST", "note")] == ([502] if after else [502, 201])


async def test_reaction_after_a_502_exists_once(fake: FakeGitLab, forge: GitLabForge) -> None:
    p, change = await open_change(fake, forge)
    fake.fail("POST", r"/award_emoji$", 502, after=True)
    await forge.react(CommentRef(change, "9001", "dev", "/mergegate dismiss ..."), "+1")
    assert [(e["note_id"], e["name"]) for e in p.emoji] == [(9001, "thumbsup")]
    assert [r.status for r in fake.calls("POST", "emoji")] == [502]


@pytest.mark.parametrize("after", [True, False])
async def test_inline_discussion_after_a_502_exists_once(fake: FakeGitLab, after: bool) -> None:
    forge = GitLabForge(
        Settings(gitlab_url=fake.url, gitlab_token=TOKEN), GitLabClient(fake.url, TOKEN, max_retries=2)
    )
    p, change = await open_change(fake, forge)
    finding = Finding(
        scanner="secrets",
        rule="r",
        severity=Severity.HIGH,
        title="t",
        message="m",
        path="a.py",
        line=2,
        end_line=2,
        fingerprint="e" * 64,
        new=True,
    )
    fake.fail("POST", r"/merge_requests/1/discussions$", 502, after=after)
    await forge.report_verdict(change, None, Report(Verdict("failure", (JudgedFinding(finding, True),))))
    assert len(p.discussions[1]) == 1
    assert [r.status for r in fake.calls("POST", "discussion")] == ([502] if after else [502, 201])
    await forge.aclose()


async def test_statuses_are_still_retried_by_the_client(fake: FakeGitLab, forge: GitLabForge) -> None:
    p, change = await open_change(fake, forge)
    fake.fail("POST", r"/statuses/", 502)
    await forge.report_in_progress(change)
    assert [r.status for r in fake.calls("POST", "status")] == [502, 201]
    assert [s["status"] for s in fake.mergegate_statuses(p, change.head_sha)] == ["pending"]


async def test_no_answer_at_all_is_looked_for_like_a_502(fake: FakeGitLab) -> None:
    """A timeout or a reset connection: the POST may have been applied, so look first."""
    client = GitLabClient(fake.url, TOKEN, max_retries=2)
    posted: list[str] = []
    looked: list[str] = []

    def create() -> str:
        posted.append("note")
        if len(posted) == 1:
            raise GitLabApiError("GitLab could not be reached: ReadTimeout")
        return "created"

    def find() -> str | None:
        looked.append("notes")
        return None

    assert await client.create_once(create, find) == "created"
    assert (posted, looked) == (["note", "note"], ["notes"])
    client.close()
