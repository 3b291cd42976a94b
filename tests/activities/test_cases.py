"""The ``project_case`` activity: the case as lists, inbox, timeline and outbox show it."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.cases import CaseActivities, notification_id
from db.case_tables import Case, OutboxMessage, Task, TimelineEvent
from db.vocab import OrgType
from models.case import CaseSnapshot, CaseTask, OutboundEvent, ProjectCaseInput
from models.deadline import CardLevel, TaskStatus, TimelineEntry
from models.mentions import mention
from models.notification import Notification
from tests.api.databases import database_url, engine, on_each_database, sessions
from tests.db.builders import organisation, two_communities

__all__ = ["database_url", "engine", "sessions"]
pytestmark = on_each_database

CASE = "dual_assessment/u-1/year_end_assessment/2026"
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _snapshot(
    status: TaskStatus = TaskStatus.OPEN, level: CardLevel = CardLevel.NORMAL
) -> CaseSnapshot:
    task = CaseTask(
        task_id="opinion",
        title="社区意见",
        owner="c-a",
        community_id="c-a",
        status=status,
        level=level,
        opened_at=T0,
        due_at=T0 + timedelta(days=14),
    )
    return CaseSnapshot(
        case_id=CASE,
        process="dual_assessment",
        status="waiting_opinion" if status is TaskStatus.OPEN else "closed",
        community_id="c-a",
        subject_id="u-1",
        subject_label="稷山县教育局",
        rule_version="0cd3274eb915",
        opened_at=T0,
        due_at=task.due_at,
        level=level,
        tasks=[task],
    )


def _entry(kind: str, minutes: int) -> TimelineEntry:
    trace = {"file": "dual_assessment.yaml", "rule": "scope", "result": True}
    return TimelineEntry(
        at=T0 + timedelta(minutes=minutes), kind=kind, task_id="opinion", trace=trace
    )


def _reminder() -> Notification:
    return Notification(
        case_id=CASE,
        task_id="opinion",
        kind="reminder",
        to="c-a",
        title="社区意见",
        due_at=T0 + timedelta(days=14),
        at=T0 + timedelta(days=7),
        message="请于截止日前提交社区意见",
    )


async def test_a_step_is_stored_once_however_often_it_is_retried(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A retried projection adds no second timeline entry, task or outbox message."""
    activities = CaseActivities(sessions)
    step = ProjectCaseInput(
        snapshot=_snapshot(),
        first_seq=0,
        timeline=[_entry("opened", 0), _entry("reminder", 1)],
        notifications=[_reminder()],
    )
    first = await ActivityEnvironment().run(activities.project_case, step)
    again = await ActivityEnvironment().run(activities.project_case, step)
    assert (first.timeline_written, first.outbox_written) == (2, 1)
    assert (again.timeline_written, again.outbox_written) == (0, 0)
    async with sessions() as session:
        case = await session.get(Case, CASE)
        tasks = (await session.scalars(select(Task))).all()
        seqs = (await session.scalars(select(TimelineEvent.seq).order_by(TimelineEvent.seq))).all()
        outbox = (await session.scalars(select(OutboxMessage))).all()
    assert case is not None
    assert case.subject_label == "稷山县教育局"
    assert case.due_at == T0 + timedelta(days=14)
    assert [(t.task_id, t.status, t.community_id) for t in tasks] == [("opinion", "open", "c-a")]
    assert list(seqs) == [0, 1]
    assert [m.id for m in outbox] == [notification_id(_reminder())]
    assert outbox[0].payload["type"] == "grassroots.notification.reminder"
    assert outbox[0].payload["data"]["message"] == "请于截止日前提交社区意见"


async def test_later_steps_update_the_case_and_queue_outbound_events(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A later step moves the task and card on, adds only new entries and queues the result."""
    activities = CaseActivities(sessions)
    await ActivityEnvironment().run(
        activities.project_case,
        ProjectCaseInput(snapshot=_snapshot(), timeline=[_entry("opened", 0)]),
    )
    ready = OutboundEvent(
        id=f"{CASE}#3",
        type="grassroots.assessment.opinion_ready",
        subject=CASE,
        time=T0 + timedelta(days=3),
        data={"grade": "称职"},
    )
    step = ProjectCaseInput(
        snapshot=_snapshot(TaskStatus.ANSWERED, CardLevel.YELLOW),
        first_seq=0,
        timeline=[_entry("opened", 0), _entry("escalation", 2), _entry("answered", 3)],
        events=[ready],
    )
    result = await ActivityEnvironment().run(activities.project_case, step)
    assert (result.timeline_written, result.outbox_written) == (2, 1)
    async with sessions() as session:
        case = await session.get(Case, CASE)
        task = await session.scalar(select(Task))
        entries = (await session.scalars(select(TimelineEvent).order_by(TimelineEvent.seq))).all()
        message = await session.scalar(select(OutboxMessage))
    assert case is not None
    assert (case.status, case.card_level) == ("closed", "yellow")
    assert task is not None
    assert (task.status, task.level) == ("answered", "yellow")
    assert [(e.seq, e.kind) for e in entries] == [(0, "opened"), (1, "escalation"), (2, "answered")]
    assert entries[1].detail == {"task_id": "opinion"}
    assert entries[1].trace == {"file": "dual_assessment.yaml", "rule": "scope", "result": True}
    assert message is not None
    assert message.kind == "event"
    assert message.delivered_at is None
    assert message.payload["id"] == f"{CASE}#3"
    assert message.payload["source"] == "urn:grassroots:engine"
    assert message.payload["subject"] == CASE


async def test_the_registry_ids_a_step_mentions_are_stored_by_name(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """People read 东城社区 where the case wrote its id; an id the registry lacks stays as it is."""
    async with sessions() as session:
        await two_communities(session)
        await organisation(session, "org-7", OrgType.PROPERTY_COMPANY)
        await session.commit()
    opened = _entry("opened", 0).model_copy(
        update={"summary": f"任务「社区意见」开启，承办：{mention('A')}，期限 2026-11-16 09:00"}
    )
    named = f"征求{mention('B')}对{mention('org-7')}的意见（{mention('c-gone')}）"
    escalation = _reminder().model_copy(
        update={
            "kind": "escalation",
            "message": f"黄牌督办：承办：{mention('A')}，升级至街道党工委督办",
        }
    )
    step = ProjectCaseInput(
        snapshot=_snapshot(),
        timeline=[opened, _entry("decided", 1).model_copy(update={"summary": named})],
        notifications=[escalation],
    )
    result = await ActivityEnvironment().run(CaseActivities(sessions).project_case, step)
    assert result.names == {"A": "东城社区", "B": "西城社区", "org-7": "组织org-7"}
    async with sessions() as session:
        summaries = (
            await session.scalars(select(TimelineEvent.summary).order_by(TimelineEvent.seq))
        ).all()
        message = await session.scalar(select(OutboxMessage))
    assert list(summaries) == [
        "任务「社区意见」开启，承办：东城社区，期限 2026-11-16 09:00",
        "征求西城社区对组织org-7的意见（c-gone）",
    ]
    assert message is not None
    assert message.id == notification_id(escalation)
    assert message.payload["data"]["message"] == "黄牌督办：承办：东城社区，升级至街道党工委督办"
