"""Queries of P5 党员亮相承诺: a member's public commitment record, the service ledger (also
counted as community activity, which P1 reads), and the year's result as P1's evidence. Each
receives a session and leaves commits to the caller."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import queries
from db.commitment_tables import MemberCommitment, ServiceLog
from db.records import MemberActivityRecord
from db.tables import Community
from db.vocab import MemberKind
from db.workforce import SAMPLE_SOURCE, masked
from models.commitment import (
    CommitmentRecordInput,
    MemberProfile,
    ServiceRecordInput,
    ServiceRecordResult,
)
from models.events import InboundEvent


@dataclass(frozen=True, slots=True)
class CommitmentResult:
    """A member's commitment in a year as evidence for P1: the grade once evaluated."""

    member_id: str
    year: int
    status: str
    grade: str | None
    score: float | None
    hours: float
    logs: int


async def member_profile(session: AsyncSession, member_id: str) -> MemberProfile:
    """The member's community and masked name, if registered."""
    member = await queries.get_member(session, member_id)
    if member is None:
        return MemberProfile(known=False)
    return MemberProfile(known=True, community_id=member.community_id, label=masked(member.name))


async def upsert_commitment(
    session: AsyncSession, record: CommitmentRecordInput
) -> MemberCommitment:
    """Create or update the member's record for the year; the registry's name wins."""
    query = select(MemberCommitment).where(
        MemberCommitment.member_id == record.member_id, MemberCommitment.year == record.year
    )
    row = (await session.scalars(query)).first()
    member = await queries.get_member(session, record.member_id)
    if row is None:
        row = MemberCommitment(
            member_id=record.member_id,
            year=record.year,
            case_id=record.case_id,
            status=record.status,
        )
        session.add(row)
    row.name = member.name if member is not None else record.name_hint
    row.case_id = record.case_id
    row.status = record.status
    row.community_id = record.community_id
    row.post = record.post or None
    row.items = [item.model_dump() for item in record.items]
    row.submitted_at = record.submitted_at
    row.published_at = record.published_at
    row.progress = [quarter.model_dump(mode="json") for quarter in record.progress]
    row.scores = dict(record.scores)
    row.score, row.grade, row.evaluated_at = record.score, record.grade, record.evaluated_at
    return row


async def record_service(session: AsyncSession, record: ServiceRecordInput) -> ServiceRecordResult:
    """Put the entry in the ledger once (by event key) and, for a registered member in a known
    community, count it as a community activity with its hours (what P1's evidence reads)."""
    found = await session.scalar(select(ServiceLog).where(ServiceLog.event_key == record.event_key))
    if found is not None:
        return ServiceRecordResult(recorded=False, counted_as_activity=False)
    log = ServiceLog(
        event_key=record.event_key,
        member_id=record.member_id,
        year=record.year,
        case_id=record.case_id,
        community_id=record.community_id,
        held_on=record.held_on,
        category=record.category,
        hours=record.hours,
        description=record.description,
        evidence=list(record.evidence),
    )
    session.add(log)
    await session.flush()
    member = await queries.get_member(session, record.member_id)
    community_id = record.community_id or (member.community_id if member else None)
    if member is None or community_id is None or await session.get(Community, community_id) is None:
        return ServiceRecordResult(recorded=True, counted_as_activity=False)
    await queries.record_member_activity(
        session,
        MemberActivityRecord(
            member_id=record.member_id,
            community_id=community_id,
            held_on=record.held_on,
            activity=f"亮相承诺·{record.category_label}（服务记录 {log.id}）",
            category=record.category,
            hours=record.hours,
        ),
    )
    return ServiceRecordResult(recorded=True, counted_as_activity=True)


async def service_by_category(
    session: AsyncSession, member_id: str, year: int
) -> dict[str, tuple[float, int]]:
    """Hours and entries of a member's service in a year, by category."""
    query = (
        select(ServiceLog.category, func.sum(ServiceLog.hours), func.count())
        .where(ServiceLog.member_id == member_id, ServiceLog.year == year)
        .group_by(ServiceLog.category)
    )
    return {cat: (float(h or 0.0), int(n)) for cat, h, n in (await session.execute(query)).all()}


