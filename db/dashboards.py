"""Figures for the dashboards that the reports do not give: floating-member contact compliance
and the 失联 list, escalations by card colour per month, and commitment progress. Each query
receives the session and the communities within reach (None: all)."""

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import LOCAL_TZ
from db.case_tables import Case, Task, TimelineEvent
from db.tables import Community

Reach = Collection[str] | None
LOST_CONTACT = "lost_contact"
NO_COMMUNITY = "—"


@dataclass
class Compliance:
    """Contact tasks of floating members in one community: answered on time, late, overdue."""

    community_id: str
    community_name: str
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0

    @property
    def share(self) -> float | None:
        """Contacts made on time among those that fell due (None when none fell due)."""
        due = self.on_time + self.late + self.overdue
        return self.on_time / due if due else None


@dataclass(frozen=True, slots=True)
class LostMember:
    case_id: str
    label: str
    community_name: str
    since: datetime


@dataclass
class Escalations:
    """Escalations per month (``YYYY-MM``, Beijing time) and card colour."""

    months: list[str] = field(default_factory=list)
    by_level: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CommitmentLine:
    """Commitment cases of one community by status."""

    community_id: str
    community_name: str
    by_status: dict[str, int]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def community_names(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(select(Community.id, Community.name))
    return {row.id: row.name for row in rows}


async def contact_compliance(
    session: AsyncSession, reach: Reach, now: datetime
) -> list[Compliance]:
    """Per community: floating members' contact tasks answered on time, late, or overdue now."""
    query = (
        select(Task.community_id, Task.status, Task.due_at, Task.closed_at)
        .join(Case, Case.case_id == Task.case_id)
        .where(Case.process == "floating_member", Task.task_id.startswith("contact-"))
    )
    if reach is not None:
        query = query.where(Task.community_id.in_(sorted(reach)))
    names = await community_names(session)
    lines: dict[str, Compliance] = {}
    for row in await session.execute(query):
        key = row.community_id or NO_COMMUNITY
        line = lines.setdefault(key, Compliance(key, names.get(key, key)))
        due = _aware(row.due_at) if row.due_at is not None else None
        if row.status == "answered":
            closed = _aware(row.closed_at) if row.closed_at is not None else None
            if due is None or closed is None or closed <= due:
                line.on_time += 1
            else:
                line.late += 1
        elif row.status == "open":
            if due is not None and due < now:
                line.overdue += 1
            else:
                line.pending += 1
    return sorted(lines.values(), key=lambda line: line.community_id)


async def lost_contact(session: AsyncSession, reach: Reach) -> list[LostMember]:
    """Floating members whose case is 失联, longest first."""
    query = select(Case).where(Case.process == "floating_member", Case.status == LOST_CONTACT)
    if reach is not None:
        query = query.where(Case.community_id.in_(sorted(reach)))
    names = await community_names(session)
    cases = (await session.scalars(query.order_by(Case.updated_at))).all()
    return [
        LostMember(
            case.case_id,
            case.subject_label or case.subject_id or case.case_id,
            names.get(case.community_id or "", case.community_id or NO_COMMUNITY),
            _aware(case.updated_at),
        )
        for case in cases
    ]


async def escalations(session: AsyncSession, reach: Reach, levels: Collection[str]) -> Escalations:
    """Escalation steps recorded on case timelines, per month and card colour."""
    query = (
        select(TimelineEvent.at, TimelineEvent.detail)
        .join(Case, Case.case_id == TimelineEvent.case_id)
        .where(TimelineEvent.kind == "escalation")
    )
    if reach is not None:
        query = query.where(Case.community_id.in_(sorted(reach)))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in await session.execute(query):
        month = _aware(row.at).astimezone(LOCAL_TZ).strftime("%Y-%m")
        level = str((row.detail or {}).get("level") or "yellow")
        counts[month][level] += 1
    months = sorted(counts)
    return Escalations(months, {level: [counts[m][level] for m in months] for level in levels})


async def commitment_progress(session: AsyncSession, reach: Reach) -> list[CommitmentLine]:
    """Members' commitment cases per community and status."""
    query = (
        select(Case.community_id, Case.status, func.count())
        .where(Case.process == "commitment")
        .group_by(Case.community_id, Case.status)
    )
    if reach is not None:
        query = query.where(Case.community_id.in_(sorted(reach)))
    names = await community_names(session)
    by_community: dict[str, dict[str, int]] = defaultdict(dict)
    for community_id, status, count in await session.execute(query):
        by_community[community_id or NO_COMMUNITY][status] = int(count)
    return [
        CommitmentLine(key, names.get(key, key), statuses)
        for key, statuses in sorted(by_community.items())
    ]
