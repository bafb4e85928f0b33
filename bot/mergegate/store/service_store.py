"""The store the service uses: one engine, the queue and the records, migrated at start."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from mergegate.store.db import open_store
from mergegate.store.queue import QueueStore
from mergegate.store.records import RecordStore


@dataclass
class Store:
    engine: Engine
    queue: QueueStore
    records: RecordStore

    @classmethod
    def open(cls, url: str, *, schema: str | None = None) -> Store:
        engine = open_store(url, schema=schema)
        return cls(engine, QueueStore(engine), RecordStore(engine))

    def close(self) -> None:
        self.engine.dispose()
