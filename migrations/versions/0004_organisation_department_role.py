"""Accounts of the county organisation department (县委组织部): the role column takes the longer
name ``organisation_department``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The vocabulary as this revision knows it: db.vocab.UserRole may grow after it.
_BEFORE = ("admin", "community_staff", "street_committee", "viewer")
_AFTER = ("admin", "community_staff", "street_committee", "organisation_department", "viewer")


def _roles(roles: tuple[str, ...]) -> str:
    return "role IN ({})".format(", ".join(f"'{role}'" for role in roles))


def _alter_role(length: int, new_length: int, roles: tuple[str, ...]) -> None:
    """Give ``users.role`` a new length and a new CHECK, keeping everyone's sessions."""
    # SQLite alters by copying the table, and dropping the old one (foreign keys on) deletes
    # the sessions that cascade from it: they wait in a temporary table meanwhile.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMPORARY TABLE kept_sessions AS SELECT * FROM user_sessions")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.alter_column(
            "role",
            existing_type=sa.String(length=length),
            type_=sa.String(length=new_length),
            existing_nullable=False,
        )
        batch.create_check_constraint(op.f("ck_users_role"), _roles(roles))
    if sqlite:
        op.execute("INSERT INTO user_sessions SELECT * FROM kept_sessions")
        op.execute("DROP TABLE kept_sessions")


def upgrade() -> None:
    """Apply this revision."""
    _alter_role(20, 32, _AFTER)


def downgrade() -> None:
    """Revert this revision; refused while organisation department accounts exist."""
    users = sa.table("users", sa.column("role", sa.String()))
    query = sa.select(sa.func.count()).where(users.c.role == "organisation_department")
    # (An offline SQL script cannot look, and leaves the check to whoever runs it.)
    if not op.get_context().as_sql and op.get_bind().scalar(query):
        raise RuntimeError(
            "organisation_department accounts exist: delete them or change their role "
            "before downgrading below revision 0004"
        )
    _alter_role(32, 20, _BEFORE)
