"""Queries for scans per (repo, sha), their findings, dismissals and the audit log.

Findings are stored with `mergegate.core.report.finding_to_dict`: a secret finding holds its type,
place and a hash, never the value. Scanner errors and notes are stored as plain messages.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, func, insert, or_, select, update

from mergegate.core.audit import AuditEntry
from mergegate.core.findings import Finding
from mergegate.core.report import finding_from_dict, finding_to_dict
from mergegate.core.verdict import Dismissal
from mergegate.store.audit_rows import audit_insert
from mergegate.store.queue import _aware, utcnow
from mergegate.store.tables import audit_log, dismissals, findings, scans


@dataclass(frozen=True, slots=True)
class ScanRecord:
    id: int
    repo: str
    sha: str
    change_number: int | None
    status: str
    conclusion: str | None
    report_id: str | None
    policy_text: str | None
    policy_source: str | None
    org_policy_text: str | None
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ExpiredDismissal:
    """A dismissal past its ``expires_at`` that the scheduler has not acted on yet."""

    id: int
    repo: str
    fingerprint: str
    reason: str
    actor: str
    expires_at: dt.datetime
    link: str | None


def _scan(row: Any) -> ScanRecord:
    return ScanRecord(
        id=row.id, repo=row.repo, sha=row.sha, change_number=row.change_number,
        status=row.status, conclusion=row.conclusion, report_id=row.report_id,
        policy_text=row.policy_text, policy_source=row.policy_source,
        org_policy_text=row.org_policy_text, context=json.loads(row.context or "{}"),
    )


class RecordStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- scans and findings ---------------------------------------------------------------
    def start_scan(
        self, repo: str, sha: str, change_number: int | None, report_id: str | None
    ) -> int:
        """The scan row of (repo, sha), created or reset to running."""
        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(
                select(scans.c.id).where(scans.c.repo == repo, scans.c.sha == sha)
            ).first()
            values = dict(
                change_number=change_number, status="running", report_id=report_id,
                created_at=now, completed_at=None,
            )
            if row is not None:
                conn.execute(update(scans).where(scans.c.id == row.id).values(**values))
                return int(row.id)
            result = conn.execute(insert(scans).values(repo=repo, sha=sha, context="{}", **values))
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def complete_scan(
        self,
        scan_id: int,
        *,
        conclusion: str,
        found: Sequence[Finding],
        policy_text: str | None,
        policy_source: str | None,
        org_policy_text: str | None,
        context: dict[str, Any],
        report_id: str | None,
        blocking: dict[str, int] | None = None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(findings).where(findings.c.scan_id == scan_id))
            if found:
                conn.execute(
                    insert(findings),
                    [
                        {"scan_id": scan_id, "fingerprint": f.fingerprint,
                         "data": json.dumps(finding_to_dict(f), sort_keys=True)}
                        for f in found
                    ],
                )
            conn.execute(
                update(scans).where(scans.c.id == scan_id).values(
                    status="completed", conclusion=conclusion, policy_text=policy_text,
                    policy_source=policy_source, org_policy_text=org_policy_text,
                    context=json.dumps(context, sort_keys=True), completed_at=utcnow(),
                    report_id=report_id, blocking=_blocking_json(blocking),
                )
            )

    def set_scan_status(self, scan_id: int, status: str, conclusion: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(scans).where(scans.c.id == scan_id)
                .values(status=status, conclusion=conclusion, completed_at=utcnow())
            )

    def set_conclusion(
        self, scan_id: int, conclusion: str, blocking: dict[str, int] | None = None
    ) -> None:
        """A re-judged scan's conclusion (and, when given, its blocking counts)."""
        values: dict[str, Any] = {"conclusion": conclusion}
        if blocking is not None:
            values["blocking"] = _blocking_json(blocking)
        with self.engine.begin() as conn:
            conn.execute(update(scans).where(scans.c.id == scan_id).values(**values))

    def set_report_id(self, scan_id: int, report_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(scans).where(scans.c.id == scan_id).values(report_id=report_id))

    def scan_for(self, repo: str, sha: str) -> ScanRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(scans).where(scans.c.repo == repo, scans.c.sha == sha)
            ).first()
        return None if row is None else _scan(row)

    def findings_of(self, scan_id: int) -> list[Finding]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(findings.c.data).where(findings.c.scan_id == scan_id)
                .order_by(findings.c.id)
            ).all()
        return [finding_from_dict(json.loads(r.data)) for r in rows]

    # -- dismissals -------------------------------------------------------------------------
    def add_dismissal(self, repo: str, d: Dismissal) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(dismissals)
                .where(
                    dismissals.c.repo == repo,
                    dismissals.c.fingerprint == d.fingerprint,
                    dismissals.c.revoked_at.is_(None),
                )
                .values(revoked_at=d.at, revoked_by=d.by)
            )
            conn.execute(
                insert(dismissals).values(
                    repo=repo, fingerprint=d.fingerprint, reason=d.reason, actor=d.by,
                    actor_role=d.role, actor_groups=json.dumps(sorted(d.groups)),
                    comment=d.comment, link=d.link, created_at=d.at, expires_at=d.expires,
                )
            )

    def revoke_dismissals(
        self, repo: str, fingerprints: Iterable[str], by: str, at: dt.datetime
    ) -> list[str]:
        """Revoke the active dismissals of these fingerprints; return the ones revoked."""
        revoked: list[str] = []
        with self.engine.begin() as conn:
            for fp in fingerprints:
                result = conn.execute(
                    update(dismissals)
                    .where(
                        dismissals.c.repo == repo,
                        dismissals.c.fingerprint == fp,
                        dismissals.c.revoked_at.is_(None),
                    )
                    .values(revoked_at=at, revoked_by=by)
                )
                if result.rowcount:
                    revoked.append(fp)
        return revoked

    def active_dismissals(self, repo: str, now: dt.datetime | None = None) -> list[Dismissal]:
        now = now or utcnow()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(dismissals).where(
                    dismissals.c.repo == repo,
                    dismissals.c.revoked_at.is_(None),
                    or_(dismissals.c.expires_at.is_(None), dismissals.c.expires_at > now),
                ).order_by(dismissals.c.id)
            ).all()
        return [
            Dismissal(
                fingerprint=r.fingerprint, reason=r.reason, by=r.actor,
                at=_aware(r.created_at), expires=_aware(r.expires_at) if r.expires_at else None,
                comment=r.comment, link=r.link, role=r.actor_role,
                groups=tuple(json.loads(r.actor_groups or "[]")),
            )
            for r in rows
        ]

    # -- audit log --------------------------------------------------------------------------
    def audit(
        self, repo: str, action: str, actor: str, subject: str, detail: str = "",
        link: str | None = None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(audit_insert(repo, action, actor, subject, detail, link))

    def audit_entries(
        self, repo: str | None = None, *, since: dt.datetime | None = None,
        until: dt.datetime | None = None, actions: Iterable[str] | None = None,
    ) -> list[AuditEntry]:
        """The audit log, oldest first, filtered in the database.

        ``repo`` is a store key (``github:acme/app``) or a full name on any forge
        (``acme/app``); ``since`` and ``until`` are inclusive; ``actions`` keeps only those.
        """
        query = select(audit_log).order_by(audit_log.c.at, audit_log.c.id)
        if repo is not None:
            query = query.where(or_(audit_log.c.repo == repo,
                                    audit_log.c.repo.endswith(f":{repo}", autoescape=True)))
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        if until is not None:
            query = query.where(audit_log.c.at <= until)
        if actions is not None:
            query = query.where(audit_log.c.action.in_(list(actions)))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            AuditEntry(_aware(r.at), r.repo, r.action, r.actor, r.subject, r.detail, r.link)
            for r in rows
        ]

    # -- the scheduler ----------------------------------------------------------------------
    def repos_with_expired_dismissals(self, now: dt.datetime) -> list[str]:
        """Repositories with dismissals expired by ``now`` and not acted on yet."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(dismissals.c.repo).distinct().where(*_expired_unnoted(now))
                .order_by(dismissals.c.repo)
            ).all()
        return [str(r.repo) for r in rows]

    def expired_dismissals(self, repo: str, now: dt.datetime) -> list[ExpiredDismissal]:
        """The repository's dismissals expired by ``now`` and not acted on yet."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(dismissals).where(dismissals.c.repo == repo, *_expired_unnoted(now))
                .order_by(dismissals.c.expires_at, dismissals.c.id)
            ).all()
        return [
            ExpiredDismissal(r.id, r.repo, r.fingerprint, r.reason, r.actor,
                             _aware(r.expires_at), r.link)
            for r in rows
        ]

    def note_expired(
        self, expired: Sequence[ExpiredDismissal], at: dt.datetime
    ) -> list[ExpiredDismissal]:
        """Mark the dismissals' expiry as acted on and write one `expired` audit row each, in
        one transaction; returns those this call marked (not another process before it)."""
        noted: list[ExpiredDismissal] = []
        with self.engine.begin() as conn:
            for d in expired:
                result = conn.execute(
                    update(dismissals)
                    .where(dismissals.c.id == d.id, dismissals.c.expiry_noted_at.is_(None))
                    .values(expiry_noted_at=at)
                )
                if not result.rowcount:
                    continue
                noted.append(d)
                conn.execute(
                    insert(audit_log).values(
                        at=utcnow(), repo=d.repo, action="expired", actor="mergegate",
                        subject=d.fingerprint,
                        detail=(f"{d.reason} by {d.actor} expired at "
                                f"{d.expires_at.strftime('%Y-%m-%d %H:%M:%S')} UTC"),
                        link=d.link,
                    )
                )
        return noted

    def changes_with_findings(
        self, repo: str, fingerprints: Iterable[str]
    ) -> list[tuple[int, str]]:
        """(change number, head sha) of each change of the repository whose latest completed
        scan has a finding with one of these fingerprints."""
        wanted = sorted(set(fingerprints))
        if not wanted:
            return []
        latest = (
            select(scans.c.change_number, func.max(scans.c.completed_at).label("completed_at"))
            .where(scans.c.repo == repo, scans.c.status == "completed",
                   scans.c.change_number.is_not(None))
            .group_by(scans.c.change_number)
            .subquery()
        )
        query = (
            select(scans.c.change_number, scans.c.sha).distinct()
            .join(latest, (latest.c.change_number == scans.c.change_number)
                  & (latest.c.completed_at == scans.c.completed_at))
            .join(findings, findings.c.scan_id == scans.c.id)
            .where(scans.c.repo == repo, scans.c.status == "completed",
                   findings.c.fingerprint.in_(wanted))
            .order_by(scans.c.change_number)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [(int(r.change_number), str(r.sha)) for r in rows]

    def scanned_repos(self, prefix: str) -> list[str]:
        """Store keys of the repositories with scans whose key starts with ``prefix``
        (``github:acme/``: an organization's)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(scans.c.repo).distinct()
                .where(scans.c.repo.startswith(prefix, autoescape=True))
                .order_by(scans.c.repo)
            ).all()
        return [str(r.repo) for r in rows]


def _blocking_json(blocking: dict[str, int] | None) -> str | None:
    return None if blocking is None else json.dumps(blocking, sort_keys=True)


def _expired_unnoted(now: dt.datetime) -> tuple[Any, ...]:
    return (
        dismissals.c.revoked_at.is_(None),
        dismissals.c.expires_at.is_not(None),
        dismissals.c.expires_at <= now,
        dismissals.c.expiry_noted_at.is_(None),
    )
