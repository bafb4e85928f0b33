"""The store the service uses: one engine, the queue and the records, migrated at start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from mergegate.store.db import StoreError, make_engine, normalize_url, open_store
from mergegate.store.external_results import ExternalResultStore
from mergegate.store.queue import QueueStore
from mergegate.store.records import RecordStore


@dataclass
class Store:
    engine: Engine
    queue: QueueStore
    records: RecordStore
    external: ExternalResultStore

    @classmethod
    def open(cls, url: str, *, schema: str | None = None) -> Store:
        engine = open_store(url, schema=schema)
        return cls(engine, QueueStore(engine), RecordStore(engine), ExternalResultStore(engine))

    @classmethod
    def connect(cls, url: str) -> Store:
        """The store of an existing database as it is, for readers (`mergegate audit`):
        nothing is migrated or created. StoreError says, in one line, why it cannot be read:
        a SQLite file that does not exist, a server that does not answer, no MergeGate tables.
        """
        try:
            parsed = make_url(normalize_url(url))
        except (SQLAlchemyError, ValueError):  # the message would quote the URL, password and all
            raise StoreError("MERGEGATE_DATABASE_URL is not a database URL") from None
        scheme = parsed.get_backend_name()
        if scheme == "sqlite" and parsed.database not in (None, "", ":memory:"):
            path = Path(parsed.database)
            if not path.is_file():
                raise StoreError(f"no SQLite database at {path}: set MERGEGATE_DATABASE_URL "
                                 "to the service's database")
        engine = make_engine(url)
        try:
            found = inspect(engine).has_table("audit_log")
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError(f"the {scheme} database cannot be opened: {_first_line(exc)}") from None
        if not found:
            engine.dispose()
            raise StoreError(f"the {scheme} database has no MergeGate tables: set "
                             "MERGEGATE_DATABASE_URL to the service's database")
        return cls(engine, QueueStore(engine), RecordStore(engine), ExternalResultStore(engine))

    def close(self) -> None:
        self.engine.dispose()


def _first_line(exc: SQLAlchemyError) -> str:
    """The driver's own message, first line (SQLAlchemy adds the statement and a link)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
