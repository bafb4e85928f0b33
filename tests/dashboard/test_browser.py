"""The dashboard in a real browser: headless Chromium from the OS packages, driven by
Selenium through the OS's chromedriver, against the fake GitHub with its OAuth endpoints and
a pull request scanned by the real scanners. One browser and one server for the module.

Set MERGEGATE_SCREENSHOTS to a folder to keep screenshots of the main pages there
(docs/screenshots holds the README's).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import shutil
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography.hazmat.primitives import serialization
from mergegate.store.service_store import Store

from tests.dashboard.conftest import CLIENT_ID, CLIENT_SECRET, SIGN_IN, Board
from tests.e2e.github import scenario as sc
from tests.e2e.github.conftest import APP_ID, running_bot
from tests.fakes.github import FakeGitHub
from tests.fakes.github_oauth import FakeGitHubOAuth

T = TypeVar("T")
CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser",
                                                       "google-chrome")) if p), None)
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="no Chromium with chromedriver found (Debian: apt-get install chromium "
           "chromium-driver; scripts/test installs them)")
REPO = "Codertocat/Hello-World"


class Stack:
    """The fake GitHub and MergeGate serving from an event loop in a thread of their own,
    so the browser (blocking calls in the test's thread) and the servers run side by side."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.exit = contextlib.AsyncExitStack()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.run(self.exit.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def served(fixtures: Path, app_private_key: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Board, Any]]:
    tmp = tmp_path_factory.mktemp("dashboard")
    stack = Stack()

    async def start() -> tuple[Board, Any]:
        public = serialization.load_pem_private_key(app_private_key.encode(), None).public_key()
        fake = FakeGitHub(fixtures / "github" / "openapi-subset.json", APP_ID, public)
        await fake.start()
        stack.exit.push_async_callback(fake.close)
        oauth = FakeGitHubOAuth.attach(fake, CLIENT_ID, CLIENT_SECRET)
        store = Store.open(f"sqlite:///{tmp / 'mergegate.db'}")
        h = await stack.exit.enter_async_context(
            running_bot(fake, fixtures, app_private_key, tmp, store, **SIGN_IN))
        h.repo.permissions.update({"alice": ("write", "maintain"), "maint": ("write", "maintain")})
        fake.repo("bob/own").permissions["bob"] = ("admin", "admin")
        pull = fake.open_pull(h.repo, 2, sc.BASE, {**sc.BASE, "app/db.py": sc.DB_PY})
        r = await h.deliver("pull_request", h.payloads.pull_request("opened", h.repo, pull))
        assert r.status == 202
        await h.settle()
        return Board(h, oauth, store), pull

    board, pull = stack.run(start())
    try:
        yield stack, board, pull
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def driver(downloads: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as ChromeService

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False})
    browser = webdriver.Chrome(service=ChromeService(str(CHROMEDRIVER)), options=options)
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()


def body(driver: Any) -> str:
    """The page's visible text, read in one script call: looking the body element up and then
    asking for its text races with a form post that replaces the document in between (Chrome
    then answers "Node with given id does not belong to the document")."""
    from selenium.common.exceptions import WebDriverException

    try:
        text = driver.execute_script("return document.body ? document.body.innerText : '';")
    except WebDriverException:  # the document is being replaced right now: read it again
        return ""
    return str(text or "")


def sign_in_as(driver: Any, board: Board, login: str, path: str = "/") -> None:
    """Through the real redirects: the dashboard, the fake GitHub's authorize page (which
    approves at once for ``login``) and the callback."""
    driver.delete_all_cookies()
    board.oauth.signing_in = login
    driver.get(board.base + path)
    assert f"Signed in as {login}" in body(driver), body(driver)


