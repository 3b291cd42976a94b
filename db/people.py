"""Registry queries about people: Party members, cadres' report-ins, households and workers."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from db.records import (
    HouseholdAssignmentRecord,
    HouseholdRecord,
    MemberActivityRecord,
    MemberRecord,
    ReportInRecord,
    WorkerRecord,
)
from db.registry import put, require
from db.tables import (
    Building,
    CadreReportIn,
    CentralHousehold,
    Community,
    CommunityWorker,
    HouseholdAssignment,
    MemberActivity,
    Organisation,
    PartyMember,
)
from db.vocab import BACHELOR_OR_ABOVE, Education, MemberKind, WorkerPost


@dataclass(frozen=True, slots=True)
class CadreEvidence:
    """What a community knows of an in-service cadre in a year, for a dual-assessment opinion."""

    member_id: str
    year: int
    community_id: str | None
    report_ins: tuple[date, ...]
    activities: int
    hours: float


@dataclass(frozen=True, slots=True)
class HouseholdLoad:
    """A central household with the members it looks after on a date and its spare places."""

    household: CentralHousehold
    assigned: int

    @property
    def spare(self) -> int:
        return max(self.household.capacity - self.assigned, 0)


@dataclass(frozen=True, slots=True)
class WorkforceFigures:
    """The seed's four figures for community workers, measured on a date."""

    workers: int
    bachelor_or_above: float
    party_members: float
    social_work_certificate: float
    secretaries: int
    secretaries_average_age: float | None


def _year(column: InstrumentedAttribute[date], year: int) -> ColumnElement[bool]:
    return column.between(date(year, 1, 1), date(year, 12, 31))


def age_on(birth_date: date, on: date) -> int:
    """Whole years of age on a date."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


# --- Members ------------------------------------------------------------------------------------


async def get_member(session: AsyncSession, member_id: str) -> PartyMember | None:
    """The member with this id, if registered."""
    return await session.get(PartyMember, member_id)


async def find_members(
    session: AsyncSession,
    *,
    community_id: str | None = None,
    kind: MemberKind | None = None,
    name: str | None = None,
    phone: str | None = None,
) -> list[PartyMember]:
    """Members matching every filter given; ``name`` matches a part of the name."""
    query = select(PartyMember).order_by(PartyMember.name, PartyMember.id)
    if community_id is not None:
        query = query.where(PartyMember.community_id == community_id)
    if kind is not None:
        query = query.where(PartyMember.kind == kind.value)
    if name:
        query = query.where(PartyMember.name.contains(name, autoescape=True))
    if phone:
        query = query.where(PartyMember.phone == phone)
    return list((await session.scalars(query)).all())


async def upsert_member(session: AsyncSession, record: MemberRecord) -> PartyMember:
    """Register a member or overwrite the stored one (``member.registered`` and imports)."""
    if record.community_id is not None:
        await require(session, Community, record.community_id, "community")
    if record.employer_org_id is not None:
        await require(session, Organisation, record.employer_org_id, "organisation")
    if record.building_id is not None:
        await require(session, Building, record.building_id, "building")
    rename = {"home_org": "home_organisation"}
    return await put(session, PartyMember, record.member_id, record, {"member_id"}, rename)


async def record_report_in(session: AsyncSession, record: ReportInRecord) -> CadreReportIn:
    """Record a cadre's report-in (在职党员社区报到), once per member, community and day."""
    await require(session, PartyMember, record.member_id, "member")
    await require(session, Community, record.community_id, "community")
    query = select(CadreReportIn).filter_by(**record.model_dump())
    row = (await session.scalars(query)).first()
    if row is None:
        row = CadreReportIn(**record.model_dump())
        session.add(row)
    return row


async def record_member_activity(
    session: AsyncSession, record: MemberActivityRecord
) -> MemberActivity:
    """Record a member's community activity or volunteer service, once per member, day and name."""
    await require(session, PartyMember, record.member_id, "member")
    await require(session, Community, record.community_id, "community")
    query = select(MemberActivity).where(
        MemberActivity.member_id == record.member_id,
        MemberActivity.held_on == record.held_on,
        MemberActivity.activity == record.activity,
    )
    row = (await session.scalars(query)).first()
    if row is None:
        row = MemberActivity(**record.model_dump())
        session.add(row)
    else:
        row.community_id, row.category, row.hours = (
            record.community_id,
            record.category,
            record.hours,
        )
    return row


async def cadre_report_ins(
    session: AsyncSession, member_id: str, year: int | None = None
) -> list[CadreReportIn]:
    """A cadre's report-ins, oldest first; those of one year when ``year`` is given."""
    query = select(CadreReportIn).where(CadreReportIn.member_id == member_id)
    if year is not None:
        query = query.where(_year(CadreReportIn.reported_on, year))
    return list((await session.scalars(query.order_by(CadreReportIn.reported_on))).all())


