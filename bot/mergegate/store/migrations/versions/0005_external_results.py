"""external_results and external_findings: other tools' results read from a change's CI

Revision ID: 0005
Revises: 0004

A completed CI run's SARIF files and GitLab security reports (mergegate.service.ci_results)
are kept per (repository, head commit, source) so every later judgement of that head
(a rescan, a dismissal, an expiry, a deployment) includes them until a newer run of the same
source replaces them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "external_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("repo", sa.String(length=512), nullable=False),
        sa.Column("sha", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("run_attempt", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_results")),
        sa.UniqueConstraint("repo", "sha", "source", name="uq_external_results_repo_sha_source"),
    )
    op.create_table(
        "external_findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["result_id"], ["external_results.id"],
            name=op.f("fk_external_findings_result_id_external_results"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_findings")),
    )
    op.create_index(op.f("ix_external_findings_result_id"), "external_findings", ["result_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_external_findings_result_id"), table_name="external_findings")
    op.drop_table("external_findings")
    op.drop_table("external_results")
