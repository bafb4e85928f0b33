"""The pages on a seeded store: what a person who can read the repository sees, what one who
cannot does not see (404 by direct URL too), the audit log's filters and exports, the
dismissals' sections, and undismissing from the page."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json

from mergegate.core.findings import Severity

from tests.dashboard.conftest import (
    NOW,
    Board,
    Browserish,
    dismissal,
    finding,
    seed_change,
)

BASE = {"README.md": "# Hello\n"}


def seed(board: Board) -> tuple[int, str]:
    """Hello-World #2 blocked by two findings with a third dismissed; returns (number, the
    dismissed finding's id)."""
    repo = board.h.repo
    pull = board.h.fake.open_pull(repo, 2, BASE, {**BASE, "app/x.py": "x = 1\n"}, "Codertocat")
    found = [finding(1, Severity.HIGH), finding(2, Severity.CRITICAL, "secrets"), finding(3)]
    seed_change(board.store, repo, pull, found, (dismissal(found[2].fingerprint),))
    return pull.number, found[2].id


async def text(browser: Browserish, path: str) -> str:
    r = await browser.get(path)
    assert r.status == 200, (path, r.status, await r.text())
    return html.unescape(await r.text())


async def test_a_reader_sees_the_blocked_change_and_its_findings(
    board: Board, browser: Browserish,
) -> None:
    number, dismissed_id = seed(board)
    board.h.repo.permissions["alice"] = ("write", "write")
    await browser.sign_in(board.oauth, "alice")
    page = await text(browser, "/")
    assert "Codertocat/Hello-World" in page and f"#{number}" in page
    assert "<svg" in page and "Findings per day, last 30 days" in page
    repo_page = await text(browser, "/repos/Codertocat/Hello-World")
    assert f"/repos/Codertocat/Hello-World/changes/{number}" in repo_page
    assert "block_on" in repo_page and "default" in repo_page
    change = await text(browser, f"/repos/Codertocat/Hello-World/changes/{number}")
    assert "failure" in change and "2 blocking findings" in change
    assert finding(1).id in change and dismissed_id in change
    assert "dismissed by maint as false-positive" in change
    board.h.fake.assert_clean()


async def test_someone_without_access_sees_neither_the_repository_nor_its_findings(
    board: Board, browser: Browserish,
) -> None:
    number, dismissed_id = seed(board)
    board.h.repo.permissions["alice"] = ("write", "write")
    board.h.fake.repo("bob/own").permissions["bob"] = ("admin", "admin")
    await browser.sign_in(board.oauth, "bob")
    page = await text(browser, "/")
    assert "Hello-World" not in page and "0</span> open changes" in page.replace("\n", "")
    for path in ("/repos/Codertocat/Hello-World",
                 f"/repos/Codertocat/Hello-World/changes/{number}",
                 "/repos/Codertocat/Nope"):
        r = await browser.get(path)
        assert r.status == 404, path
        body = await r.text()
        assert finding(1).id not in body and "Hello-World" not in body
    for path in ("/dismissals", "/deployments", "/audit"):
        assert "Hello-World" not in await text(browser, path), path
    exported = await text(browser, "/audit?format=json")
    assert json.loads(exported) == []
    exported = await text(browser, "/audit?format=json&repo=github:Codertocat/Hello-World")
    assert json.loads(exported) == []
    token = await browser.csrf()
    r = await browser.post(f"/repos/Codertocat/Hello-World/changes/{number}/undismiss",
                           data={"csrf": token, "id": dismissed_id})
    assert r.status == 404
    assert board.store.records.active_dismissals("github:Codertocat/Hello-World")


async def test_undismiss_needs_the_csrf_token(board: Board, browser: Browserish) -> None:
    number, dismissed_id = seed(board)
    board.h.repo.permissions["maint"] = ("write", "maintain")
    await browser.sign_in(board.oauth, "maint")
    path = f"/repos/Codertocat/Hello-World/changes/{number}/undismiss"
    for data in ({"id": dismissed_id}, {"id": dismissed_id, "csrf": "forged"}):
        r = await browser.post(path, data=data)
        assert r.status == 403
        assert "CSRF token is missing or wrong" in await r.text()
    assert len(board.store.records.active_dismissals("github:Codertocat/Hello-World")) == 1


