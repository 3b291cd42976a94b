"""Registry queries: 大党委 coverage by community and type, and membership history."""

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db import queries
from db.errors import ForeignCommunity, UnknownReference
from db.records import MembershipRecord, OrganisationUpdate
from db.tables import BigCommitteeMembership
from db.vocab import OrgType
from tests.db.builders import organisation, two_communities


async def test_coverage_lists_who_is_outside_per_community_and_type(session: AsyncSession) -> None:
    """The coverage report counts members per community and type and names the blind spots."""
    await two_communities(session)
    await organisation(session, "p1", OrgType.PROPERTY_COMPANY, joined_on=date(2025, 3, 1))
    await organisation(session, "p2", OrgType.PROPERTY_COMPANY, joined_on=date(2026, 2, 1))
    await organisation(session, "p3", OrgType.PROPERTY_COMPANY)
    await organisation(session, "o1", OrgType.OWNERS_COMMITTEE)
    await organisation(session, "b1", OrgType.INDIVIDUAL_BUSINESS, community="B")
    await organisation(session, "late", OrgType.OWNERS_COMMITTEE, registered_on=date(2026, 6, 1))
    await organisation(session, "gone", OrgType.PROPERTY_COMPANY, joined_on=date(2025, 1, 1))
    await queries.leave_big_committee(session, "gone", date(2025, 9, 30))
    await session.commit()

    rows = await queries.coverage(session, date(2026, 3, 1), since=date(2026, 1, 1))
    summary = [
        (r.community_id, r.org_type, r.total, r.members, [o.org_id for o in r.outside])
        for r in rows
    ]
    assert summary == [
        ("A", OrgType.OWNERS_COMMITTEE, 1, 0, ["o1"]),
        ("A", OrgType.PROPERTY_COMPANY, 4, 2, ["gone", "p3"]),
        ("B", OrgType.INDIVIDUAL_BUSINESS, 1, 0, ["b1"]),
    ]
    property_row = rows[1]
    assert [o.org_id for o in property_row.joined_since] == ["p2"]
    assert property_row.share == 0.5

    a_only = await queries.coverage(session, date(2026, 12, 31), community_id="A")
    assert [(r.org_type, r.total) for r in a_only] == [
        (OrgType.OWNERS_COMMITTEE, 2),
        (OrgType.PROPERTY_COMPANY, 4),
    ]
    outside = await queries.big_committee_non_members(
        session, "A", date(2025, 6, 1), OrgType.PROPERTY_COMPANY
    )
    assert [o.id for o in outside] == ["p2", "p3"]
    inside = await queries.big_committee_members(session, "A", date(2025, 6, 1))
    assert [o.id for o in inside] == ["gone", "p1"]


async def test_membership_history_keeps_every_spell(session: AsyncSession) -> None:
    """Joining, moving to another community and joining its 大党委, and leaving all stay in the
    history; only spells in the community the organisation belongs to count as membership."""
    await two_communities(session)
    await organisation(session, "x", OrgType.NON_PUBLIC_ENTERPRISE, joined_on=date(2024, 5, 1))
    again = MembershipRecord(org_id="x", community_id="A", joined_on=date(2024, 8, 1))
    await queries.join_big_committee(session, again)  # already inside: nothing changes
    assert (await queries.membership_at(session, "x", date(2024, 12, 31))) is not None
    await queries.update_organisation(session, OrganisationUpdate(org_id="x", community_id="B"))
    moved = MembershipRecord(org_id="x", community_id="B", joined_on=date(2025, 7, 1))
    await queries.join_big_committee(session, moved)
    await queries.join_big_committee(session, moved)  # a repeated event is applied once
    await queries.leave_big_committee(session, "x", date(2026, 1, 31))
    await session.commit()

    history = await queries.membership_history(session, "x")
    assert [(s.community_id, s.joined_on, s.left_on) for s in history] == [
        ("A", date(2024, 5, 1), date(2025, 7, 1)),
        ("B", date(2025, 7, 1), date(2026, 1, 31)),
    ]
    assert await queries.membership_at(session, "x", date(2024, 12, 31)) is None
    assert (await queries.membership_at(session, "x", date(2025, 7, 1))) is history[1]
    assert await queries.membership_at(session, "x", date(2026, 1, 31)) is None
    assert await queries.leave_big_committee(session, "x", date(2026, 6, 1)) is None


async def test_an_organisation_joins_only_its_own_communitys_big_committee(
    session: AsyncSession,
) -> None:
    """A join naming another community is refused, naming the organisation's own; a spell stored
    in another community's 大党委 counts neither in the checklist nor in the coverage report."""
    await two_communities(session)
    await organisation(session, "x", OrgType.PROPERTY_COMPANY)
    await organisation(session, "y", OrgType.PROPERTY_COMPANY)
    elsewhere = MembershipRecord(org_id="x", community_id="B", joined_on=date(2026, 2, 1))
    with pytest.raises(ForeignCommunity, match="belongs to community 'A'") as refused:
        await queries.join_big_committee(session, elsewhere)
    assert (refused.value.field, refused.value.own) == ("community_id", "A")
    assert await queries.membership_history(session, "x") == []
    # Data stored before joins were checked: y's spell names community B.
    session.add(BigCommitteeMembership(org_id="y", community_id="B", joined_on=date(2026, 2, 1)))
    await session.commit()

    assert await queries.membership_at(session, "y", date(2026, 3, 1)) is None
    [row] = await queries.coverage(session, date(2026, 3, 1), community_id="A")
    assert (row.members, [o.org_id for o in row.outside]) == (0, ["x", "y"])


async def test_registry_events_update_organisations(session: AsyncSession) -> None:
    """org.updated changes only the fields it carries; unknown organisations are refused."""
    await two_communities(session)
    await organisation(session, "x", OrgType.INDIVIDUAL_BUSINESS)
    update = OrganisationUpdate.model_validate(
        {"org_id": "x", "has_liaison": True, "community_id": "B", "extra": "ignored"}
    )
    org = await queries.update_organisation(session, update)
    await session.commit()
    assert (org.name, org.community_id, org.has_liaison, org.has_party_org) == (
        "组织x",
        "B",
        True,
        False,
    )
    assert [o.id for o in await queries.list_organisations(session, community_id="B")] == ["x"]
    with pytest.raises(UnknownReference, match="organisation"):
        await queries.update_organisation(session, OrganisationUpdate(org_id="nope"))
    with pytest.raises(UnknownReference, match="community"):
        await queries.join_big_committee(
            session, MembershipRecord(org_id="x", community_id="Z", joined_on=date(2026, 1, 1))
        )
