"""cache_entries (mergegate.store.cache: OSV and deps.dev responses with a time to live)

Revision ID: 0002
Revises: 0001

`mergegate.store.cache.open_cache` may have created the table already (it calls create_all for the
CLI); then only the bookkeeping happens here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("cache_entries"):
        return
    op.create_table(
        "cache_entries",
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_cache_entries")),
    )
    op.create_index("ix_cache_entries_expires_at", "cache_entries", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cache_entries_expires_at", table_name="cache_entries")
    op.drop_table("cache_entries")
