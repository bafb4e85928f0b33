"""The audit log's entries and their exports (CSV, JSON, aligned text). Pure.

JSON holds every field exactly as recorded, and so does CSV but for one guard: a cell a
spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return: a dismissal reason is written by anyone who can comment) gets a leading
``'``, as OWASP advises against CSV injection. The text table is for reading in a
terminal: long hashes are abbreviated, links left out and control characters shown escaped
(a reason written in a comment cannot move the cursor or reorder the line).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

AUDIT_ACTIONS: tuple[str, ...] = (
    "dismiss", "undismiss", "expired", "refused", "verdict", "deployment", "policy_change",
)
"""What an audit row records: a dismissal made, revoked or expired, a command refused, a
verdict published, a deployment approved or rejected, a policy file changed on a protected
branch (the repository's, or the organization's)."""

FIELDS: tuple[str, ...] = ("at", "repo", "action", "actor", "subject", "detail", "link")
"""The columns of the CSV export and the keys of the JSON export, in this order."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: dt.datetime  # timezone-aware UTC
    repo: str  # the store key, forge:full_name
    action: str  # one of AUDIT_ACTIONS
    actor: str  # a forge login, or "mergegate"
    subject: str  # a fingerprint, a commit sha, an environment, finding ids
    detail: str
    link: str | None


def entry_to_dict(entry: AuditEntry) -> dict[str, str | None]:
    """An entry as JSON-safe strings; ``at`` in ISO 8601 UTC (``2026-12-02T07:40:01Z``)."""
    return {
        "at": _iso(entry.at), "repo": entry.repo, "action": entry.action, "actor": entry.actor,
        "subject": entry.subject, "detail": entry.detail, "link": entry.link,
    }


def _iso(at: dt.datetime) -> str:
    utc = at.astimezone(dt.UTC) if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return utc.isoformat().replace("+00:00", "Z")


def render_csv(entries: Sequence[AuditEntry]) -> str:
    """RFC 4180 CSV with a header row (CRLF line ends; fields quoted where needed)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    for entry in entries:
        row = entry_to_dict(entry)
        writer.writerow({k: "" if v is None else _inert(v) for k, v in row.items()})
    return out.getvalue()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell: str) -> str:
    """The cell as text a spreadsheet shows, never runs."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def render_json(entries: Sequence[AuditEntry]) -> str:
    """A JSON list of objects with the keys of FIELDS (``link`` may be null)."""
    return json.dumps([entry_to_dict(e) for e in entries], indent=2, ensure_ascii=False) + "\n"


_HEADERS = ("TIME (UTC)", "REPOSITORY", "ACTION", "ACTOR", "SUBJECT", "DETAIL")


def render_text(entries: Sequence[AuditEntry]) -> str:
    """Aligned columns, one line per entry, oldest first."""
    if not entries:
        return "no audit entries\n"
    rows = [
        (e.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"), _plain(e.repo),
         _plain(e.action), _plain(e.actor), _abbreviate(_plain(e.subject)), _plain(e.detail))
        for e in entries
    ]
    widths = [max(len(r[i]) for r in [_HEADERS, *rows]) for i in range(len(_HEADERS) - 1)]
    lines = []
    for row in [_HEADERS, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines) + "\n"


def _plain(text: str) -> str:
    """One terminal-safe line: line breaks and tabs become spaces, control and format characters
    (escape sequences, bidirectional overrides) are shown as ``\\u....`` escapes."""
    out = []
    for ch in text:
        if ch in "\t\n\r\v\f":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def _abbreviate(subject: str) -> str:
    """A fingerprint or commit sha to its first 12 hex digits; anything else as it is."""
    if len(subject) >= 40 and all(c in "0123456789abcdef" for c in subject):
        return subject[:12]
    return subject
