"""Names of registry ids, as timelines, notifications and pages show them."""

from sqlalchemy.ext.asyncio import AsyncSession

from db import queries
from db.names import RecentNames, names
from db.records import BuildingRecord, CommunityRecord, GridRecord, HouseholdRecord, MemberRecord
from db.vocab import OrgType
from tests.db.builders import organisation, two_communities


async def _registry(session: AsyncSession) -> None:
    await two_communities(session)
    await organisation(session, "org-1", OrgType.PROPERTY_COMPANY)
    for grid in (
        GridRecord(grid_id="g1", community_id="A", name="第一网格", branch_name="第一网格党支部"),
        GridRecord(grid_id="g2", community_id="A", name="第二网格"),
    ):
        await queries.upsert_grid(session, grid)
    await session.flush()
    building = BuildingRecord(building_id="b1", grid_id="g1", number="1号楼", address="东城路1号")
    await queries.upsert_building(session, building)
    await session.flush()
    host = MemberRecord(member_id="m1", name="党员甲", kind="resident")
    await queries.upsert_member(session, host)
    await session.flush()
    household = HouseholdRecord(
        household_id="hh1", building_id="b1", host_member_id="m1", unit="2单元", capacity=3
    )
    await queries.upsert_household(session, household)
    await session.flush()


async def test_each_kind_of_id_is_named_and_unknown_ids_are_left_out(session: AsyncSession) -> None:
    await _registry(session)
    found = await names(session, ["A", "s", "org-1", "g1", "g2", "hh1", "nobody", None])
    assert found == {
        "A": "东城社区",
        "s": "测试街道",
        "org-1": "组织org-1",
        "g1": "第一网格党支部",  # a grid by its Party branch where it has one
        "g2": "第二网格",
        "hh1": "党员中心户（东城路1号2单元）",
    }
    assert await names(session, []) == {}


async def test_recent_names_are_read_again_once_they_are_a_minute_old(
    session: AsyncSession,
) -> None:
    """A rename shows in what is named a minute later, not before; so does an id added since."""
    await _registry(session)
    now = [0.0]
    recent = RecentNames(60.0, clock=lambda: now[0])
    assert await recent(session, {"A", "c-new"}) == {"A": "东城社区"}
    renamed = CommunityRecord(community_id="A", street_id="s", name="东城新社区")
    await queries.upsert_community(session, renamed)
    added = CommunityRecord(community_id="c-new", street_id="s", name="新建社区")
    await queries.upsert_community(session, added)
    await session.flush()
    now[0] = 59.0
    assert await recent(session, {"A", "c-new", "B"}) == {"A": "东城社区", "B": "西城社区"}
    now[0] = 60.0
    assert await recent(session, {"A", "c-new"}) == {"A": "东城新社区", "c-new": "新建社区"}
