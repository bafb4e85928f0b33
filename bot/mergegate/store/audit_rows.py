"""The one statement that writes an audit row, for the records store and for a delivery's
transaction (a policy change is recorded with the delivery that reported it, or not at all)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Insert, insert

from mergegate.store.tables import audit_log


def audit_insert(repo: str, action: str, actor: str, subject: str, detail: str = "",
                 link: str | None = None) -> Insert:
    return insert(audit_log).values(at=dt.datetime.now(dt.UTC), repo=repo, action=action, actor=actor,
                                    subject=subject, detail=detail, link=link)
