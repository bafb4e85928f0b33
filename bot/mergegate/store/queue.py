"""Queries for webhook deliveries and the persistent job queue.

Jobs for one change share a ``key``. Enqueueing a scan replaces a queued scan of the same key
(coalescing: ten pushes make at most one running and one queued scan). A running scan learns it
is superseded when a later scan or cancel job exists for its key (`is_superseded`), so this
works across processes. `claim` never hands out a job whose key already has a running job.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from mergegate.store.audit_rows import audit_insert
from mergegate.store.tables import deliveries, jobs

SUPERSEDING_KINDS: tuple[str, ...] = ("scan", "cancel")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    status: str
    attempts: int
    report_id: str | None


def _job(row: Any) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        key=row.key,
        payload=json.loads(row.payload),
        status=row.status,
        attempts=row.attempts,
        report_id=row.report_id,
    )


def _head(payload: dict[str, Any]) -> object:
    change = payload.get("change")
    return change.get("head_sha") if isinstance(change, dict) else None


class QueueStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _begin(self) -> AbstractContextManager[Connection]:
        return self.engine.begin()

    def _connect(self) -> AbstractContextManager[Connection]:
        return self.engine.connect()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[QueueStore]:
        """A queue whose every call runs in one transaction, committed at the end of the
        block and rolled back if it raises (a delivery recorded with its jobs, or neither)."""
        with self.engine.begin() as conn:
            yield _BoundQueueStore(self.engine, conn)

    def add_delivery(self, forge: str, delivery_id: str, event: str) -> None:
        """Record a delivery; raises ``IntegrityError`` when it was seen before."""
        with self._begin() as conn:
            conn.execute(
                insert(deliveries).values(
                    id=f"{forge}:{delivery_id}", forge=forge, event=event,
                    received_at=utcnow(),
                )
            )

    def audit(self, repo: str, action: str, actor: str, subject: str, detail: str = "",
              link: str | None = None) -> None:
        """An audit row, in this queue's transaction when it is bound to one (a delivery)."""
        with self._begin() as conn:
            conn.execute(audit_insert(repo, action, actor, subject, detail, link))

    def record_delivery(self, forge: str, delivery_id: str, event: str) -> bool:
        """Remember a delivery; False when it was seen before (a redelivery)."""
        try:
            self.add_delivery(forge, delivery_id, event)
        except IntegrityError:
            return False
        return True

    def enqueue(
        self, kind: str, key: str, payload: dict[str, Any], *, coalesce: bool,
        delay: float = 0.0, max_delay: float = 10.0,
    ) -> int:
        """Add a job (or, with ``coalesce``, refresh the queued job of the same kind and key).

        ``delay`` debounces: the job runs no earlier than ``delay`` seconds from now, and a
        coalescing update postpones it again, but never past ``max_delay`` after the queued
        job was created (so a stream of pushes cannot starve it).

        A queued job that already started a report (a check run: it failed and waits for a
        retry) is not coalesced into when the change's head differs: its report belongs to
        the old head. A new job is added instead, and the old one is made due at once: it
        sees the newer job (`is_superseded`) and closes its report as superseded.
        """
        now = utcnow()
        body = json.dumps(payload, sort_keys=True)
        run_after = now + dt.timedelta(seconds=delay)
        with self._begin() as conn:
            if coalesce:
                row = conn.execute(
                    select(jobs.c.id, jobs.c.created_at, jobs.c.report_id, jobs.c.payload,
                           jobs.c.run_after).where(
                        jobs.c.key == key, jobs.c.kind == kind, jobs.c.status == "queued"
                    ).order_by(jobs.c.id.desc()).limit(1)
                ).first()
                if (row is not None and row.report_id
                        and _head(json.loads(row.payload)) != _head(payload)):
                    conn.execute(  # the old head's job closes its report at once
                        update(jobs).where(jobs.c.id == row.id)
                        .values(updated_at=now, run_after=min(_aware(row.run_after), now))
                    )
                    row = None
                if row is not None:
                    latest = _aware(row.created_at) + dt.timedelta(seconds=max_delay)
                    conn.execute(
                        update(jobs).where(jobs.c.id == row.id)
                        .values(payload=body, updated_at=now, run_after=min(run_after, latest))
                    )
                    return int(row.id)
            result = conn.execute(
                insert(jobs).values(
                    kind=kind, key=key, payload=body, status="queued", attempts=0,
                    run_after=run_after, created_at=now, updated_at=now,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def recent(self, key: str, kind: str, seconds: float) -> bool:
        """Whether a job of this kind and key was created in the last ``seconds``."""
        since = utcnow() - dt.timedelta(seconds=seconds)
        with self._connect() as conn:
            row = conn.execute(
                select(jobs.c.id).where(
                    jobs.c.key == key, jobs.c.kind == kind, jobs.c.created_at >= since
                ).limit(1)
            ).first()
        return row is not None

    def active_payloads(self, key: str, kind: str) -> list[dict[str, Any]]:
        """Payloads of the queued and running jobs of a kind and key."""
        with self._connect() as conn:
            rows = conn.execute(
                select(jobs.c.payload).where(
                    jobs.c.key == key, jobs.c.kind == kind,
                    jobs.c.status.in_(("queued", "running")),
                )
            ).all()
        return [json.loads(r.payload) for r in rows]

    def drop_queued(self, key: str, kinds: tuple[str, ...]) -> int:
        with self._begin() as conn:
            result = conn.execute(
                update(jobs)
                .where(jobs.c.key == key, jobs.c.status == "queued", jobs.c.kind.in_(kinds))
                .values(status="superseded", updated_at=utcnow())
            )
            return int(result.rowcount)

    def claim(self, now: dt.datetime | None = None) -> Job | None:
        """Take the oldest due job whose key has no running job; mark it running."""
        now = now or utcnow()
        busy = aliased(jobs)
        for _ in range(5):  # another worker may take the same row first
            with self._begin() as conn:
                row = conn.execute(
                    select(jobs)
                    .where(
                        jobs.c.status == "queued",
                        jobs.c.run_after <= now,
                        ~exists().where(and_(busy.c.key == jobs.c.key, busy.c.status == "running")),
                    )
                    .order_by(jobs.c.run_after, jobs.c.id)
                    .limit(1)
                ).first()
                if row is None:
                    return None
                taken = conn.execute(
                    update(jobs)
                    .where(jobs.c.id == row.id, jobs.c.status == "queued")
                    .values(status="running", attempts=row.attempts + 1, updated_at=now)
                )
                if taken.rowcount == 1:
                    fresh = conn.execute(select(jobs).where(jobs.c.id == row.id)).one()
                    return _job(fresh)
        return None

    def set_report(self, job_id: int, report_id: str) -> None:
        with self._begin() as conn:
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(report_id=report_id))

    def finish(self, job_id: int, status: str, error: str | None = None) -> None:
        with self._begin() as conn:
            conn.execute(
                update(jobs).where(jobs.c.id == job_id)
                .values(status=status, error=error, updated_at=utcnow())
            )

    def retry_later(self, job_id: int, delay: float, error: str) -> None:
        when = utcnow() + dt.timedelta(seconds=delay)
        with self._begin() as conn:
            conn.execute(
                update(jobs).where(jobs.c.id == job_id)
                .values(status="queued", run_after=when, error=error, updated_at=utcnow())
            )

    def is_superseded(self, job: Job) -> str | None:
        """The kind of a later scan/cancel job for the same key, if any.

        A later job counts whatever its state: a job retried after a newer one already ran
        (workers may run them in either order) is stale all the same.
        """
        with self._connect() as conn:
            row = conn.execute(
                select(jobs.c.kind).where(
                    jobs.c.key == job.key,
                    jobs.c.id > job.id,
                    jobs.c.kind.in_(SUPERSEDING_KINDS),
                ).order_by(jobs.c.id.desc()).limit(1)
            ).first()
        return None if row is None else str(row.kind)

    def recover(self) -> list[Job]:
        """Jobs a crashed process left running: put them back in the queue, report id kept."""
        with self._begin() as conn:
            rows = conn.execute(select(jobs).where(jobs.c.status == "running")).all()
            conn.execute(
                update(jobs).where(jobs.c.status == "running")
                .values(status="queued", run_after=utcnow(), updated_at=utcnow())
            )
        return [_job(r) for r in rows]

    def get(self, job_id: int) -> Job | None:
        with self._connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return None if row is None else _job(row)

    def count(self, status: str | None = None, kind: str | None = None) -> int:
        query = select(jobs.c.id)
        if status:
            query = query.where(jobs.c.status == status)
        if kind:
            query = query.where(jobs.c.kind == kind)
        with self._connect() as conn:
            return len(conn.execute(query).all())

    def pending(self) -> int:
        """Jobs queued or running, counted in one query."""
        with self._connect() as conn:
            return len(conn.execute(
                select(jobs.c.id).where(jobs.c.status.in_(("queued", "running")))
            ).all())

    def payloads_about(self, repo_key: str, limit: int = 20) -> list[dict[str, Any]]:
        """Payloads of the latest jobs of a repository (keys ``<repo_key>#...`` or
        ``<repo_key>@...``), newest first: what the forge told about it (e.g. its
        installation), for jobs the scheduler starts without an event."""
        with self._connect() as conn:
            rows = conn.execute(
                select(jobs.c.payload).where(or_(
                    jobs.c.key.startswith(f"{repo_key}#", autoescape=True),
                    jobs.c.key.startswith(f"{repo_key}@", autoescape=True),
                )).order_by(jobs.c.id.desc()).limit(limit)
            ).all()
        return [json.loads(r.payload) for r in rows]

    def latest_kind(self, key: str, kinds: tuple[str, ...]) -> str | None:
        """The kind of the newest job of ``key`` among ``kinds`` (``cancel``: the change was
        closed after its last scan)."""
        with self._connect() as conn:
            row = conn.execute(
                select(jobs.c.kind).where(jobs.c.key == key, jobs.c.kind.in_(kinds))
                .order_by(jobs.c.id.desc()).limit(1)
            ).first()
        return None if row is None else str(row.kind)

    def next_due(self) -> dt.datetime | None:
        with self._connect() as conn:
            row = conn.execute(
                select(jobs.c.run_after).where(jobs.c.status == "queued")
                .order_by(jobs.c.run_after).limit(1)
            ).first()
        return None if row is None else _aware(row.run_after)


class _BoundQueueStore(QueueStore):
    """A queue store whose calls all use one connection (see `QueueStore.transaction`)."""

    def __init__(self, engine: Engine, conn: Connection) -> None:
        super().__init__(engine)
        self._conn = conn

    def _begin(self) -> AbstractContextManager[Connection]:
        return contextlib.nullcontext(self._conn)

    def _connect(self) -> AbstractContextManager[Connection]:
        return contextlib.nullcontext(self._conn)