def wait_for(driver: Any, condition: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(condition)


def shot(driver: Any, name: str) -> None:
    folder = os.environ.get("MERGEGATE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def test_a_user_signs_in_and_sees_the_blocked_pull_request(served: Any, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    _, board, pull = served
    sign_in_as(driver, board, "alice")
    assert driver.current_url == board.base + "/"
    page = body(driver)
    assert REPO in page and "blocked" in page and f"#{pull.number}" in page
    assert driver.find_elements(By.CSS_SELECTOR, "svg.chart")
    shot(driver, "overview")
    driver.find_element(By.LINK_TEXT, f"#{pull.number}").click()
    wait_for(driver, lambda d: f"/changes/{pull.number}" in d.current_url)
    page = body(driver)
    assert "2 blocking findings" in page and "app/db.py:8" in page
    shot(driver, "change")
    driver.get(f"{board.base}/repos/{REPO}")
    assert "Policy in force" in body(driver) and "dismiss.allowed" in body(driver)
    shot(driver, "repository")


def test_a_user_filters_the_audit_log_and_exports_csv(
    served: Any, driver: Any, downloads: Path,
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    stack, board, _ = served
    stack.run(_seed_audit(board))
    sign_in_as(driver, board, "alice", "/audit")
    assert "deployment" in body(driver)
    Select(driver.find_element(By.ID, "action")).select_by_visible_text("verdict")
    driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    wait_for(driver, lambda d: "action=verdict" in d.current_url)
    rows = driver.find_elements(By.CSS_SELECTOR, "#audit tbody tr")
    assert rows and all(r.find_elements(By.TAG_NAME, "td")[2].text == "verdict" for r in rows)
    shot(driver, "audit")
    driver.find_element(By.ID, "export-csv").click()
    exported = downloads / "mergegate-audit.csv"
    deadline = time.monotonic() + 10
    while not exported.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    entries = list(csv.DictReader(io.StringIO(exported.read_text())))
    assert entries and {e["action"] for e in entries} == {"verdict"}
    assert {e["repo"] for e in entries} == {f"github:{REPO}"}


def test_a_maintainer_undismisses_a_finding_and_the_check_is_judged_again(
    served: Any, driver: Any,
) -> None:
    from selenium.webdriver.common.by import By

    stack, board, pull = served
    h = board.h
    [run] = h.fake.check_runs(h.repo, pull.head_sha)
    sqli = next(a["title"].split()[0] for a in run["annotations"]
                if a["start_line"] == sc.SQLI_LINE)
    stack.run(_comment(board, pull, f"/mergegate dismiss {sqli} false-positive it is constant"))
    assert h.fake.check_runs(h.repo, pull.head_sha)[-1]["output"]["title"] == \
        "1 blocking finding"
    sign_in_as(driver, board, "alice", f"/repos/{REPO}/changes/{pull.number}")
    shot(driver, "change-dismissed")
    driver.find_element(By.CSS_SELECTOR, f"button[aria-label='Undismiss {sqli}']").click()
    wait_for(driver, lambda d: f"{sqli} is no longer dismissed" in body(d))
    latest = h.fake.check_runs(h.repo, pull.head_sha)[-1]
    assert latest["conclusion"] == "failure" and latest["output"]["title"] == \
        "2 blocking findings"
    [row] = [e for e in board.store.records.audit_entries() if e.action == "undismiss"]
    assert row.actor == "alice" and row.detail == sqli
    driver.get(board.base + "/dismissals")
    shot(driver, "dismissals")
    driver.get(board.base + "/deployments")
    shot(driver, "deployments")
    h.fake.assert_clean()


A11Y_PROBLEMS = """
const problems = [];
for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
  const label = el.id && document.querySelector(`label[for="${el.id}"]`);
  if (!label && !el.getAttribute('aria-label')) problems.push('unlabelled ' + el.outerHTML);
}
for (const svg of document.querySelectorAll('svg')) {
  if (!svg.getAttribute('aria-label')) problems.push('svg without aria-label');
}
for (const b of document.querySelectorAll('button, a')) {
  if (!(b.textContent.trim() || b.getAttribute('aria-label'))) problems.push('nameless ' + b.outerHTML);
}
if (!document.documentElement.lang) problems.push('no lang');
if (document.querySelectorAll('h1').length !== 1) problems.push('not one h1');
if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push('page scrolls sideways');
return problems;
"""


def test_pages_are_labelled_keyboard_reachable_and_fit_a_phone(served: Any, driver: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _, board, pull = served
    sign_in_as(driver, board, "alice")
    pages = ["/", f"/repos/{REPO}", f"/repos/{REPO}/changes/{pull.number}", "/dismissals",
             "/deployments", "/audit"]
    try:
        for width in (1280, 375):  # a desktop, then a phone
            driver.set_window_size(width, 900)
            for path in pages:
                driver.get(board.base + path)
                assert driver.execute_script(A11Y_PROBLEMS) == [], (width, path)
        driver.get(board.base + "/audit")
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        focused = driver.switch_to.active_element
        assert focused.text == "Skip to content"  # the first Tab stop, shown when focused
        focused.send_keys(Keys.ENTER)
        wait_for(driver, lambda d: d.current_url.endswith("#main"))
    finally:
        driver.set_window_size(1280, 1000)


def test_a_user_without_access_sees_neither_the_repository_nor_its_findings(
    served: Any, driver: Any,
) -> None:
    _, board, pull = served
    sign_in_as(driver, board, "bob")
    assert "Hello-World" not in body(driver)
    for path in (f"/repos/{REPO}", f"/repos/{REPO}/changes/{pull.number}"):
        driver.get(board.base + path)
        assert body(driver) == "No such repository.", path
    driver.get(board.base + "/audit")
    assert "Hello-World" not in body(driver) and "No entries." in body(driver)


async def _seed_audit(board: Board) -> None:
    records = board.store.records
    await board.h.service.db(
        records.audit, f"github:{REPO}", "deployment", "mergegate", "production@" + "a" * 40,
        "rejected: MergeGate rejected deployment to production: the MergeGate verdict for "
        "aaaaaaa is failure (2 blocking findings).")


async def _comment(board: Board, pull: Any, text: str) -> None:
    h = board.h
    r = await h.deliver("issue_comment", h.payloads.comment(h.repo, pull, 900, "maint", text))
    assert r.status == 202
    await h.settle()
