"""The words a forge uses for what the service talks about: its texts are written once, with
the forge's words put in (GitHub's pull requests and Re-scan button, GitLab's merge requests)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Words:
    change: str  # what a change under review is called
    rescan_hint: str  # how a person asks for a scan again


PULL_REQUEST = Words("pull request", "Use the Re-scan button or comment `/mergegate rescan`")
MERGE_REQUEST = Words("merge request", "Comment `/mergegate rescan`")
