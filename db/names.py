"""Readable names of registry ids: communities, streets, organisations, grids, households."""

import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.tables import Building, CentralHousehold, Community, Grid, Organisation, Street
from models.mentions import mentioned_within, name_mentions_within


async def names(session: AsyncSession, ids: Iterable[str | None]) -> dict[str, str]:
    """Names of those ids that are in the registry; others are left out.

    One query for the places and organisations; a second only for ids it did not name (a grid is
    named by its Party branch where it has one)."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    places = union_all(
        *(select(t.id, t.name).where(t.id.in_(wanted)) for t in (Community, Street, Organisation)),
        select(Grid.id, func.coalesce(Grid.branch_name, Grid.name)).where(Grid.id.in_(wanted)),
    )
    found: dict[str, str] = {row[0]: row[1] for row in await session.execute(places)}
    rest = [i for i in wanted if i not in found]
    if rest:
        households = await session.execute(
            select(CentralHousehold.id, Building.address, CentralHousehold.unit)
            .join(Building, Building.id == CentralHousehold.building_id)
            .where(CentralHousehold.id.in_(rest))
        )
        for row in households:
            found[row.id] = f"党员中心户（{row.address}{row.unit or ''}）"
    return found


async def named_within(sessions: async_sessionmaker[AsyncSession], value: Any) -> Any:
    """``value`` (JSON: a case's live state, an action's answer) with every registry id its texts
    mention named (models/mentions.py); no query when it mentions none."""
    mentioned = mentioned_within(value)
    if not mentioned:
        return value
    async with sessions() as session:
        found = await names(session, mentioned)
    return name_mentions_within(value, found)


class RecentNames:
    """``names`` with what it read in the last ``ttl`` seconds kept in this process: a case's
    projection steps name the same few communities over and over. A rename shows in texts stored
    from ``ttl`` after it; ids the registry lacks are remembered as such for as long."""

    def __init__(
        self, ttl: float = 60.0, *, size: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl, self._size, self._clock = ttl, size, clock
        self._seen: dict[str, tuple[str | None, float]] = {}

    async def __call__(self, session: AsyncSession, ids: Iterable[str]) -> dict[str, str]:
        now = self._clock()
        wanted = set(ids)
        fresh = {
            i: seen for i in wanted if (seen := self._seen.get(i)) and now - seen[1] < self._ttl
        }
        missing = wanted - fresh.keys()
        if missing:
            found = await names(session, missing)
            if len(self._seen) + len(missing) > self._size:
                self._seen.clear()
            for i in missing:
                fresh[i] = self._seen[i] = (found.get(i), now)
        return {i: name for i, (name, _) in fresh.items() if name is not None}
