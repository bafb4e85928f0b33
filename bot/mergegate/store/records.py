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

from sqlalchemy import Engine, delete, insert, or_, select, update

from mergegate.core.findings import Finding
from mergegate.core.report import finding_from_dict, finding_to_dict
from mergegate.core.verdict import Dismissal
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
class AuditEntry:
    at: dt.datetime
    repo: str
    action: str
    actor: str
    subject: str
    detail: str
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
                    report_id=report_id,
                )
            )

    def set_scan_status(self, scan_id: int, status: str, conclusion: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(scans).where(scans.c.id == scan_id)
                .values(status=status, conclusion=conclusion, completed_at=utcnow())
            )

    def set_conclusion(self, scan_id: int, conclusion: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(scans).where(scans.c.id == scan_id).values(conclusion=conclusion))

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
            conn.execute(
                insert(audit_log).values(
                    at=utcnow(), repo=repo, action=action, actor=actor, subject=subject,
                    detail=detail, link=link,
                )
            )

    def audit_entries(self, repo: str | None = None) -> list[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.id)
        if repo is not None:
            query = query.where(audit_log.c.repo == repo)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            AuditEntry(_aware(r.at), r.repo, r.action, r.actor, r.subject, r.detail, r.link)
            for r in rows
        ]
