"""Engine and session behaviour every caller relies on, on SQLite as on PostgreSQL."""

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.records import StreetRecord
from db.registry import upsert_street
from db.tables import Case, Community, Street


async def test_concurrent_writers_both_commit(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Tasks that read then write at the same moment all succeed: no "database is locked"."""

    async def writer(key: str) -> None:
        async with sessions() as session:
            await session.scalar(select(Street.id).limit(1))
            await asyncio.sleep(0.05)
            await upsert_street(session, StreetRecord(street_id=key, name=key))
            await session.commit()

    await asyncio.gather(*(writer(f"s{n}") for n in range(4)))
    async with sessions() as session:
        assert len((await session.scalars(select(Street))).all()) == 4


async def test_foreign_keys_are_enforced(session: AsyncSession) -> None:
    """A community under a street that does not exist is refused by the database itself."""
    session.add(Community(id="c", street_id="missing", name="孤立社区"))
    with pytest.raises(IntegrityError):
        await session.commit()


async def test_timestamps_come_back_in_utc(session: AsyncSession) -> None:
    """Times are stored as given and read back timezone-aware, whatever the database keeps."""
    beijing = timezone(timedelta(hours=8))
    session.add(
        Case(
            case_id="p/1",
            process="p",
            status="open",
            due_at=datetime(2026, 3, 1, 17, 30, tzinfo=beijing),
            summary={"标题": "年检"},
        )
    )
    await session.commit()
    session.expunge_all()
    case = await session.get(Case, "p/1")
    assert case is not None
    assert case.due_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert case.due_at.tzinfo is UTC
    assert case.summary == {"标题": "年检"}
    overdue = select(Case.case_id).where(Case.due_at < datetime(2026, 3, 1, 10, tzinfo=UTC))
    assert (await session.scalars(overdue)).all() == ["p/1"]
    naive = datetime(2026, 3, 1)  # noqa: DTZ001 - the mistake under test
    session.add(Case(case_id="p/2", process="p", status="open", due_at=naive))
    with pytest.raises(StatementError, match="naive datetime"):
        await session.flush()
    await session.rollback()
    if session.get_bind().dialect.name == "sqlite":
        assert await session.scalar(text("PRAGMA journal_mode")) == "wal"
