"""Readable names of registry ids: communities, streets, organisations, grids, households."""

from collections.abc import Iterable

from sqlalchemy import func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from db.tables import Building, CentralHousehold, Community, Grid, Organisation, Street


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
