"""Registry queries for P3 流动党员: addresses to buildings, households with their load, mentor
candidates, a member's care by a household, and the case store's count of a case's entries.
Each receives a session and leaves commits to it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.case_tables import Case, TimelineEvent
from db.tables import Building, CentralHousehold, Community, Grid, HouseholdAssignment, PartyMember
from db.vocab import MemberKind
from db.workforce import SAMPLE_SOURCE
from models.events import InboundEvent

OPEN_CASE_END = ("moved_out", "refused")
"""P3 statuses after which a case no longer takes a mentor's time."""


@dataclass(frozen=True, slots=True)
class Place:
    """A building with its grid and community."""

    building: Building
    grid: Grid
    community: Community


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    household: CentralHousehold
    building: Building
    assigned: int
    host_name: str


@dataclass(frozen=True, slots=True)
class MentorRow:
    member: PartyMember
    building: Building | None
    hosts_household: bool


def _active(at: date) -> ColumnElement[bool]:
    """Household assignments in force on ``at``."""
    return and_(
        HouseholdAssignment.assigned_on <= at,
        or_(HouseholdAssignment.ended_on.is_(None), HouseholdAssignment.ended_on > at),
    )


async def building_at(session: AsyncSession, address: str) -> Building | None:
    """The building whose registered address begins ``address`` (the most precise one)."""
    if not address.strip():
        return None
    query = (
        select(Building)
        .where(literal(address.strip()).startswith(Building.address))
        .order_by(func.length(Building.address).desc(), Building.id)
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def place_of(session: AsyncSession, building_id: str) -> Place | None:
    """The building, grid and community of ``building_id``."""
    query = (
        select(Building, Grid, Community)
        .join(Grid, Grid.id == Building.grid_id)
        .join(Community, Community.id == Grid.community_id)
        .where(Building.id == building_id)
    )
    row = (await session.execute(query)).first()
    return Place(*row) if row is not None else None


async def member_households(session: AsyncSession, member_id: str, at: date) -> list[str]:
    """The households looking after the member on ``at``."""
    query = select(HouseholdAssignment.household_id).where(
        HouseholdAssignment.member_id == member_id, _active(at)
    )
    return list((await session.scalars(query.order_by(HouseholdAssignment.id))).all())


async def grid_households(
    session: AsyncSession, grid_id: str, at: date, exclude_member: str
) -> list[HouseholdRow]:
    """Every central household of a grid with the members it looks after on ``at`` (not
    counting ``exclude_member``, who is being placed), full ones included."""
    load = (
        select(HouseholdAssignment.household_id, func.count().label("assigned"))
        .where(_active(at), HouseholdAssignment.member_id != exclude_member)
        .group_by(HouseholdAssignment.household_id)
        .subquery()
    )
    query = (
        select(CentralHousehold, Building, func.coalesce(load.c.assigned, 0), PartyMember.name)
        .join(Building, Building.id == CentralHousehold.building_id)
        .join(PartyMember, PartyMember.id == CentralHousehold.host_member_id)
        .outerjoin(load, load.c.household_id == CentralHousehold.id)
        .where(Building.grid_id == grid_id)
        .order_by(CentralHousehold.id)
    )
    rows = await session.execute(query)
    return [HouseholdRow(h, b, int(n), name) for h, b, n, name in rows]


async def household_load(
    session: AsyncSession, household_id: str, at: date, exclude_member: str
) -> int:
    """Members a household looks after on ``at``, besides ``exclude_member``."""
    query = select(func.count()).where(
        HouseholdAssignment.household_id == household_id,
        HouseholdAssignment.member_id != exclude_member,
        _active(at),
    )
    return int(await session.scalar(query) or 0)


async def end_care(
    session: AsyncSession, member_id: str, on: date, keep: str | None = None
) -> list[str]:
    """End every household's care of the member from ``on`` (except ``keep``'s)."""
    query = select(HouseholdAssignment).where(
        HouseholdAssignment.member_id == member_id, _active(on)
    )
    ended = []
    for row in (await session.scalars(query)).all():
        if row.household_id != keep:
            row.ended_on = on
            ended.append(row.household_id)
    return ended


async def mentor_candidates(
    session: AsyncSession,
    community_id: str,
    member_id: str,
    grid_id: str,
    building_id: str,
    limit: int,
) -> list[MentorRow]:
    """Resident members of the community who could mentor, nearest first (same building, same
    grid, the rest), at most ``limit``."""
    hosts = select(CentralHousehold.host_member_id)
    query = (
        select(PartyMember, Building, PartyMember.id.in_(hosts))
        .outerjoin(Building, Building.id == PartyMember.building_id)
        .where(
            PartyMember.community_id == community_id,
            PartyMember.kind == MemberKind.RESIDENT.value,
            PartyMember.status == "active",
            PartyMember.id != member_id,
        )
    )
    rows = [MentorRow(m, b, bool(host)) for m, b, host in await session.execute(query)]

    def nearness(row: MentorRow) -> tuple[int, str]:
        if building_id and row.member.building_id == building_id:
            return 0, row.member.id
        if grid_id and row.building is not None and row.building.grid_id == grid_id:
            return 1, row.member.id
        return 2, row.member.id

    return sorted(rows, key=nearness)[:limit]


async def mentee_counts(session: AsyncSession, mentor_ids: Sequence[str]) -> dict[str, int]:
    """Open floating-member cases per mentor, from the case store's summaries."""
    if not mentor_ids:
        return {}
    mentor = Case.summary["mentor_id"].as_string()
    query = (
        select(mentor, func.count())
        .where(
            Case.process == "floating_member",
            Case.status.not_in(OPEN_CASE_END),
            mentor.in_(list(mentor_ids)),
        )
        .group_by(mentor)
    )
    return {str(mid): int(n) for mid, n in await session.execute(query)}


async def stored_entries(session: AsyncSession, case_id: str) -> int:
    """How many numbered timeline entries the case store holds for ``case_id``."""
    query = select(func.max(TimelineEvent.seq)).where(TimelineEvent.case_id == case_id)
    last = await session.scalar(query)
    return int(last) + 1 if last is not None else 0


async def floating_registrations(session: AsyncSession) -> list[dict[str, Any]]:
    """``member.registered`` data for every floating member in the registry that has no case
    yet: how the sample registry's members are onboarded on a first run."""
    with_case = select(Case.subject_id).where(Case.process == "floating_member")
    query = (
        select(PartyMember)
        .where(PartyMember.kind == MemberKind.FLOATING.value, PartyMember.id.not_in(with_case))
        .order_by(PartyMember.id)
    )
    return [
        {
            "member_id": m.id,
            "name": m.name,
            "home_org": m.home_organisation or "",
            "credential": m.credential or "",
            "address": m.address or "",
            "occupation": m.occupation or "",
            "phone": m.phone or "",
            "building_id": m.building_id,
            "unit": m.unit,
            "arrived_on": m.arrived_on.isoformat() if m.arrived_on else None,
        }
        for m in (await session.scalars(query)).all()
    ]


async def sample_floating_events(session: AsyncSession, year: int) -> list[InboundEvent]:
    """``member.registered`` events onboarding the registry's floating members that have no case
    yet, for a first start with the sample registry."""
    return [
        InboundEvent(
            id=f"sample/{year}/floating/{data['member_id']}",
            source=SAMPLE_SOURCE,
            type="grassroots.member.registered",
            data=data,
        )
        for data in await floating_registrations(session)
    ]