async def cadre_community(session: AsyncSession, member_id: str) -> str | None:
    """The community a cadre last reported in to: the one consulted on their assessment."""
    query = (
        select(CadreReportIn.community_id)
        .where(CadreReportIn.member_id == member_id)
        .order_by(CadreReportIn.reported_on.desc(), CadreReportIn.id.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def activity_count(session: AsyncSession, member_id: str, year: int) -> int:
    """How many community activities the member took part in during ``year``."""
    query = select(func.count()).where(
        MemberActivity.member_id == member_id, _year(MemberActivity.held_on, year)
    )
    return int(await session.scalar(query) or 0)


async def cadre_evidence(session: AsyncSession, member_id: str, year: int) -> CadreEvidence:
    """Report-ins, activity count and service hours of a cadre in ``year``."""
    report_ins = await cadre_report_ins(session, member_id, year)
    query = select(func.count(), func.coalesce(func.sum(MemberActivity.hours), 0.0)).where(
        MemberActivity.member_id == member_id, _year(MemberActivity.held_on, year)
    )
    count, hours = (await session.execute(query)).one()
    return CadreEvidence(
        member_id=member_id,
        year=year,
        community_id=await cadre_community(session, member_id),
        report_ins=tuple(r.reported_on for r in report_ins),
        activities=int(count),
        hours=float(hours),
    )


# --- Central households -------------------------------------------------------------------------


async def upsert_household(session: AsyncSession, record: HouseholdRecord) -> CentralHousehold:
    """Create or update a central household (党员中心户) hosted by a registered member."""
    await require(session, Building, record.building_id, "building")
    await require(session, PartyMember, record.host_member_id, "member")
    return await put(session, CentralHousehold, record.household_id, record, {"household_id"})


async def assign_household(
    session: AsyncSession, record: HouseholdAssignmentRecord
) -> HouseholdAssignment:
    """Put a member in a central household's care from a date (a repeat changes only the end)."""
    await require(session, CentralHousehold, record.household_id, "central household")
    await require(session, PartyMember, record.member_id, "member")
    query = select(HouseholdAssignment).where(
        HouseholdAssignment.household_id == record.household_id,
        HouseholdAssignment.member_id == record.member_id,
        HouseholdAssignment.assigned_on == record.assigned_on,
    )
    row = (await session.scalars(query)).first()
    if row is None:
        row = HouseholdAssignment(**record.model_dump())
        session.add(row)
    else:
        row.ended_on = record.ended_on
    return row


async def households_with_capacity(
    session: AsyncSession,
    at: date,
    *,
    building_id: str | None = None,
    grid_id: str | None = None,
) -> list[HouseholdLoad]:
    """Central households in a building or grid with places to spare on ``at``, most spare first."""
    active = or_(HouseholdAssignment.ended_on.is_(None), HouseholdAssignment.ended_on > at)
    load = (
        select(HouseholdAssignment.household_id, func.count().label("assigned"))
        .where(HouseholdAssignment.assigned_on <= at, active)
        .group_by(HouseholdAssignment.household_id)
        .subquery()
    )
    assigned = func.coalesce(load.c.assigned, 0)
    query = (
        select(CentralHousehold, assigned)
        .join(Building, Building.id == CentralHousehold.building_id)
        .outerjoin(load, load.c.household_id == CentralHousehold.id)
        .where(assigned < CentralHousehold.capacity)
    )
    if building_id is not None:
        query = query.where(CentralHousehold.building_id == building_id)
    if grid_id is not None:
        query = query.where(Building.grid_id == grid_id)
    rows = [HouseholdLoad(household, int(n)) for household, n in await session.execute(query)]
    return sorted(rows, key=lambda r: (-r.spare, r.household.id))


# --- Community workers --------------------------------------------------------------------------


async def upsert_worker(session: AsyncSession, record: WorkerRecord) -> CommunityWorker:
    """Create or update a community worker."""
    await require(session, Community, record.community_id, "community")
    return await put(session, CommunityWorker, record.worker_id, record, {"worker_id"})


async def workers_by_community(
    session: AsyncSession, community_id: str | None = None
) -> list[CommunityWorker]:
    """Community workers by community, post (head first) and grade (highest first)."""
    posts = [p.value for p in WorkerPost]
    query = select(CommunityWorker)
    if community_id is not None:
        query = query.where(CommunityWorker.community_id == community_id)
    workers = list((await session.scalars(query)).all())
    return sorted(workers, key=lambda w: (w.community_id, posts.index(w.post), -w.grade, w.id))


async def workforce_figures(
    session: AsyncSession, on: date, community_id: str | None = None
) -> WorkforceFigures:
    """The shares the seed measured (degree, Party, certificate) and secretaries' average age."""
    workers = await workers_by_community(session, community_id)
    total = len(workers)

    def share(count: int) -> float:
        return count / total if total else 0.0

    heads = [w for w in workers if w.post == WorkerPost.HEAD]
    ages = [age_on(w.birth_date, on) for w in heads]
    return WorkforceFigures(
        workers=total,
        bachelor_or_above=share(sum(Education(w.education) in BACHELOR_OR_ABOVE for w in workers)),
        party_members=share(sum(w.is_party_member for w in workers)),
        social_work_certificate=share(sum(w.has_social_work_cert for w in workers)),
        secretaries=len(heads),
        secretaries_average_age=sum(ages) / len(ages) if ages else None,
    )