async def test_undismiss_by_a_maintainer_is_audited_and_the_check_judged_again(
    board: Board, browser: Browserish,
) -> None:
    number, dismissed_id = seed(board)
    board.h.repo.permissions["maint"] = ("write", "maintain")
    await browser.sign_in(board.oauth, "maint")
    token = await browser.csrf()
    page = f"/repos/Codertocat/Hello-World/changes/{number}"
    r = await browser.post(f"{page}/undismiss", data={"csrf": token, "id": dismissed_id})
    assert r.status == 303 and r.headers["Location"] == page
    assert f"{dismissed_id} is no longer dismissed" in await text(browser, page)
    assert board.store.records.active_dismissals("github:Codertocat/Hello-World") == []
    [row] = [e for e in board.store.records.audit_entries() if e.action == "undismiss"]
    assert (row.actor, row.subject, row.detail) == ("maint", finding(3).fingerprint,
                                                     dismissed_id)
    [run] = board.h.fake.check_runs(board.h.repo)
    assert run["conclusion"] == "failure" and run["output"]["title"] == "3 blocking findings"
    [verdict] = [e for e in board.store.records.audit_entries() if e.action == "verdict"
                 and "re-evaluated" in e.detail]
    assert verdict.detail.startswith("failure: 3 blocking findings")
    board.h.fake.assert_clean()


async def test_undismiss_by_someone_dismiss_allowed_does_not_admit_is_refused(
    board: Board, browser: Browserish,
) -> None:
    number, dismissed_id = seed(board)
    board.h.repo.permissions["writer"] = ("write", "write")
    await browser.sign_in(board.oauth, "writer")
    token = await browser.csrf()
    page = f"/repos/Codertocat/Hello-World/changes/{number}"
    await browser.post(f"{page}/undismiss", data={"csrf": token, "id": dismissed_id})
    shown = await text(browser, page)
    assert ("@writer is not allowed to undismiss findings in this repository: dismiss.allowed "
            "is maintain, admin and @writer has write") in shown
    assert len(board.store.records.active_dismissals("github:Codertocat/Hello-World")) == 1
    assert board.h.fake.check_runs(board.h.repo) == []


async def test_the_audit_log_filters_and_exports(board: Board, browser: Browserish) -> None:
    seed(board)
    records = board.store.records
    key = "github:Codertocat/Hello-World"
    records.audit(key, "dismiss", "maint", "f" * 64, "mg-ffffffff false-positive until never: ok")
    records.audit(key, "deployment", "mergegate", "production@" + "a" * 40,
                  "approved: MergeGate approved deployment to production: fine.")
    records.audit("github:other/private", "dismiss", "mallory", "e" * 64, "not yours")
    board.h.repo.permissions["alice"] = ("read", "read")
    await browser.sign_in(board.oauth, "alice")
    page = await text(browser, "/audit?action=dismiss")
    assert "mg-ffffffff" in page and "MergeGate approved" not in page and "mallory" not in page
    rows = list(csv.DictReader(io.StringIO(await text(browser, "/audit?action=dismiss&format=csv"))))
    assert [(r["action"], r["actor"]) for r in rows] == [("dismiss", "maint")]
    r = await browser.get("/audit?format=csv")
    assert r.headers["Content-Type"].startswith("text/csv")
    assert 'filename="mergegate-audit.csv"' in r.headers["Content-Disposition"]
    every = json.loads(await text(browser, "/audit?format=json"))
    assert [e["action"] for e in every] == ["verdict", "dismiss", "deployment"]
    assert {e["repo"] for e in every} == {key}
    today = NOW.date().isoformat()
    assert len(json.loads(await text(browser, f"/audit?format=json&since={today}"))) == 3
    tomorrow = (NOW.date() + dt.timedelta(days=1)).isoformat()
    assert json.loads(await text(browser, f"/audit?format=json&since={tomorrow}")) == []
    r = await browser.get("/audit?since=yesterday")
    assert r.status == 400
    assert await r.text() == "since: expected a date as YYYY-MM-DD, got 'yesterday'"
    r = await browser.get("/audit?action=delete")
    assert r.status == 400 and "action: expected one of dismiss, undismiss" in await r.text()
    deployments = await text(browser, "/deployments")
    assert "production" in deployments and "approved" in deployments


