"""dismissals.expiry_noted_at: when the scheduler acted on a dismissal's expiry

Revision ID: 0004
Revises: 0003

The scheduler (mergegate.service.schedule) re-judges the open changes a dismissal applied to
once it has expired, and records an `expired` audit row. This column says it did, so a
dismissal's expiry is acted on once, by one process, also across restarts. Dismissals that
expired before this revision are acted on at the first tick.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dismissals") as batch:
        batch.add_column(sa.Column("expiry_noted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dismissals") as batch:
        batch.drop_column("expiry_noted_at")
