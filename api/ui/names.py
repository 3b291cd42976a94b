"""Readable names for the ids pages show: communities, streets and organisations."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.tables import Building, CentralHousehold, Community, Grid, Organisation, Street


async def names(session: AsyncSession, ids: Iterable[str | None]) -> dict[str, str]:
    """Names of those ids that are a community, street or organisation; others are left out."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    found: dict[str, str] = {}
    for table in (Community, Street, Organisation):
        rows = await session.execute(select(table.id, table.name).where(table.id.in_(wanted)))
        found.update({row.id: row.name for row in rows})
    grids = await session.execute(
        select(Grid.id, Grid.name, Grid.branch_name).where(Grid.id.in_(wanted))
    )
    found.update({row.id: row.branch_name or row.name for row in grids})
    households = await session.execute(
        select(CentralHousehold.id, Building.address, CentralHousehold.unit)
        .join(Building, Building.id == CentralHousehold.building_id)
        .where(CentralHousehold.id.in_(wanted))
    )
    for row in households:
        found[row.id] = f"党员中心户（{row.address}{row.unit or ''}）"
    return found


async def communities(session: AsyncSession, reach: frozenset[str] | None) -> list[tuple[str, str]]:
    """The communities within reach (all of them for ``None``), by name."""
    query = select(Community.id, Community.name).order_by(Community.id)
    if reach is not None:
        query = query.where(Community.id.in_(reach))
    return [(row.id, row.name) for row in await session.execute(query)]