async def commitment_result(
    session: AsyncSession, member_id: str, year: int
) -> CommitmentResult | None:
    """The member's commitment in ``year`` with its grade (None until evaluated) and service."""
    query = select(MemberCommitment).where(
        MemberCommitment.member_id == member_id, MemberCommitment.year == year
    )
    row = (await session.scalars(query)).first()
    if row is None:
        return None
    service = await service_by_category(session, member_id, year)
    return CommitmentResult(
        member_id=member_id,
        year=year,
        status=row.status,
        grade=row.grade,
        score=row.score,
        hours=sum(h for h, _ in service.values()),
        logs=sum(n for _, n in service.values()),
    )


_SAMPLE_ITEMS = (
    ("policy_publicity", "每月在楼栋宣讲一次惠民政策"),
    ("voluntary_labour", "每季度参加一次小区环境清扫"),
    ("dispute_mediation", "协助调解邻里纠纷"),
    ("care_for_elderly", "结对看望一户独居老人"),
    ("environment", "参与垃圾分类督导"),
)


async def sample_commitment_events(session: AsyncSession, year: int) -> list[InboundEvent]:
    """``commitment.submitted`` events for the sample registry's in-service cadres and every
    tenth resident member, two or three items each, for a first start."""
    cadres = await queries.find_members(session, kind=MemberKind.IN_SERVICE_CADRE)
    residents = (await queries.find_members(session, kind=MemberKind.RESIDENT))[::10]
    events = []
    for index, member in enumerate([*cadres, *residents]):
        count = 2 + index % 2
        items = [_SAMPLE_ITEMS[(index + k) % len(_SAMPLE_ITEMS)] for k in range(count)]
        post = "在职党员志愿者" if member.kind == MemberKind.IN_SERVICE_CADRE else "楼栋党员志愿者"
        events.append(
            InboundEvent(
                id=f"sample/{year}/commitment/{member.id}",
                source=SAMPLE_SOURCE,
                type="grassroots.commitment.submitted",
                data={
                    "member_id": member.id,
                    "year": year,
                    "post": post,
                    "items": [{"category": c, "content": text} for c, text in items],
                },
            )
        )
    return events


def sample_review_event(submitted: InboundEvent) -> InboundEvent:
    """The branch's approval of a sample commitment: it goes on the public board."""
    data = submitted.data
    return InboundEvent(
        id=f"sample/{data['year']}/review/{data['member_id']}",
        source=SAMPLE_SOURCE,
        type="grassroots.commitment.reviewed",
        data={
            "member_id": data["member_id"],
            "year": data["year"],
            "decision": "approved",
            "actor": "sample-branch",
            "comment": "承诺事项具体可行，同意公示",
        },
    )


def sample_service_events(submitted: InboundEvent, today: date) -> list[InboundEvent]:
    """Service of a published sample commitment: one entry per item, on days before ``today``
    within the commitment's year (the board shows hours and progress)."""
    data = submitted.data
    year, member_id = int(data["year"]), str(data["member_id"])
    first_day = date(year, 1, 1)
    events = []
    for index, item in enumerate(data["items"]):
        held_on = max(today - timedelta(days=7 + 23 * index), first_day)
        if held_on.year != year or held_on > today:
            continue
        events.append(
            InboundEvent(
                id=f"sample/{year}/service/{member_id}/{index + 1}",
                source=SAMPLE_SOURCE,
                type="grassroots.service.logged",
                data={
                    "member_id": member_id,
                    "year": year,
                    "hours": 1.5 + index,
                    "category": item["category"],
                    "date": held_on.isoformat(),
                    "description": item["content"],
                    "actor": "sample-branch",
                },
            )
        )
    return events
