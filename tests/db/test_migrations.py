"""The migrations build exactly the schema that db/tables.py describes."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from db.migrate import downgrade, upgrade
from db.tables import METADATA


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
