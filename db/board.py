"""The public board of members' commitments (党员亮相承诺公示栏): published commitments with each
member's name, post, items and progress, for a public page. Nothing private is on it — no member
id, phone, id number or address, no internal alerts and no evaluation scores."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import LOCAL_TZ
from db.commitment_tables import MemberCommitment, ServiceLog
from db.tables import Community

PUBLIC_STATUSES = ("published", "evaluated", "closed")
"""Statuses of a commitment that has been approved and published."""


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BoardItem(_Public):
    """One promise and the service done for it (its category) this year."""

    category: str
    label: str
    content: str
    hours: float
    entries: int


class BoardQuarter(_Public):
    """Progress as published at the end of a quarter."""

    quarter: int
    hours: float
    entries: int
    items_with_service: int


class BoardProgress(_Public):
    hours: float
    entries: int
    items: int
    items_with_service: int
    last_service_on: date | None
    quarters: list[BoardQuarter] = Field(default_factory=list)


class BoardEntry(_Public):
    """A member on the board: name, post (亮相岗位), community, items and progress."""

    name: str
    post: str
    community_name: str | None
    published_on: date | None
    items: list[BoardItem]
    progress: BoardProgress


class PublicBoard(_Public):
    year: int
    community_id: str | None
    community_name: str | None
    members: int
    hours: float
    entries: list[BoardEntry]


async def public_board(session: AsyncSession, community_id: str | None, year: int) -> PublicBoard:
    """The published commitments of ``year`` (in one community, or all) and their progress."""
    query = select(MemberCommitment).where(
        MemberCommitment.year == year,
        MemberCommitment.status.in_(PUBLIC_STATUSES),
        MemberCommitment.published_at.is_not(None),
    )
    if community_id is not None:
        query = query.where(MemberCommitment.community_id == community_id)
    rows = list((await session.scalars(query)).all())
    names = {c.id: c.name for c in (await session.scalars(select(Community))).all()}
    service = await _service(session, year, [row.member_id for row in rows])
    entries = [_entry(row, names, service.get(row.member_id, {})) for row in rows]
    entries.sort(key=lambda e: (e.community_name or "", e.published_on or date.min, e.name))
    return PublicBoard(
        year=year,
        community_id=community_id,
        community_name=names.get(community_id) if community_id else None,
        members=len(entries),
        hours=round(sum(e.progress.hours for e in entries), 2),
        entries=entries,
    )


_Service = dict[str, tuple[float, int, date]]


async def _service(session: AsyncSession, year: int, members: list[str]) -> dict[str, _Service]:
    """Hours, entries and last day of service by member and category."""
    if not members:
        return {}
    query = (
        select(
            ServiceLog.member_id,
            ServiceLog.category,
            func.sum(ServiceLog.hours),
            func.count(),
            func.max(ServiceLog.held_on),
        )
        .where(ServiceLog.year == year, ServiceLog.member_id.in_(members))
        .group_by(ServiceLog.member_id, ServiceLog.category)
    )
    found: dict[str, _Service] = {}
    for member_id, category, hours, count, last in (await session.execute(query)).all():
        found.setdefault(member_id, {})[category] = (float(hours or 0.0), int(count), last)
    return found


def _entry(row: MemberCommitment, names: dict[str, str], service: _Service) -> BoardEntry:
    items = [
        BoardItem(
            category=item["category"],
            label=item.get("label", item["category"]),
            content=item.get("content", ""),
            hours=service.get(item["category"], (0.0, 0, date.min))[0],
            entries=service.get(item["category"], (0.0, 0, date.min))[1],
        )
        for item in row.items
    ]
    last = max((day for _, _, day in service.values()), default=None)
    return BoardEntry(
        name=row.name or "（未登记姓名）",
        post=row.post or "",
        community_name=names.get(row.community_id) if row.community_id else None,
        published_on=row.published_at.astimezone(LOCAL_TZ).date() if row.published_at else None,
        items=items,
        progress=BoardProgress(
            hours=round(sum(h for h, _, _ in service.values()), 2),
            entries=sum(n for _, n, _ in service.values()),
            items=len(items),
            items_with_service=sum(item.entries > 0 for item in items),
            last_service_on=last,
            quarters=[
                BoardQuarter(
                    quarter=int(q["quarter"]),
                    hours=float(q["hours"]),
                    entries=int(q["logs"]),
                    items_with_service=int(q["items_with_service"]),
                )
                for q in row.progress
            ],
        ),
    )
