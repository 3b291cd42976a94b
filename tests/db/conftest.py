"""Database fixtures: each db test runs on a SQLite file and, when configured, on PostgreSQL."""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from db.migrate import upgrade
from db.session import create_engine, session_factory
from db.tables import METADATA

POSTGRES_ENV = "GRASSROOTS_TEST_POSTGRES_URL"
DESELECTED = pytest.StashKey[int]()
"""How many PostgreSQL variants this process deselected (tests/conftest.py reports them)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without GRASSROOTS_TEST_POSTGRES_URL, deselect the PostgreSQL variants."""
    if os.environ.get(POSTGRES_ENV):
        return
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("database_url") == "postgresql"
        (drop if on_postgres else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
        config.stash[DESELECTED] = len(drop)
        workeroutput = getattr(config, "workeroutput", None)  # a pytest-xdist worker's report
        if workeroutput is not None:
            workeroutput["postgres_deselected"] = len(drop)


@asynccontextmanager
async def _scratch_postgres(base_url: str) -> AsyncIterator[str]:
    """A fresh, uniquely named database on the server of ``base_url``, dropped afterwards."""
    base = make_url(base_url)
    name = f"grassroots_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        base.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A migrated database: a SQLite file, or a scratch PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'grassroots.db'}"
        await upgrade(url)
        yield url
        return
    async with _scratch_postgres(os.environ[POSTGRES_ENV]) as url:
        await upgrade(url)
        yield url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def empty_database(engine: AsyncEngine) -> None:
    """Delete every row of every table (the schema stays)."""
    tables = list(reversed(METADATA.sorted_tables))
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await connection.execute(table.delete())


@pytest.fixture
async def sessions(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory on an empty registry and case store (emptied again afterwards)."""
    await empty_database(engine)
    yield session_factory(engine)
    await empty_database(engine)


@pytest.fixture
async def session(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


def table(text: str) -> list[list[object]]:
    """Sheet rows from comma-separated lines, as a test spells them; empty cells become None."""
    return [[cell or None for cell in line.split(",")] for line in text.strip().splitlines()]


def write_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """An .xlsx file with one sheet per entry, each a list of rows (the first is the header)."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        worksheet = workbook.create_sheet(name)
        for row in rows:
            worksheet.append(row)
    workbook.save(path)
    return path
