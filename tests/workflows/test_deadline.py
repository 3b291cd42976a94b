"""The deadline primitive inside a host workflow, over months of time-skipped simulated time.

The time-skipping server's clock starts at the real time and only moves forward, so tests cannot
open a task on a chosen calendar date. Instead each window ends on a "quiet Friday" ahead of the
server's clock, in weeks where the official calendar is plain Monday to Friday (see
``deadline_support.quiet_friday``); expected times are counted by hand from that Friday. The one
test about a real holiday (National Day 2026, already past) backdates the opening with
``run(opened_at=...)``.
"""

from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.deadline import CardLevel, DeadlineSpec, TaskStatus, TimelineEntry
from models.duration import Duration
from tests.workflows.deadline_host import AnswerInput, DeadlineHost, ExtendInput, HostView
from tests.workflows.deadline_support import (
    CST,
    DAY,
    EMPTY_WORKFLOW_TASK,
    HOUR,
    close_host,
    deadline_worker,
    eventually,
    history_event_types,
    query_view,
    quiet_friday,
    sleep_until,
    start_host,
)

# A point is recorded when its timer's workflow task runs, a few milliseconds after it is due.
TOLERANCE = timedelta(seconds=1)


def _spec(due_at: datetime, **fields: Any) -> DeadlineSpec:
    return DeadlineSpec.model_validate(
        {
            "task_id": "opinion",
            "title": "年度考核社区意见",
            "owner": "community-7",
            "due_at": due_at,
            **fields,
        }
    )


def _ladder() -> list[dict[str, Any]]:
    return [
        {"level": "yellow", "at": {"fraction": 1}, "to": "street_committee"},
        {"level": "red", "at": {"after_due": "5wd"}, "to": "district_committee"},
    ]


def _entries(view: HostView, kind: str) -> list[TimelineEntry]:
    return [e for e in view.timeline if e.kind == kind]


def _assert_at(actual: datetime, expected: datetime) -> None:
    assert abs(actual - expected) <= TOLERANCE, f"{actual} != {expected}"


