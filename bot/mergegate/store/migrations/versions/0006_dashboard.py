"""scans.blocking and the dashboard's indexes

Revision ID: 0006
Revises: 0005

`scans.blocking` holds the blocking findings of the scan's latest verdict counted by scanner
and severity (JSON ``{"sast|high": 2}``), written with every verdict and re-judgement, so the
dashboard sums a thousand open changes without judging their findings again. Scans judged
before this revision have none (the dashboard counts them as changes, not by scanner).

The indexes serve the dashboard's queries: a repository's changes, the audit log newest first
by action, dismissals by creation time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("blocking", sa.Text(), nullable=True))
    op.create_index("ix_scans_repo_change", "scans", ["repo", "change_number", "created_at"])
    op.create_index("ix_audit_log_action_at", "audit_log", ["action", "at"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_dismissals_created_at", "dismissals", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_dismissals_created_at", "dismissals")
    op.drop_index("ix_audit_log_at", "audit_log")
    op.drop_index("ix_audit_log_action_at", "audit_log")
    op.drop_index("ix_scans_repo_change", "scans")
    with op.batch_alter_table("scans") as batch:
        batch.drop_column("blocking")