async def test_dismissals_active_expiring_and_expired_with_filters(
    board: Board, browser: Browserish,
) -> None:
    seed(board)
    records = board.store.records
    key = "github:Codertocat/Hello-World"
    records.add_dismissal(key, dismissal("a" * 64, "carol", "wont-fix",
                                         NOW + dt.timedelta(days=3)))
    records.add_dismissal(key, dismissal("b" * 64, "carol", "test-code",
                                         NOW - dt.timedelta(days=1)))
    board.h.repo.permissions["alice"] = ("read", "read")
    await browser.sign_in(board.oauth, "alice")
    page = await text(browser, "/dismissals")
    assert "Expiring within 7 days (1)" in page and "Active (1)" in page
    assert "Expired (1)" in page
    page = await text(browser, "/dismissals?user=carol")
    assert "Active (0)" in page and "Expiring within 7 days (1)" in page
    page = await text(browser, "/dismissals?reason=test-code")
    assert "Expired (1)" in page and "Expiring within 7 days (0)" in page



async def test_long_lists_say_what_they_leave_out_and_deployments_page(
    board: Board, browser: Browserish,
) -> None:
    seed(board)
    records = board.store.records
    key = "github:Codertocat/Hello-World"
    for i in range(503):
        records.add_dismissal(key, dismissal(f"{i:064x}", "carol", "wont-fix"))
    for i in range(150):
        records.audit(key, "deployment", "mergegate", f"staging-{i}@" + "c" * 40,
                      f"rejected: deployment number {i}")
    board.h.repo.permissions["alice"] = ("read", "read")
    await browser.sign_in(board.oauth, "alice")
    page = await text(browser, "/dismissals")
    assert "Active (504)" in page  # with seed()'s one
    assert "The 500 newest of 504 are shown" in page
    assert "Expired (0)" in page and "newest of 0" not in page
    first = await text(browser, "/deployments")
    assert "staging-149<" in first and "staging-50<" in first and "staging-49<" not in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = await text(browser, "/deployments?page=2")
    assert "staging-49<" in second and "staging-50<" not in second and "staging-0<" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    r = await browser.get("/deployments?page=two")
    assert r.status == 400 and await r.text() == "page: expected a number"

async def test_every_page_works_without_scripts_and_sends_security_headers(
    board: Board, browser: Browserish,
) -> None:
    number, _ = seed(board)
    board.h.repo.permissions["alice"] = ("read", "read")
    await browser.sign_in(board.oauth, "alice")
    for path in ("/", "/repos/Codertocat/Hello-World",
                 f"/repos/Codertocat/Hello-World/changes/{number}", "/dismissals",
                 "/deployments", "/audit"):
        r = await browser.get(path)
        page = await r.text()
        assert r.status == 200, path
        assert "<script" not in page.lower() and "://" not in page.split("<main", 1)[0], path
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Cache-Control"] == "no-store"
        assert '<html lang="en">' in page and 'href="#main"' in page


async def test_recorded_links_are_shown_only_when_they_are_web_addresses(
    board: Board, browser: Browserish,
) -> None:
    seed(board)
    key = "github:Codertocat/Hello-World"
    board.store.records.audit(key, "refused", "x", "y", "odd link", "javascript:alert(1)")
    board.store.records.audit(key, "refused", "x", "y", "fine link", "https://github.com/c/1")
    board.h.repo.permissions["alice"] = ("read", "read")
    await browser.sign_in(board.oauth, "alice")
    page = await text(browser, "/audit?action=refused")
    assert "javascript:" not in page and 'href="https://github.com/c/1"' in page


async def test_a_change_number_beyond_the_database_is_not_found(
    board: Board, browser: Browserish,
) -> None:
    board.h.repo.permissions["alice"] = ("read", "read")
    await browser.sign_in(board.oauth, "alice")
    r = await browser.get("/repos/Codertocat/Hello-World/changes/99999999999999999999")
    assert r.status == 404
    assert (await browser.get("/repos/Codertocat/Hello-World/changes/7")).status == 404
