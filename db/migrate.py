"""Bring a database to the newest schema: ``alembic upgrade head``, run from Python."""

import argparse
import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.pool import NullPool

from db.session import create_engine

# The migrations package sits beside db/, in a checkout and in site-packages alike.
MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"

# Any constant will do: it keeps two processes from migrating one PostgreSQL database at once.
_PG_LOCK_KEY = 0x6772_6173


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for this project, without an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        # ConfigParser interpolates %, which URL-encoded passwords contain.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _run(connection: Connection, direction: str, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, direction)(config, revision)


async def _migrate(url: str, direction: str, revision: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run, direction, revision)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` in one transaction."""
    await _migrate(url, "upgrade", revision)


async def downgrade(url: str, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``base``: no tables at all)."""
    await _migrate(url, "downgrade", revision)


def main() -> None:
    """``python -m db.migrate [URL]``: upgrade the given database, or the configured one."""
    from settings import Settings

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("url", nargs="?", help="default: DATABASE_URL or var/grassroots.db")
    url = parser.parse_args().url or Settings().effective_database_url
    asyncio.run(upgrade(url))


if __name__ == "__main__":
    main()
