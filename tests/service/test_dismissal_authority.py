"""Who may dismiss, as unit tests of the service over the in-memory forge.

The same rules as tests/e2e/github/test_trust_boundaries.py, without HTTP: authority comes
from the default branch's policy, and a dismissal counts for a change only when its author
would be allowed there and is not the change's author (`self_dismiss: false`).
"""

from __future__ import annotations

from mergegate.forge.base import ChangeRef, CommentRef
from mergegate.service.comments import handle_comment
from mergegate.service.context import Service
from mergegate.service.verdicts import reevaluate, scan_change

from tests.fakes.memory_forge import MemoryForge
from tests.service.conftest import BASE, LEAKY, REPO

PERMISSIVE = "version: 1\ndismiss: {allowed: [write], self_dismiss: true}\n"


async def scanned(service: Service, forge: MemoryForge, change: ChangeRef) -> list[str]:
    """Scan the change; the ids of its blocking findings."""
    outcome = await scan_change(service, forge, change)
    assert outcome is not None
    return [j.id for j in outcome.verdict.blocking]


async def say(service: Service, forge: MemoryForge, change: ChangeRef, who: str,
              text: str) -> None:
    await handle_comment(service, forge, CommentRef(change, "1", who, text))


async def test_a_writer_cannot_dismiss_through_a_branch_that_allows_writers(
    service: Service, forge: MemoryForge,
) -> None:
    forge.roles["writer"] = "write"
    forge.branch(REPO, "main", BASE)
    w_base = {**BASE, ".mergegate.yml": PERMISSIVE}
    forge.branch(REPO, "W", w_base)
    into_w = forge.open(REPO, 3, w_base, {**w_base, "app.py": LEAKY}, "writer", base_ref="W")
    ids = await scanned(service, forge, into_w)
    assert ids
    await say(service, forge, into_w, "writer", f"/mergegate dismiss {ids[0]} wont-fix later")
    [(_, reply)] = forge.replies
    assert "@writer is not allowed to dismiss findings in this repository" in reply
    assert service.store.records.active_dismissals(REPO.key) == []


async def test_an_authors_own_dismissal_made_elsewhere_does_not_count_for_them(
    service: Service, forge: MemoryForge,
) -> None:
    forge.roles["boss"] = "admin"
    forge.branch(REPO, "main", BASE)
    own = forge.open(REPO, 2, BASE, {**BASE, "app.py": LEAKY}, "boss")
    other = forge.open(REPO, 4, BASE, {**BASE, "app.py": LEAKY, "x.md": "x\n"}, "someone")
    ids = await scanned(service, forge, own)
    assert await scanned(service, forge, other) == ids
    await say(service, forge, other, "boss", f"/mergegate dismiss {ids[0]} accepted-risk ok")
    assert [r for _, r in forge.reactions] == ["+1"]
    assert forge.latest(other).state == "success"
    verdict = await reevaluate(service, forge, own)
    assert verdict is not None and verdict.conclusion == "failure"
    assert [j.id for j in verdict.blocking] == ids


async def test_a_maintainers_dismissal_counts_everywhere_in_the_repository(
    service: Service, forge: MemoryForge,
) -> None:
    forge.roles["maint"] = "maintain"
    forge.branch(REPO, "main", BASE)
    first = forge.open(REPO, 2, BASE, {**BASE, "app.py": LEAKY}, "someone")
    second = forge.open(REPO, 5, BASE, {**BASE, "app.py": LEAKY, "y.md": "y\n"}, "another")
    ids = await scanned(service, forge, first)
    await say(service, forge, first, "maint", f"/mergegate dismiss {ids[0]} test-code fixture")
    assert forge.latest(first).state == "success"
    assert await scanned(service, forge, second) == []
