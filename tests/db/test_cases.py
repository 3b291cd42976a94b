"""Open and ended cases in the case store: every process's end statuses leave the "overdue"
list and the open cases an event can reach, while the waiting statuses stay in them; a case's
timeline reads in the order the case wrote it."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.cases import (
    CaseFilter,
    add_timeline,
    audit,
    case_timeline,
    list_cases,
    open_case_ids,
    upsert_case,
)
from models.case import CaseSnapshot
from models.deadline import TimelineEntry

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)

# (process, status): how each process's cases end, as its workflow sets the status.
ENDED = [
    ("dual_assessment", "closed"),
    ("dual_assessment", "closed_without_opinion"),
    ("dual_assessment", "overridden"),
    ("dual_assessment", "out_of_scope"),
    ("dual_assessment", "rejected"),
    ("annual_inspection", "cleared"),
    ("annual_inspection", "blocked"),
    ("annual_inspection", "not_required"),
    ("annual_inspection", "rejected"),
    ("floating_member", "moved_out"),
    ("floating_member", "refused"),
    ("community_worker", "not_hired"),
    ("community_worker", "ineligible"),
    ("community_worker", "rejected"),
    ("community_worker", "left"),
    ("commitment", "closed"),
    ("commitment", "not_published"),
]
# Statuses a case waits in, some of them past a deadline: still open.
WAITING = [
    ("dual_assessment", "awaiting_opinion"),
    ("dual_assessment", "held"),
    ("annual_inspection", "signoff_overdue"),
    ("annual_inspection", "denied"),
    ("annual_inspection", "conditional"),
    ("floating_member", "lost_contact"),
    ("community_worker", "in_service"),
    ("commitment", "published"),
]


async def _store(session: AsyncSession, cases: list[tuple[str, str]], tag: str) -> None:
    for index, (process, status) in enumerate(cases):
        snapshot = CaseSnapshot(
            case_id=f"{process}/{tag}{index}",
            process=process,
            status=status,
            community_id="c1",
            opened_at=NOW - timedelta(days=30),
            due_at=NOW - timedelta(days=1),
        )
        await upsert_case(await session.connection(), snapshot)
    await session.commit()


async def test_overdue_lists_only_cases_still_waiting(session: AsyncSession) -> None:
    """Past their due time, ended cases (not hired, moved out, blocked…) are not overdue."""
    await _store(session, ENDED, "ended")
    await _store(session, WAITING, "waiting")
    page = await list_cases(session, CaseFilter(overdue_at=NOW), None, limit=100, offset=0)
    assert sorted((case.process, case.status) for case in page.rows) == sorted(WAITING)


async def test_events_reach_only_open_cases(session: AsyncSession) -> None:
    """A registry change notifies a blocked or cleared inspection no more, a denied one still."""
    await _store(session, ENDED, "ended")
    await _store(session, WAITING, "waiting")
    ids = await open_case_ids(session, "annual_inspection", "annual_inspection/")
    assert sorted(ids) == [
        "annual_inspection/waiting2",
        "annual_inspection/waiting3",
        "annual_inspection/waiting4",
    ]


async def test_timeline_reads_in_the_order_the_case_wrote_it(session: AsyncSession) -> None:
    """立案 comes before 任务下达 even when the task's window is backdated to the request, and
    the API's audit rows stay where they happened in between."""
    case_id = "annual_inspection/org52/2027"
    received = audit(session, "event", "client:all", "inspection.requested", case_id=case_id)
    received.at = NOW - timedelta(seconds=1)
    entries = [
        TimelineEntry(at=NOW, kind="case_opened", summary="案件开启"),
        TimelineEntry(at=NOW - timedelta(minutes=5), kind="opened", summary="任务下达"),
        TimelineEntry(at=NOW, kind="event", summary="收到申请"),
        TimelineEntry(at=NOW + timedelta(days=2), kind="answered", summary="签署意见"),
    ]
    await add_timeline(await session.connection(), case_id, 0, entries)
    signed = audit(session, "update", "书记", "inspection.signoff", case_id=case_id)
    signed.at = NOW + timedelta(days=1)
    audit(session, "login", "书记", "书记 logged in")  # the audit log, about no case
    await session.commit()
    timeline = await case_timeline(session, case_id)
    assert [(row.seq, row.kind) for row in timeline] == [
        (None, "event"),
        (0, "case_opened"),
        (1, "opened"),
        (2, "event"),
        (None, "update"),
        (3, "answered"),
    ]
