"""The service's tables: webhook deliveries, jobs, scans per (repo, sha), findings, dismissals
and the audit log. All are defined on the shared `metadata` (mergegate.store.schema).

JSON columns are Text holding JSON written by the store's queries, so SQLite and PostgreSQL
behave the same. Times are timezone-aware UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from mergegate.store.schema import metadata

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(128), primary_key=True),  # forge:delivery-id
    Column("forge", String(16), nullable=False),
    Column("event", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("key", String(512), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),  # queued|running|done|failed|superseded
    Column("attempts", Integer, nullable=False, default=0),
    Column("run_after", DateTime(timezone=True), nullable=False),
    Column("report_id", String(64), nullable=True),  # the check run this job started
    Column("error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_jobs_status_run_after", "status", "run_after"),
    Index("ix_jobs_key_status", "key", "status"),
)

scans = Table(
    "scans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("repo", String(512), nullable=False),  # forge:full_name
    Column("sha", String(64), nullable=False),
    Column("change_number", Integer, nullable=True),
    Column("status", String(16), nullable=False),  # running|completed|superseded|failed
    Column("conclusion", String(16), nullable=True),
    Column("report_id", String(64), nullable=True),
    Column("policy_text", Text, nullable=True),
    Column("policy_source", String(255), nullable=True),
    Column("org_policy_text", Text, nullable=True),
    Column("context", Text, nullable=False, default="{}"),  # errors, notes, risk (JSON)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    # the latest verdict's blocking findings by scanner and severity, JSON {"sast|high": 2}
    Column("blocking", Text, nullable=True),
    UniqueConstraint("repo", "sha", name="uq_scans_repo_sha"),
    Index("ix_scans_repo_change", "repo", "change_number", "created_at"),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "scan_id", Integer, ForeignKey("scans.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("fingerprint", String(64), nullable=False),
    Column("data", Text, nullable=False),  # mergegate.core.report.finding_to_dict, as JSON
)

dismissals = Table(
    "dismissals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("repo", String(512), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("actor", String(255), nullable=False),
    # the actor's forge role and matching `@group` entries when they dismissed (authority)
    Column("actor_role", String(32), nullable=True),
    Column("actor_groups", Text, nullable=True),  # JSON list
    Column("comment", Text, nullable=False, default=""),
    Column("link", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revoked_by", String(255), nullable=True),
    # when the scheduler re-judged the changes after expires_at and wrote the `expired` audit row
    Column("expiry_noted_at", DateTime(timezone=True), nullable=True),
    Index("ix_dismissals_repo_fingerprint", "repo", "fingerprint"),
    Index("ix_dismissals_created_at", "created_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("repo", String(512), nullable=False),
    # mergegate.core.audit.AUDIT_ACTIONS: dismiss|undismiss|expired|refused|verdict|deployment
    Column("action", String(32), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("subject", String(255), nullable=False),  # a fingerprint, a sha, an environment
    Column("detail", Text, nullable=False, default=""),
    Column("link", Text, nullable=True),
    Index("ix_audit_log_repo_at", "repo", "at"),
    Index("ix_audit_log_action_at", "action", "at"),
    Index("ix_audit_log_at", "at"),
)

# Answers of online sources (OSV, deps.dev) with a time to live (mergegate.store.cache).
cache_entries = Table(
    "cache_entries",
    metadata,
    Column("key", String(512), primary_key=True),
    Column("value", Text, nullable=False),
    Column("expires_at", Float, nullable=False),  # seconds since the epoch
    Index("ix_cache_entries_expires_at", "expires_at"),
)

# Other tools' results read from a change's CI (mergegate.service.ci_results): one row per
# (repository, head commit, source), where a source is one CI workflow (GitHub) or the
# pipeline (GitLab); a newer run of the same source replaces the row and its findings.
external_results = Table(
    "external_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("repo", String(512), nullable=False),  # forge:full_name
    Column("sha", String(64), nullable=False),
    Column("source", String(255), nullable=False),  # workflow:<id> | pipeline
    Column("run_id", Integer, nullable=False),
    Column("run_attempt", Integer, nullable=False),
    Column("label", Text, nullable=False),  # the run as people know it ("CI #4521")
    Column("context", Text, nullable=False),  # suppressed, errors, notes (JSON)
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("repo", "sha", "source", name="uq_external_results_repo_sha_source"),
)

external_findings = Table(
    "external_findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "result_id", Integer, ForeignKey("external_results.id", ondelete="CASCADE"),
        nullable=False, index=True,
    ),
    Column("fingerprint", String(64), nullable=False),
    Column("data", Text, nullable=False),  # mergegate.core.report.finding_to_dict, as JSON
)
