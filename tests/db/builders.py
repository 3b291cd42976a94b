"""Small registries built through the public upsert functions, for query tests."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from db import queries
from db.records import (
    CommunityRecord,
    MembershipRecord,
    OrganisationRecord,
    StreetRecord,
)
from db.vocab import OrgType


async def two_communities(session: AsyncSession) -> None:
    """A street with communities A (东城社区) and B (西城社区)."""
    await queries.upsert_street(session, StreetRecord(street_id="s", name="测试街道"))
    for cid, name in (("A", "东城社区"), ("B", "西城社区")):
        await queries.upsert_community(
            session,
            CommunityRecord(community_id=cid, street_id="s", name=name, resident_population=10_000),
        )
    await session.flush()


async def organisation(
    session: AsyncSession,
    org_id: str,
    org_type: OrgType,
    community: str = "A",
    registered_on: date | None = date(2020, 1, 1),
    joined_on: date | None = None,
) -> None:
    """Register an organisation and, given ``joined_on``, its entry into the community 大党委."""
    record = OrganisationRecord(
        org_id=org_id,
        name=f"组织{org_id}",
        type=org_type,
        community_id=community,
        registered_on=registered_on,
    )
    await queries.upsert_organisation(session, record)
    await session.flush()
    if joined_on is not None:
        await queries.join_big_committee(
            session, MembershipRecord(org_id=org_id, community_id=community, joined_on=joined_on)
        )
        await session.flush()
