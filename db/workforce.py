"""Registry queries of P4 社区工作者: a worker's profile, the changes the case makes (grade,
Party membership, hiring) with their history, yearly assessment tiers, and the workforce as it
stood on any day. Each receives a session and leaves commits to the caller."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import queries
from db.commitment_tables import WorkerAssessment, WorkerChange
from db.tables import Community, CommunityWorker
from db.vocab import Education, WorkerPost
from models.community_worker import (
    ENROLLED,
    AssessmentRecordInput,
    AssessmentRecordResult,
    WorkerChangeInput,
    WorkerChangeResult,
    WorkerProfile,
    registry_education,
    rule_education,
)
from models.events import InboundEvent


@dataclass(frozen=True, slots=True)
class WorkerOn:
    """A worker as they stood on a day: the registry row with later changes rolled back."""

    worker_id: str
    community_id: str
    post: str
    education: str
    party_member: bool
    certificate: bool
    grade: int
    birth_date: date


def masked(name: str) -> str:
    """The surname and a star per other character: names stay out of case lists."""
    return name[:1] + "*" * max(len(name) - 1, 1)


async def worker_profile(session: AsyncSession, worker_id: str) -> WorkerProfile:
    """The worker's post, grade, education and record, if registered."""
    row = await session.get(CommunityWorker, worker_id)
    if row is None:
        return WorkerProfile(known=False)
    return WorkerProfile(
        known=True,
        community_id=row.community_id,
        post=WorkerPost(row.post).value,
        grade=row.grade,
        education=rule_education(row.education),
        party_member=row.is_party_member,
        has_certificate=row.has_social_work_cert,
        birth_date=row.birth_date,
        hired_on=row.hired_on,
        label=masked(row.name),
    )


def _log(
    session: AsyncSession, change: WorkerChangeInput, name: str, old: object, new: object
) -> str:
    session.add(
        WorkerChange(
            worker_id=change.worker_id,
            changed_on=change.on,
            field=name,
            old_value=None if old is None else str(old),
            new_value=None if new is None else str(new),
            case_id=change.case_id,
        )
    )
    return name


async def apply_worker_change(
    session: AsyncSession, change: WorkerChangeInput
) -> WorkerChangeResult:
    """Hire a worker (when the registry has what it needs), or change their grade or Party
    membership; every change is recorded with the day it took effect."""
    row = await session.get(CommunityWorker, change.worker_id)
    done: list[str] = []
    if row is None:
        hire = change.hire
        if hire is None:
            return WorkerChangeResult(applied=False, reason="登记库中没有该社区工作者")
        missing = [
            label
            for label, value in (
                ("姓名", hire.name),
                ("所属社区", hire.community_id),
                ("出生日期", hire.birth_date),
                ("学历", hire.education),
            )
            if not value
        ]
        if hire.community_id and await session.get(Community, hire.community_id) is None:
            missing.append(f"登记库中的社区 {hire.community_id}")
        education = registry_education(hire.education)
        if hire.education and education not in {e.value for e in Education}:
            missing.append(f"可识别的学历（{hire.education}）")
        if missing:
            return WorkerChangeResult(applied=False, reason="缺少" + "、".join(missing))
        assert hire.name is not None  # checked above
        assert hire.community_id is not None
        assert hire.birth_date is not None
        row = CommunityWorker(
            id=change.worker_id,
            community_id=hire.community_id,
            name=hire.name,
            gender=hire.gender if hire.gender in {"male", "female"} else None,
            birth_date=hire.birth_date,
            post=hire.post,
            education=education,
            is_party_member=hire.party_member,
            has_social_work_cert=hire.has_certificate,
            grade=change.grade or 1,
            hired_on=change.on,
        )
        session.add(row)
        done.append(_log(session, change, "hired", None, change.on.isoformat()))
    else:
        if change.grade is not None and change.grade != row.grade:
            done.append(_log(session, change, "grade", row.grade, change.grade))
            row.grade = change.grade
        if change.party_member is not None and change.party_member != row.is_party_member:
            done.append(
                _log(session, change, "party_member", row.is_party_member, change.party_member)
            )
            row.is_party_member = change.party_member
    return WorkerChangeResult(applied=True, changes=done)


