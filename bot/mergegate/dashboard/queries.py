"""The dashboard's reads of the store: each page's data in a few indexed queries.

Every query takes the store keys of the repositories the person may read and never returns
a row of another. An open change is a change whose latest scan was not followed by a
`cancel` job (the forge said it was closed or merged).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, String, and_, cast, exists, func, or_, select

from mergegate.core.audit import AuditEntry
from mergegate.store.tables import audit_log, dismissals, findings, jobs, scans


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class ChangeRow:
    repo: str  # store key
    number: int
    sha: str
    status: str  # running | completed | superseded | failed
    conclusion: str | None
    blocking: dict[str, int] | None  # None: judged before blocking counts were stored
    created_at: dt.datetime
    completed_at: dt.datetime | None

    @property
    def state(self) -> str:
        """blocked | passing | neutral | scanning | error"""
        if self.status == "running":
            return "scanning"
        if self.status != "completed":
            return "error"
        return {"failure": "blocked", "success": "passing"}.get(self.conclusion or "", "neutral")

    @property
    def blocking_total(self) -> int:
        return sum((self.blocking or {}).values())


@dataclass(frozen=True, slots=True)
class ScanRow:
    id: int
    sha: str
    status: str
    conclusion: str | None
    created_at: dt.datetime
    completed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class DismissalRow:
    id: int
    repo: str
    fingerprint: str
    reason: str
    actor: str
    comment: str
    link: str | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoked_by: str | None

    @property
    def finding_id(self) -> str:
        return "mg-" + self.fingerprint[:8]


@dataclass
class AuditFilter:
    repo: str | None = None  # a store key or a full name
    action: str | None = None
    actor: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def clauses(self) -> list[Any]:
        out: list[Any] = []
        if self.repo:
            out.append(_repo_clause(audit_log.c.repo, self.repo))
        if self.action:
            out.append(audit_log.c.action == self.action)
        if self.actor:
            out.append(func.lower(audit_log.c.actor) == self.actor.lower())
        if self.since:
            out.append(audit_log.c.at >= self.since)
        if self.until:
            out.append(audit_log.c.at <= self.until)
        return out


@dataclass
class DismissalFilter:
    repo: str | None = None
    actor: str | None = None
    reason: str | None = None

    def clauses(self) -> list[Any]:
        out: list[Any] = []
        if self.repo:
            out.append(_repo_clause(dismissals.c.repo, self.repo))
        if self.actor:
            out.append(func.lower(dismissals.c.actor) == self.actor.lower())
        if self.reason:
            out.append(dismissals.c.reason == self.reason)
        return out


@dataclass
class DismissalSections:
    active: list[DismissalRow] = field(default_factory=list)
    expiring: list[DismissalRow] = field(default_factory=list)  # within 7 days
    expired: list[DismissalRow] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # per section, beyond the rows shown


def _repo_clause(column: Any, repo: str) -> Any:
    return or_(column == repo, column.endswith(f":{repo}", autoescape=True))


def _dismissal(r: Any) -> DismissalRow:
    return DismissalRow(
        r.id, r.repo, r.fingerprint, r.reason, r.actor, r.comment or "", r.link,
        _aware(r.created_at), _aware(r.expires_at), _aware(r.revoked_at),  # type: ignore[arg-type]
        r.revoked_by,
    )


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(_aware(r.at), r.repo, r.action, r.actor, r.subject,  # type: ignore[arg-type]
                      r.detail, r.link)


class DashboardQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- repositories and changes ----------------------------------------------------------
    def open_changes(self, repos: Collection[str]) -> list[ChangeRow]:
        """The open changes of these repositories, each at its latest scan, newest first."""
        if not repos:
            return []
        latest = (
            select(scans.c.repo, scans.c.change_number,
                   func.max(scans.c.created_at).label("at"))
            .where(scans.c.repo.in_(sorted(repos)), scans.c.change_number.is_not(None))
            .group_by(scans.c.repo, scans.c.change_number)
            .subquery()
        )
        change_key = scans.c.repo + "#" + cast(scans.c.change_number, String)
        closed = exists().where(jobs.c.key == change_key, jobs.c.kind == "cancel",
                                jobs.c.created_at >= scans.c.created_at)
        query = (
            select(scans.c.repo, scans.c.change_number, scans.c.sha, scans.c.status,
                   scans.c.conclusion, scans.c.blocking, scans.c.created_at,
                   scans.c.completed_at)
            .join(latest, and_(latest.c.repo == scans.c.repo,
                               latest.c.change_number == scans.c.change_number,
                               latest.c.at == scans.c.created_at))
            .where(~closed)
            .order_by(scans.c.created_at.desc(), scans.c.id.desc())
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            ChangeRow(r.repo, int(r.change_number), r.sha, r.status, r.conclusion,
                      json.loads(r.blocking) if r.blocking else None,
                      _aware(r.created_at), _aware(r.completed_at))  # type: ignore[arg-type]
            for r in rows
        ]

    def change_scans(self, repo: str, number: int) -> list[ScanRow]:
        """Every scan of one change, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(scans.c.id, scans.c.sha, scans.c.status, scans.c.conclusion,
                       scans.c.created_at, scans.c.completed_at)
                .where(scans.c.repo == repo, scans.c.change_number == number)
                .order_by(scans.c.created_at.desc(), scans.c.id.desc())
            ).all()
        return [ScanRow(r.id, r.sha, r.status, r.conclusion, _aware(r.created_at),  # type: ignore[arg-type]
                        _aware(r.completed_at)) for r in rows]

    def is_closed(self, repo: str, number: int, since: dt.datetime) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(jobs.c.id).where(jobs.c.key == f"{repo}#{number}",
                                        jobs.c.kind == "cancel", jobs.c.created_at >= since)
                .limit(1)
            ).first()
        return row is not None

    def latest_completed(self, repo: str) -> tuple[str, int | None] | None:
        """(sha, change number) of the repository's most recently completed scan: its policy
        is the one in force as far as MergeGate knows."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(scans.c.sha, scans.c.change_number)
                .where(scans.c.repo == repo, scans.c.status == "completed")
                .order_by(scans.c.completed_at.desc(), scans.c.id.desc()).limit(1)
            ).first()
        return None if row is None else (str(row.sha), row.change_number)

    # -- charts -----------------------------------------------------------------------------
    def findings_per_day(self, repos: Collection[str], since: dt.datetime) -> dict[dt.date, int]:
        """Findings of the scans completed each day since ``since`` (UTC days)."""
        if not repos:
            return {}
        query = (
            select(scans.c.completed_at, func.count(findings.c.id).label("n"))
            .join(findings, findings.c.scan_id == scans.c.id)
            .where(scans.c.repo.in_(sorted(repos)), scans.c.completed_at >= since)
            .group_by(scans.c.id, scans.c.completed_at)
        )
        out: dict[dt.date, int] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(query):
                day = _aware(r.completed_at).date()  # type: ignore[union-attr]
                out[day] = out.get(day, 0) + int(r.n)
        return out

    def dismissals_per_day(self, repos: Collection[str], since: dt.datetime) -> dict[dt.date, int]:
        if not repos:
            return {}
        out: dict[dt.date, int] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(
                select(dismissals.c.created_at)
                .where(dismissals.c.repo.in_(sorted(repos)), dismissals.c.created_at >= since)
            ):
                day = _aware(r.created_at).date()  # type: ignore[union-attr]
                out[day] = out.get(day, 0) + 1
        return out

    # -- dismissals -------------------------------------------------------------------------
    def dismissal_sections(
        self, repos: Collection[str], now: dt.datetime, flt: DismissalFilter,
        limit: int = 500,
    ) -> DismissalSections:
        """Standing dismissals (not undismissed): active, expiring within 7 days, expired."""
        sections = DismissalSections()
        if not repos:
            return sections
        soon = now + dt.timedelta(days=7)
        base = select(dismissals).where(dismissals.c.repo.in_(sorted(repos)),
                                        dismissals.c.revoked_at.is_(None), *flt.clauses())
        queries = {
            "active": base.where(or_(dismissals.c.expires_at.is_(None),
                                     dismissals.c.expires_at > soon))
            .order_by(dismissals.c.created_at.desc()),
            "expiring": base.where(dismissals.c.expires_at > now, dismissals.c.expires_at <= soon)
            .order_by(dismissals.c.expires_at),
            "expired": base.where(dismissals.c.expires_at <= now)
            .order_by(dismissals.c.expires_at.desc()),
        }
        with self.engine.connect() as conn:
            for name, query in queries.items():
                rows = conn.execute(query.limit(limit)).all()
                getattr(sections, name).extend(_dismissal(r) for r in rows)
                total = len(rows)
                if total == limit:  # more may stand: count them all
                    total = conn.execute(
                        select(func.count()).select_from(query.order_by(None).subquery())
                    ).scalar_one()
                sections.totals[name] = total
        return sections

    def dismissals_of(self, repo: str, fingerprints: Iterable[str]) -> list[DismissalRow]:
        """Every dismissal (standing or undismissed) of these fingerprints, newest first."""
        wanted = sorted(set(fingerprints))
        if not wanted:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(dismissals).where(dismissals.c.repo == repo,
                                         dismissals.c.fingerprint.in_(wanted))
                .order_by(dismissals.c.created_at.desc(), dismissals.c.id.desc())
            ).all()
        return [_dismissal(r) for r in rows]

    def dismissal_values(self, repos: Collection[str]) -> tuple[list[str], list[str]]:
        """The actors and reasons found among these repositories' dismissals (filter menus)."""
        if not repos:
            return [], []
        with self.engine.connect() as conn:
            actors = conn.execute(select(dismissals.c.actor).distinct()
                                  .where(dismissals.c.repo.in_(sorted(repos)))).all()
            reasons = conn.execute(select(dismissals.c.reason).distinct()
                                   .where(dismissals.c.repo.in_(sorted(repos)))).all()
        return sorted(str(r[0]) for r in actors), sorted(str(r[0]) for r in reasons)

    # -- the audit log and deployments ------------------------------------------------------
    def audit(
        self, repos: Collection[str], flt: AuditFilter, *, limit: int | None = None,
        offset: int = 0, newest_first: bool = True,
    ) -> list[AuditEntry]:
        if not repos:
            return []
        order = ((audit_log.c.at.desc(), audit_log.c.id.desc()) if newest_first
                 else (audit_log.c.at, audit_log.c.id))
        query = (select(audit_log).where(audit_log.c.repo.in_(sorted(repos)), *flt.clauses())
                 .order_by(*order).offset(offset))
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_entry(r) for r in rows]

    def audit_about(self, repo: str, action: str, subjects: Collection[str]) -> list[AuditEntry]:
        """One repository's audit rows of ``action`` about these subjects, newest first."""
        if not subjects:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(audit_log).where(audit_log.c.repo == repo, audit_log.c.action == action,
                                        audit_log.c.subject.in_(sorted(subjects)))
                .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
            ).all()
        return [_entry(r) for r in rows]

    def deployments_of(self, repo: str, shas: Collection[str]) -> list[AuditEntry]:
        """Deployment decisions for these commits (subjects ``environment@sha``)."""
        if not shas:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(audit_log).where(
                    audit_log.c.repo == repo, audit_log.c.action == "deployment",
                    or_(*[audit_log.c.subject.endswith(f"@{sha}", autoescape=True)
                          for sha in sorted(shas)]),
                ).order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
            ).all()
        return [_entry(r) for r in rows]

    def audit_actors(self, repos: Collection[str]) -> list[str]:
        if not repos:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(select(audit_log.c.actor).distinct()
                                .where(audit_log.c.repo.in_(sorted(repos)))).all()
        return sorted(str(r[0]) for r in rows)
