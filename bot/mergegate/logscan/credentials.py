"""Leaked credentials in log lines, found by the secrets scanner's detectors.

Running every detector on every line of a 100 MB log would take minutes, so a cheap prefilter
(`mergegate.scanners.secrets.prefilter`) picks the lines a detector could match (keywords
given a value, known token prefixes, our token plugins' keywords, key headers, URLs with a
password) and only those go to the detectors, in batches.
High-entropy hits alone are not reported for logs (digests and commit ids are everywhere in
build output) but they are still redacted from any text shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mergegate.scanners.secrets import SecretHit, detect_in_lines
from mergegate.scanners.secrets.prefilter import (
    TOKENISH,
    is_candidate,
    looks_random,
    token_plugin_matches,
)

REDACTED = "[REDACTED]"

ENTROPY_TYPES = frozenset({"Base64 High Entropy String", "Hex High Entropy String"})

@dataclass(frozen=True, slots=True)
class Credential:
    """A credential seen in a log: never its value."""

    path: str
    line: int
    type: str
    secret_hash: str
    count: int = 1

def detect(path: str, lines: Sequence[tuple[int, str]]) -> list[SecretHit]:
    """Detector hits on candidate lines (the caller prefilters)."""
    if not lines:
        return []
    return detect_in_lines(path, lines)

def redact(lines: Sequence[str], path: str = "log.txt") -> list[str]:
    """The lines as they may be shown: see `redact_groups`."""
    return redact_groups([lines], path)[0]

# Line numbers between two groups given to the detectors together, so that no detector takes
# one group's lines for the context of another's.
GROUP_GAP = 100








def _mask(match: re.Match[str]) -> str:
    token = match.group(0)
    return REDACTED if looks_random(token) else token



def redact_groups(groups: Sequence[Sequence[str]], path: str = "log.txt") -> list[list[str]]:
    """Groups of lines (failure samples) as they may be shown, in one detector run.

    The detectors run on the lines that could hold a credential (`is_candidate`, or one of our
    token plugins' patterns matches), so every
    value the scan reports is replaced by [REDACTED] wherever it is shown; on every line, any
    other key-like token (long, letters and digits, random-looking) is masked too, without
    the detectors' cost.
    """
    numbered: list[tuple[int, str]] = []
    where: dict[int, tuple[int, int]] = {}
    number = 1
    for g, lines in enumerate(groups):
        for i, text in enumerate(lines):
            if is_candidate(text) or token_plugin_matches(text):
                numbered.append((number, text))
                where[number] = (g, i)
            number += 1
        number += GROUP_GAP
    out = [list(lines) for lines in groups]
    for hit in detect(path, numbered):
        if hit.value and hit.line in where:
            g, i = where[hit.line]
            out[g][i] = out[g][i].replace(hit.value, REDACTED)
    return [[TOKENISH.sub(_mask, text) for text in lines] for lines in out]
