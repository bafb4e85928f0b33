"""app.yaml subscribes to exactly the events the bot translates, with the permissions used."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from mergegate.forge.github.events import TRANSLATORS

ROOT = Path(__file__).resolve().parents[2]

# The REST calls the adapter makes, by the permission GitHub requires for them.
PERMISSION_FOR = {
    r"/check-runs": "checks",
    r"/contents/|/git/blobs/|/tarball/": "contents",
    r"/pulls": "pull_requests",
    r"/issues/.*comments": "pull_requests",
    r"/commits/\{ref\}/status": "statuses",
    r"/deployment_protection_rule": "deployments",
    r"/collaborators/": "metadata",
    r"/teams/": "members",
    r"/actions/runs/\{run_id\}(?:/logs)?$": "actions",
    r"/actions/runs/\{run_id\}/artifacts|/actions/artifacts/": "actions",
}


def test_events_match_the_translators() -> None:
    manifest = yaml.safe_load((ROOT / "app.yaml").read_text())
    assert set(manifest["default_events"]) == set(TRANSLATORS)


def test_permissions_are_the_ones_used() -> None:
    manifest = yaml.safe_load((ROOT / "app.yaml").read_text())
    sources = "".join(p.read_text() for p in (ROOT / "bot" / "mergegate" / "forge" / "github").glob("*.py"))
    urls = set(re.findall(r'"(/(?:repos|orgs)/[^"]+)"', sources))
    needed = {perm for url in urls for pattern, perm in PERMISSION_FOR.items()
              if re.search(pattern, url)}
    assert needed == set(manifest["default_permissions"])
