"""`mergegate audit`: the service's audit log from its database, filtered in SQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mergegate.store.service_store import Store
from mergegate.store.tables import audit_log
from sqlalchemy import insert

from .conftest import Run

T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
FP = "3f9a1c2e" + "0" * 56
SHA = "a" * 40
TRICKY = 'false-positive until never: "quoted", comma, é\nsecond line'

ROWS = [  # (minutes after T0, repo, action, actor, subject, detail, link); inserted shuffled
    (0, "github:acme/app", "dismiss", "maint", FP, f"mg-3f9a1c2e {TRICKY}",
     "https://github.com/acme/app/pull/2#issuecomment-900"),
    (60 * 24, "github:acme/app", "verdict", "mergegate", SHA, "success: no blocking findings",
     None),
    (60 * 24 + 5, "github:acme/other", "refused", "reader", "mg-3f9a1c2e",
     "@reader is not allowed to dismiss findings in this repository", None),
    (60 * 48, "gitlab:acme/app", "undismiss", "owner", FP, "mg-3f9a1c2e", None),
    (60 * 49, "github:acme/app", "deployment", "mergegate", "production",
     "rejected: 1 blocking finding", None),
    (60 * 50, "github:acme/app", "expired", "mergegate", FP,
     "false-positive by maint expired at 2026-12-02 23:59:59 UTC", None),
]


def fill(store: Store) -> None:
    with store.engine.begin() as conn:
        for minutes, repo, action, actor, subject, detail, link in reversed(ROWS):
            conn.execute(insert(audit_log).values(
                at=T0 + dt.timedelta(minutes=minutes), repo=repo, action=action, actor=actor,
                subject=subject, detail=detail, link=link))


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
       cli: Callable[..., Run]) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'service.db'}")
    fill(store)
    monkeypatch.setenv("MERGEGATE_DATABASE_URL", f"sqlite:///{tmp_path / 'service.db'}")
    yield store
    store.close()


def actions(run: Run) -> list[str]:
    assert run.code == 0, run.err
    return [row["action"] for row in json.loads(run.out)]


def test_csv_has_a_header_and_round_trips_quotes_commas_and_line_breaks(
    db: Store, cli: Callable[..., Run],
) -> None:
    run = cli("audit", "--format", "csv")
    assert run.code == 0 and run.err == ""
    assert run.out.startswith("at,repo,action,actor,subject,detail,link\r\n")
    rows = list(csv.DictReader(io.StringIO(run.out, newline="")))
    assert [(r["repo"], r["action"]) for r in rows] == [(r[1], r[2]) for r in ROWS]
    first = rows[0]
    assert first == {
        "at": "2026-11-30T09:00:00Z", "repo": "github:acme/app", "action": "dismiss",
        "actor": "maint", "subject": FP, "detail": f"mg-3f9a1c2e {TRICKY}",
        "link": "https://github.com/acme/app/pull/2#issuecomment-900",
    }
    assert rows[1]["link"] == ""


def test_json_is_a_list_of_objects_in_time_order(db: Store, cli: Callable[..., Run]) -> None:
    run = cli("audit", "--format", "json")
    data = json.loads(run.out)
    assert [d["action"] for d in data] == [r[2] for r in ROWS]
    assert data[0]["detail"] == f"mg-3f9a1c2e {TRICKY}" and data[1]["link"] is None
    assert set(data[0]) == {"at", "repo", "action", "actor", "subject", "detail", "link"}
    times = [dt.datetime.fromisoformat(d["at"]) for d in data]
    assert times == sorted(times) and times[0] == T0


def test_filters_by_repository_dates_and_action(db: Store, cli: Callable[..., Run]) -> None:
    assert actions(cli("audit", "--format", "json", "--repo", "github:acme/app")) == [
        "dismiss", "verdict", "deployment", "expired"]
    # A full name without the forge matches it on every forge, and only it.
    assert actions(cli("audit", "--format", "json", "--repo", "acme/app")) == [
        "dismiss", "verdict", "undismiss", "deployment", "expired"]
    assert actions(cli("audit", "--format", "json", "--repo", "acme/ap")) == []
    # A date is a whole UTC day, at both ends.
    assert actions(cli("audit", "--format", "json", "--since", "2026-12-01",
                       "--until", "2026-12-01")) == ["verdict", "refused"]
    assert actions(cli("audit", "--format", "json", "--since", "2026-12-02T10:00Z")) == [
        "deployment", "expired"]
    # A time without an offset is UTC; one with an offset is converted.
    assert actions(cli("audit", "--format", "json", "--until", "2026-11-30T09:00")) == [
        "dismiss"]
    assert actions(cli("audit", "--format", "json", "--until", "2026-11-30T10:00+01:00")) == [
        "dismiss"]
    assert actions(cli("audit", "--format", "json", "--action", "dismiss",
                       "--action", "expired", "--action", "undismiss")) == [
        "dismiss", "undismiss", "expired"]
    assert actions(cli("audit", "--format", "json", "--repo", "acme/app", "--action",
                       "verdict", "--since", "2026-12-02")) == []


def test_text_is_aligned_and_shows_control_characters_escaped(
    db: Store, cli: Callable[..., Run],
) -> None:
    with db.engine.begin() as conn:
        conn.execute(insert(audit_log).values(
            at=T0 + dt.timedelta(days=5), repo="github:acme/app", action="dismiss",
            actor="maint", subject=FP, detail="wont-fix \x1b[2Jgone \u202eevil", link=None))
    run = cli("audit", "--repo", "github:acme/app")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0].split() == ["TIME", "(UTC)", "REPOSITORY", "ACTION", "ACTOR", "SUBJECT",
                                "DETAIL"]
    assert len(lines) == 1 + 5
    column = lines[0].index("ACTION")
    assert all(line[column:].split()[0] in ("ACTION", "dismiss", "verdict", "deployment",
                                            "expired") for line in lines)
    assert lines[1].startswith("2026-11-30 09:00:00  github:acme/app")
    assert FP[:12] in lines[1] and FP not in lines[1]  # abbreviated
    assert "\x1b" not in run.out and "\u202e" not in run.out
    assert "wont-fix \\u001b[2Jgone \\u202eevil" in lines[-1]
    assert "second line" in lines[1]  # the line break became a space


def test_nothing_matches(db: Store, cli: Callable[..., Run]) -> None:
    assert cli("audit", "--repo", "nobody/none").out == "no audit entries\n"
    assert cli("audit", "--repo", "nobody/none", "--format", "json").out == "[]\n"
    run = cli("audit", "--repo", "nobody/none", "--format", "csv")
    assert run.code == 0 and run.out == "at,repo,action,actor,subject,detail,link\r\n"


@pytest.mark.parametrize(("args", "message"), [
    (("--since", "yesterday"), "argument --since: not a date or time: 'yesterday' (use "
     "YYYY-MM-DD for a whole UTC day, or an ISO 8601 time such as 2026-12-01T14:30Z)"),
    (("--until", "2026-13-01"), "argument --until: not a date or time: '2026-13-01'"),
    (("--since", "2026-12-02", "--until", "2026-12-01"), "--since is after --until"),
    (("--action", "approve"), "argument --action: invalid choice: 'approve'"),
])
def test_bad_arguments_are_one_line_and_exit_2(
    db: Store, cli: Callable[..., Run], args: tuple[str, ...], message: str,
) -> None:
    run = cli("audit", *args)
    assert run.code == 2 and run.out == ""
    assert len(run.err.splitlines()) == 1 and message in run.err
    assert run.err.startswith("mergegate") and "audit" in run.err


def test_a_database_that_cannot_be_opened_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., Run],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MERGEGATE_DATABASE_URL")  # the default: mergegate.db here
    run = cli("audit")
    assert (run.code, run.out) == (2, "")
    assert run.err == ("mergegate audit: no SQLite database at mergegate.db: set "
                       "MERGEGATE_DATABASE_URL to the service's database\n")
    assert list(tmp_path.iterdir()) == []  # nothing created

    (tmp_path / "empty.db").write_bytes(b"")
    monkeypatch.setenv("MERGEGATE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    run = cli("audit")
    assert (run.code, run.err) == (2, "mergegate audit: the sqlite database has no MergeGate "
                                      "tables: set MERGEGATE_DATABASE_URL to the service's "
                                      "database\n")

    password = "hunter2-not-real"  # pragma: allowlist secret
    monkeypatch.setenv("MERGEGATE_DATABASE_URL",
                       f"postgresql://mg:{password}@127.0.0.1:1/mergegate")
    run = cli("audit")
    assert run.code == 2 and len(run.err.splitlines()) == 1
    assert run.err.startswith("mergegate audit: the postgresql database cannot be opened: ")
    assert password not in run.err

    monkeypatch.setenv("MERGEGATE_DATABASE_URL", f"postgresql://mg:{password}@host:port/db")
    run = cli("audit")
    assert run.code == 2 and password not in run.err
    assert run.err == "mergegate audit: MERGEGATE_DATABASE_URL is not a database URL\n"


@pytest.mark.postgres
def test_filters_on_postgresql(
    postgres_url: str, postgres_schema: str, monkeypatch: pytest.MonkeyPatch,
    cli: Callable[..., Run],
) -> None:
    store = Store.open(postgres_url, schema=postgres_schema)
    try:
        fill(store)
    finally:
        store.close()
    joiner = "&" if "?" in postgres_url else "?"
    monkeypatch.setenv("MERGEGATE_DATABASE_URL",
                       f"{postgres_url}{joiner}options=-csearch_path%3D{postgres_schema}")
    assert actions(cli("audit", "--format", "json", "--repo", "acme/app", "--since",
                       "2026-12-01", "--action", "undismiss", "--action", "expired",
                       "--action", "verdict")) == ["verdict", "undismiss", "expired"]
    run = cli("audit", "--format", "csv", "--until", "2026-11-30")
    rows = list(csv.DictReader(io.StringIO(run.out, newline="")))
    assert [r["detail"] for r in rows] == [f"mg-3f9a1c2e {TRICKY}"]
    assert rows[0]["at"] == "2026-11-30T09:00:00Z"
