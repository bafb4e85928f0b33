"""Alembic environment: the shared metadata, on the connection `mergegate.store.db.migrate` gives."""

from __future__ import annotations

from alembic import context
from mergegate.store.db import load_tables, normalize_url
from mergegate.store.schema import metadata
from sqlalchemy import create_engine

load_tables()
config = context.config
target_metadata = metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = normalize_url(config.get_main_option("sqlalchemy.url") or "sqlite:///mergegate.db")
    engine = create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run()
