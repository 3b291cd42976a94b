"""Names for the ids pages show (``names``, from db/names.py), and the communities in reach."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.names import names
from db.tables import Community

__all__ = ["communities", "names"]


async def communities(session: AsyncSession, reach: frozenset[str] | None) -> list[tuple[str, str]]:
    """The communities within reach (all of them for ``None``), by name."""
    query = select(Community.id, Community.name).order_by(Community.id)
    if reach is not None:
        query = query.where(Community.id.in_(reach))
    return [(row.id, row.name) for row in await session.execute(query)]
