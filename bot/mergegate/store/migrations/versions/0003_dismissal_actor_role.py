"""dismissals.actor_role and actor_groups: the authority a dismissal was made with

Revision ID: 0003
Revises: 0002

A dismissal applies to a change only when its author, with the role and groups recorded here,
would be allowed to dismiss under that change's effective policy. Rows made before this
revision have no recorded role and so apply only where their author is named by login.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dismissals") as batch:
        batch.add_column(sa.Column("actor_role", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("actor_groups", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dismissals") as batch:
        batch.drop_column("actor_groups")
        batch.drop_column("actor_role")