async def record_assessment(
    session: AsyncSession, record: AssessmentRecordInput
) -> AssessmentRecordResult:
    """Keep the tier (a repeat overwrites it); count the community's holders of ``count_tier``."""
    query = select(WorkerAssessment).where(
        WorkerAssessment.worker_id == record.worker_id, WorkerAssessment.year == record.year
    )
    row = (await session.scalars(query)).first()
    if row is None:
        row = WorkerAssessment(worker_id=record.worker_id, year=record.year, case_id=record.case_id)
        session.add(row)
    row.tier, row.community_id = record.tier, record.community_id
    await session.flush()
    if record.community_id is None or record.count_tier is None:
        return AssessmentRecordResult()
    count = await session.scalar(
        select(func.count()).where(
            WorkerAssessment.community_id == record.community_id,
            WorkerAssessment.year == record.year,
            WorkerAssessment.tier == record.count_tier,
        )
    )
    gone = select(WorkerChange.worker_id).where(WorkerChange.field == LEFT)
    workers = await session.scalar(
        select(func.count()).where(
            CommunityWorker.community_id == record.community_id,
            CommunityWorker.id.not_in(gone),
        )
    )
    return AssessmentRecordResult(tier_count=int(count or 0), workers=int(workers or 0))


async def assessments(session: AsyncSession, worker_id: str) -> dict[int, str]:
    """A worker's tiers by year."""
    query = select(WorkerAssessment.year, WorkerAssessment.tier).where(
        WorkerAssessment.worker_id == worker_id
    )
    return {year: tier for year, tier in (await session.execute(query)).all()}


async def roster_on(
    session: AsyncSession, on: date, community_id: str | None = None
) -> list[WorkerOn]:
    """The workers employed on ``on``, each as they stood then: changes recorded after that day
    are rolled back (the registry itself holds only the present)."""
    gone = await departed_by(session, on)
    workers = [
        w
        for w in await queries.workers_by_community(session, community_id)
        if w.hired_on <= on and w.id not in gone
    ]
    later = select(WorkerChange).where(WorkerChange.changed_on > on)
    if community_id is not None:
        later = later.where(WorkerChange.worker_id.in_([w.id for w in workers]))
    before: dict[tuple[str, str], str | None] = {}
    for change in await session.scalars(later.order_by(WorkerChange.changed_on, WorkerChange.id)):
        before.setdefault((change.worker_id, change.field), change.old_value)

    def then(worker: CommunityWorker, name: str, now: object) -> str | None:
        key = (worker.id, name)
        return before[key] if key in before else str(now)

    return [
        WorkerOn(
            worker_id=w.id,
            community_id=w.community_id,
            post=w.post,
            education=w.education,
            party_member=then(w, "party_member", w.is_party_member) == "True",
            certificate=w.has_social_work_cert,
            grade=int(then(w, "grade", w.grade) or w.grade),
            birth_date=w.birth_date,
        )
        for w in workers
    ]


LEFT = "left"
"""The ``worker_changes`` field of a departure: dated the day they left, the reason its value."""


async def record_departure(
    session: AsyncSession, worker_id: str, case_id: str, on: date, reason: str
) -> WorkerChangeResult:
    """Record that the worker left on ``on`` (resignation, dismissal, retirement): the row stays
    for the years they served, and the workforce from that day on no longer counts them. A
    repeat keeps the first departure."""
    if await session.get(CommunityWorker, worker_id) is None:
        return WorkerChangeResult(applied=False, reason="登记库中没有该社区工作者")
    known = select(WorkerChange.id).where(
        WorkerChange.worker_id == worker_id, WorkerChange.field == LEFT
    )
    if (await session.scalars(known)).first() is not None:
        return WorkerChangeResult(applied=True)
    session.add(
        WorkerChange(
            worker_id=worker_id,
            changed_on=on,
            field=LEFT,
            old_value=None,
            new_value=reason[:64],
            case_id=case_id,
        )
    )
    return WorkerChangeResult(applied=True, changes=[LEFT])


async def departed_by(session: AsyncSession, on: date) -> set[str]:
    """The workers who had left on or before ``on``."""
    query = select(WorkerChange.worker_id).where(
        WorkerChange.field == LEFT, WorkerChange.changed_on <= on
    )
    return set(await session.scalars(query))


SAMPLE_SOURCE = "urn:grassroots:sample"


async def sample_worker_events(session: AsyncSession, year: int) -> list[InboundEvent]:
    """``worker.recruited`` events that open a case for every registered worker (in service),
    for a first start with the sample registry; every fifth is short of training hours."""
    events = []
    for index, worker in enumerate(await queries.workers_by_community(session)):
        data = {
            "worker_id": worker.id,
            "post": worker.post,
            "method": ENROLLED,
            "community_id": worker.community_id,
            "training_hours": 24.0 if index % 5 == 4 else 44.0,
        }
        events.append(
            InboundEvent(
                id=f"sample/{year}/worker/{worker.id}",
                source=SAMPLE_SOURCE,
                type="grassroots.worker.recruited",
                data=data,
            )
        )
    return events