async def test_reminders_fire_at_fractions_and_working_days_before_due(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    """The owner is reminded half-way, at 90% of the window and three working days before due."""
    due = await quiet_friday(time_skipping_env)
    reminders = [
        {"at": {"fraction": 0.5}},
        {"at": {"fraction": 0.9}},
        {"at": {"before_due": "3wd"}, "label": "到期前三个工作日提醒"},
    ]
    async with deadline_worker(client, task_queue) as notifier:
        handle = await start_host(client, task_queue, _spec(due, reminders=reminders))
        opened = _entries(await query_view(handle), "opened")[0].at
        await sleep_until(time_skipping_env, due + HOUR)
        view = await query_view(handle)
        await close_host(time_skipping_env, handle)

    window = due - opened
    # Three working days before a quiet Friday: Thursday = 1, Wednesday = 2, Tuesday = 3.
    expected = [opened + window * 0.5, opened + window * 0.9, due - 3 * DAY]
    fired = _entries(view, "reminder")
    assert len(fired) == len(expected)
    for entry, at in zip(fired, expected, strict=True):
        _assert_at(entry.at, at)
    assert [(n.kind, n.to) for n in notifier.sent] == [("reminder", "community-7")] * 3
    assert "年度考核社区意见" in notifier.sent[-1].message
    assert notifier.sent[-1].message.startswith("到期前三个工作日提醒")
    assert view.state.level is CardLevel.NORMAL


async def test_escalation_ladder_fires_each_step_in_order(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    """Unanswered, the card turns yellow at due for the street, then red five working days later."""
    due = await quiet_friday(time_skipping_env)
    async with deadline_worker(client, task_queue) as notifier:
        handle = await start_host(client, task_queue, _spec(due, escalation=_ladder()))
        await sleep_until(time_skipping_env, due + DAY)
        assert (await query_view(handle)).state.level is CardLevel.YELLOW
        await sleep_until(time_skipping_env, due + 8 * DAY)
        view = await query_view(handle)
        await close_host(time_skipping_env, handle)

    steps = _entries(view, "escalation")
    # Five working days after a quiet Friday: Monday to Friday of the next week.
    expected = [
        (CardLevel.YELLOW, due, "street_committee"),
        (CardLevel.RED, due + 7 * DAY, "district_committee"),
    ]
    assert [(e.level, e.detail["to"]) for e in steps] == [(lvl, to) for lvl, _, to in expected]
    for entry, (_, at, _) in zip(steps, expected, strict=True):
        _assert_at(entry.at, at)
    assert view.state.level is CardLevel.RED
    assert view.state.status is TaskStatus.OPEN
    assert [(n.kind, n.level, n.to) for n in notifier.sent] == [
        ("escalation", CardLevel.YELLOW, "street_committee"),
        ("escalation", CardLevel.RED, "district_committee"),
    ]
    assert notifier.sent[0].message.startswith("黄牌")


async def test_answer_just_before_due_is_on_time(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    """An answer an hour before due is on time and no card is ever raised."""
    due = await quiet_friday(time_skipping_env)
    async with deadline_worker(client, task_queue) as notifier:
        handle = await start_host(client, task_queue, _spec(due, escalation=_ladder()))
        await sleep_until(time_skipping_env, due - HOUR)
        answered = await handle.execute_update(
            DeadlineHost.submit_answer, AnswerInput(actor="secretary-1", payload={"grade": "称职"})
        )
        await sleep_until(time_skipping_env, due + 8 * DAY)
        view = await query_view(handle)
        await close_host(time_skipping_env, handle)

    assert answered.state.status is TaskStatus.ANSWERED
    assert answered.state.late is False
    assert answered.state.answer == {"grade": "称职"}
    assert answered.state.answered_by == "secretary-1"
    assert view.state.level is CardLevel.NORMAL
    assert _entries(view, "escalation") == []
    assert notifier.sent == []


async def test_answer_just_after_due_is_late(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    """An answer an hour after due is marked late, after the yellow card, and stops the red one."""
    due = await quiet_friday(time_skipping_env)
    async with deadline_worker(client, task_queue) as notifier:
        handle = await start_host(client, task_queue, _spec(due, escalation=_ladder()))
        await sleep_until(time_skipping_env, due + HOUR)
        await handle.signal(DeadlineHost.answer, AnswerInput(actor="secretary-1"))
        view = await eventually(handle, lambda v: v.state.status is TaskStatus.ANSWERED)
        await sleep_until(time_skipping_env, due + 8 * DAY)
        later = await query_view(handle)
        await close_host(time_skipping_env, handle)

    assert view.state.late is True
    assert view.state.level is CardLevel.YELLOW
    assert [e.kind for e in view.timeline] == ["opened", "escalation", "answered"]
    assert _entries(view, "answered")[0].detail["late"] is True
    assert later.timeline == view.timeline
    assert [n.level for n in notifier.sent] == [CardLevel.YELLOW]


async def test_extensions_move_due_reset_the_card_and_respect_the_rules(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    """An authorised role extends twice; an unknown role and a third extension are refused."""
    due = await quiet_friday(time_skipping_env)
    spec = _spec(due, escalation=_ladder()[:1], max_extensions=2)
    async with deadline_worker(client, task_queue) as notifier:
        handle = await start_host(client, task_queue, spec)
        await sleep_until(time_skipping_env, due + HOUR)
        assert (await query_view(handle)).state.level is CardLevel.YELLOW

        first = await handle.execute_update(
            DeadlineHost.extend_deadline,
            ExtendInput(
                actor="street-1",
                role="street_committee",
                reason="材料补充",
                by=Duration.parse("5wd"),
            ),
        )
        # Five working days after the quiet Friday: the next Friday.
        assert first.state.schedule is not None
        assert first.state.schedule.due_at == due + 7 * DAY
        assert first.state.level is CardLevel.NORMAL
        await sleep_until(time_skipping_env, due + 7 * DAY + HOUR)
        assert (await query_view(handle)).state.level is CardLevel.YELLOW

        second = await handle.execute_update(
            DeadlineHost.extend_deadline,
            ExtendInput(
                actor="admin-1", role="admin", reason="节前顺延", new_due_at=due + 14 * DAY
            ),
        )
        assert second.state.level is CardLevel.NORMAL
        assert second.state.extensions == 2

        before, view_before = await history_event_types(handle), await query_view(handle)
        refusals = [
            (
                ExtendInput(
                    actor="grid-3", role="grid_worker", reason="想延期", by=Duration.parse("1wd")
                ),
                "无权为任务",
            ),
            (
                ExtendInput(actor="admin-1", role="admin", reason="再延", by=Duration.parse("1wd")),
                "已达规则允许的上限",
            ),
        ]
        for request, why in refusals:
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await handle.execute_update(DeadlineHost.extend_deadline, request)
            assert why in str(refused.value.cause)
        # A refused update records nothing. The real server drops the whole workflow task; the
        # Java test server has no speculative tasks, so it keeps an empty one: allow just that.
        added = (await history_event_types(handle))[len(before) :]
        assert set(added) <= EMPTY_WORKFLOW_TASK
        assert await query_view(handle) == view_before

        await sleep_until(time_skipping_env, due + 14 * DAY + HOUR)
        view = await query_view(handle)
        await close_host(time_skipping_env, handle)

    extended = _entries(view, "extended")
    assert [(e.actor, e.detail["reason"]) for e in extended] == [
        ("street-1", "材料补充"),
        ("admin-1", "节前顺延"),
    ]
    assert datetime.fromisoformat(extended[0].detail["old_due_at"]) == due
    assert datetime.fromisoformat(extended[0].detail["new_due_at"]) == due + 7 * DAY
    assert datetime.fromisoformat(extended[1].detail["new_due_at"]) == due + 14 * DAY
    yellows = _entries(view, "escalation")
    for entry, at in zip(yellows, [due, due + 7 * DAY, due + 14 * DAY], strict=True):
        _assert_at(entry.at, at)
    assert [n.kind for n in notifier.sent] == [
        "escalation",
        "extended",
        "escalation",
        "extended",
        "escalation",
    ]


async def test_unanswered_task_expires_and_refuses_later_answers(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    """Ten working days past due the task expires; answers after that are refused and noted."""
    due = await quiet_friday(time_skipping_env)
    spec = _spec(due, escalation=_ladder()[:1], expire={"after_due": "10wd"})
    async with deadline_worker(client, task_queue) as notifier:
        handle = await start_host(client, task_queue, spec)
        await sleep_until(time_skipping_env, due + 15 * DAY)
        expired = await query_view(handle)
        await handle.signal(DeadlineHost.answer, AnswerInput(actor="secretary-1"))
        noted = await eventually(handle, lambda v: bool(_entries(v, "late_answer_refused")))
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(
                DeadlineHost.submit_answer, AnswerInput(actor="secretary-1")
            )
        result = await close_host(time_skipping_env, handle)

    assert expired.state.status is TaskStatus.EXPIRED
    # Ten working days after a quiet Friday: two full Monday-to-Friday weeks.
    _assert_at(_entries(expired, "expired")[0].at, due + 14 * DAY)
    assert _entries(noted, "late_answer_refused")[0].actor == "secretary-1"
    assert "expired" in str(refused.value.cause)
    assert result.state.status is TaskStatus.EXPIRED
    assert result.state.answer is None
    assert [n.kind for n in notifier.sent] == ["escalation", "expiry"]


async def test_window_over_national_day_2026(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    """A 5-working-day task opened Mon 28 Sept 2026 is due on the make-up Saturday, 10 Oct."""
    # By hand: 28 Sept is the start day; 29 Sept = 1, 30 Sept = 2; 1-7 Oct are the holiday;
    # 8 Oct = 3, 9 Oct = 4, Saturday 10 Oct (an official make-up working day) = 5.
    # The test server's clock is past that date, so the task is backdated with opened_at: the
    # yellow card at due is already overdue and is raised at once.
    opened = datetime(2026, 9, 28, 9, tzinfo=CST)
    spec = DeadlineSpec.model_validate(
        {
            "task_id": "signoff",
            "title": "年检社区签署",
            "owner": "community-7",
            "due_in": "5wd",
            "escalation": _ladder()[:1],
        }
    )
    async with deadline_worker(client, task_queue) as notifier:
        handle = await start_host(client, task_queue, spec, opened_at=opened)
        view = await eventually(handle, lambda v: v.state.level is CardLevel.YELLOW)
        answered = await handle.execute_update(
            DeadlineHost.submit_answer, AnswerInput(actor="secretary-1", payload={"ok": True})
        )
        await close_host(time_skipping_env, handle)

    assert view.state.schedule is not None
    assert view.state.schedule.due_at == datetime(2026, 10, 10, 9, tzinfo=CST)
    assert view.state.schedule.opened_at == opened
    scheduled = _entries(view, "escalation")[0].detail["scheduled_at"]
    assert datetime.fromisoformat(scheduled) == datetime(2026, 10, 10, 9, tzinfo=CST)
    assert answered.state.late is True
    assert notifier.sent[0].due_at == datetime(2026, 10, 10, 9, tzinfo=CST)
    assert "2026-10-10 09:00" in notifier.sent[0].message


async def test_resume_from_saved_state_fires_only_remaining_points(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    """A task resumed from its saved state (as after continue-as-new) repeats nothing it did."""
    due = await quiet_friday(time_skipping_env)
    spec = _spec(due, reminders=[{"at": {"fraction": 0.5}}], escalation=_ladder())
    async with deadline_worker(client, task_queue) as notifier:
        first = await start_host(client, task_queue, spec)
        await sleep_until(time_skipping_env, due + HOUR)
        saved = await query_view(first)
        await first.terminate(reason="test: hand the task over as continue-as-new would")
        sent_before = len(notifier.sent)

        resumed = await start_host(
            client,
            task_queue,
            spec,
            case_id=first.id,
            state=saved.state,
            timeline=saved.timeline,
        )
        await sleep_until(time_skipping_env, due + 8 * DAY)
        view = await query_view(resumed)
        await close_host(time_skipping_env, resumed)

    assert [e.kind for e in saved.timeline] == ["opened", "reminder", "escalation"]
    assert [e.kind for e in view.timeline] == ["opened", "reminder", "escalation", "escalation"]
    assert view.timeline[:3] == saved.timeline
    _assert_at(view.timeline[3].at, due + 7 * DAY)
    assert view.state.level is CardLevel.RED
    assert [(n.kind, n.level) for n in notifier.sent[sent_before:]] == [
        ("escalation", CardLevel.RED)
    ]
