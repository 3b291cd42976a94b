"""SQLite driven on the event loop's thread: while another process holds the write lock, a
session waits asleep — the loop keeps serving — and writes once the lock is free; past the
busy timeout it fails as locked and nothing is written."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from db import sqlite_inline
from db.session import create_engine, session_factory


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'lock.db'}", pool_size=1)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (body TEXT)"))
    yield engine
    await engine.dispose()


def _other_process(path: Path) -> sqlite3.Connection:
    """Another writer on the same file (a CLI command, a second service), holding the lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO notes VALUES ('other')")
    return other


async def _count(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(text("SELECT count(*) FROM notes")) or 0)


async def _write(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session:
        await session.execute(text("INSERT INTO notes VALUES ('ours')"))
        await session.commit()


async def test_a_write_waits_for_another_writer_without_blocking_the_loop(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    other = _other_process(tmp_path / "lock.db")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beat = asyncio.create_task(ticker())
    writing = asyncio.create_task(_write(engine))
    await asyncio.sleep(0.3)
    assert not writing.done()  # still waiting for the lock ...
    assert ticks >= 10  # ... while the loop ran everything else
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(writing, 5)
    beat.cancel()
    assert await _count(engine) == 2


async def test_a_lock_held_past_the_busy_timeout_fails_as_locked(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_inline, "BUSY_TIMEOUT", 0.2)
    other = _other_process(tmp_path / "lock.db")
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            await _write(engine)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert await _count(engine) == 0
