"""Members' public commitments and service ledger; workers' assessments and recorded changes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=255), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=50), nullable=True),
        sa.Column("post", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        _at("submitted_at"),
        _at("published_at"),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("grade", sa.String(length=16), nullable=True),
        _at("evaluated_at"),
        _at("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
        sa.UniqueConstraint("member_id", "year", name=op.f("uq_commitments_member_id_year")),
    )
    op.create_index(
        op.f("ix_commitments_community_id_year_status"),
        "commitments",
        ["community_id", "year", "status"],
    )
    op.create_table(
        "service_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=300), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=255), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        _at("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_logs")),
        sa.UniqueConstraint("event_key", name=op.f("uq_service_logs_event_key")),
    )
    op.create_index(op.f("ix_service_logs_member_id_year"), "service_logs", ["member_id", "year"])
    op.create_table(
        "worker_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=True),
        sa.Column("case_id", sa.String(length=255), nullable=False),
        _at("recorded_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_assessments")),
        sa.UniqueConstraint("worker_id", "year", name=op.f("uq_worker_assessments_worker_id_year")),
    )
    op.create_index(
        op.f("ix_worker_assessments_community_id_year"),
        "worker_assessments",
        ["community_id", "year"],
    )
    op.create_table(
        "worker_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.String(length=64), nullable=True),
        sa.Column("new_value", sa.String(length=64), nullable=True),
        sa.Column("case_id", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_changes")),
    )
    op.create_index(op.f("ix_worker_changes_changed_on"), "worker_changes", ["changed_on"])
    op.create_index(
        op.f("ix_worker_changes_worker_id_changed_on"),
        "worker_changes",
        ["worker_id", "changed_on"],
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_worker_changes_worker_id_changed_on"), table_name="worker_changes")
    op.drop_index(op.f("ix_worker_changes_changed_on"), table_name="worker_changes")
    op.drop_table("worker_changes")
    op.drop_index(op.f("ix_worker_assessments_community_id_year"), table_name="worker_assessments")
    op.drop_table("worker_assessments")
    op.drop_index(op.f("ix_service_logs_member_id_year"), table_name="service_logs")
    op.drop_table("service_logs")
    op.drop_index(op.f("ix_commitments_community_id_year_status"), table_name="commitments")
    op.drop_table("commitments")
