"""The migrations build exactly the schema that db/tables.py describes."""

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, insert, inspect, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.base import utcnow
from db.case_tables import User, UserSession
from db.migrate import downgrade, upgrade
from db.tables import METADATA
from tests.db.conftest import empty_database


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, METADATA))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_migrations_build_the_schema_of_tables_py(
    database_url: str, engine: AsyncEngine
) -> None:
    """A fresh database migrated to head has every table, column, index and key of tables.py."""
    await downgrade(database_url, "base")
    async with engine.connect() as connection:
        assert await connection.run_sync(_tables) == set()
    await upgrade(database_url)
    await upgrade(database_url)  # a second run at startup is a no-op
    async with engine.connect() as connection:
        assert await connection.run_sync(_tables) == set(METADATA.tables)
        assert await connection.run_sync(_differences) == []


async def _add_user(connection: AsyncConnection, username: str, role: str) -> None:
    await connection.execute(insert(User).values(username=username, password_hash="x", role=role))


async def test_organisation_department_accounts_arrive_with_revision_0004(
    database_url: str, engine: AsyncEngine
) -> None:
    """Upgrading a database that has accounts keeps them and their sessions and lets the county
    organisation department have accounts, which the schema before refused; a downgrade is
    refused while such an account exists."""
    await empty_database(engine)
    await downgrade(database_url, "0003")
    try:
        async with engine.begin() as connection:
            await _add_user(connection, "old-admin", "admin")
            user_id = await connection.scalar(select(User.id).where(User.username == "old-admin"))
            await connection.execute(
                insert(UserSession).values(token_hash="h", user_id=user_id, expires_at=utcnow())
            )
        # Refused by the CHECK on SQLite, by the column's length first on PostgreSQL.
        with pytest.raises(DBAPIError):
            async with engine.begin() as connection:
                await _add_user(connection, "zuzhibu", "organisation_department")
        await upgrade(database_url)
        async with engine.begin() as connection:
            await _add_user(connection, "zuzhibu", "organisation_department")
            roles = dict((await connection.execute(select(User.username, User.role))).all())
            sessions = (await connection.execute(select(UserSession.user_id))).scalars().all()
        assert roles == {"old-admin": "admin", "zuzhibu": "organisation_department"}
        assert sessions == [user_id]
        with pytest.raises(DBAPIError):
            async with engine.begin() as connection:
                await _add_user(connection, "nobody", "county_head")
        with pytest.raises(RuntimeError, match="organisation_department accounts exist"):
            await downgrade(database_url, "0003")
    finally:
        await upgrade(database_url)
        await empty_database(engine)
