"""Alembic environment: migrates the connection db.migrate hands over, or DATABASE_URL."""

import asyncio
import os

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

from db.session import create_engine
from db.tables import METADATA

config = context.config
target_metadata = METADATA


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL: pass one to db.migrate.upgrade or set DATABASE_URL")
    return url


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # db.session makes SQLite transactions begin for DDL too, so a failed migration rolls back.
        transactional_ddl=True,
        # SQLite alters tables by copying them; batch mode writes later migrations that way.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _migrate_url(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate)
    finally:
        await engine.dispose()


def run() -> None:
    """Run in offline (SQL script), shared-connection or own-connection mode."""
    if context.is_offline_mode():
        context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
    else:
        asyncio.run(_migrate_url(_url()))


run()
