"""Timeline entries numbered per case; dead letters remember who sent them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("timeline") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.create_unique_constraint(op.f("uq_timeline_case_id_seq"), ["case_id", "seq"])
    with op.batch_alter_table("dead_letters") as batch:
        batch.add_column(sa.Column("sender", sa.String(length=128), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("dead_letters") as batch:
        batch.drop_column("sender")
    with op.batch_alter_table("timeline") as batch:
        batch.drop_constraint(op.f("uq_timeline_case_id_seq"), type_="unique")
        batch.drop_column("seq")
