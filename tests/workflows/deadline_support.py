"""Helpers for running the deadline host on the time-skipping server."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.calendar import CalendarActivities, ChinaCalendar
from activities.notify import NotifyActivities
from models.deadline import DeadlineSpec
from models.notification import Notification
from tests.workflows.deadline_host import DeadlineHost, HostInput, HostView

CST = timezone(timedelta(hours=8))
CALENDAR = CalendarActivities(ChinaCalendar())
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
# What a refused update leaves in history on the Java test server, which has no speculative tasks.
EMPTY_WORKFLOW_TASK = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
}


class RecordingNotifier:
    """Keeps every notification so tests can see who was told what."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    async def notify(self, notification: Notification) -> None:
        self.sent.append(notification)


@asynccontextmanager
async def deadline_worker(client: Client, task_queue: str) -> AsyncIterator[RecordingNotifier]:
    notifier = RecordingNotifier()
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[DeadlineHost],
        activities=[CALENDAR.resolve_schedule, CALENDAR.shift, NotifyActivities(notifier).notify],
    ):
        yield notifier


async def quiet_friday(env: WorkflowEnvironment) -> datetime:
    """A Friday 17:00 China time at least three weeks ahead, in weeks with no holiday.

    No official holiday or make-up day falls within 5-28 March (Spring Festival ends by early
    March, Qingming is in April), 7-30 July (Dragon Boat ends in June, Mid-Autumn starts in
    September) or 5-28 November (National Day's make-up days end by mid-October). A Friday chosen
    from the 8th-14th March or November or the 10th-16th July has its three days before and two
    weeks after inside those spans, where the working days are simply Monday to Friday.
    """
    now = await env.get_current_time()
    for year in (now.year, now.year + 1):
        for month, first in ((3, 8), (7, 10), (11, 8)):
            start = datetime(year, month, first, 17, tzinfo=CST)
            friday = start + timedelta(days=(4 - start.weekday()) % 7)
            if friday >= now + 21 * DAY:
                return friday
    raise AssertionError("a quiet Friday is always within a year")


async def sleep_until(env: WorkflowEnvironment, at: datetime) -> None:
    now = await env.get_current_time()
    if at > now:
        await env.sleep(at - now)


async def start_host(
    client: Client, task_queue: str, spec: DeadlineSpec, **fields: Any
) -> WorkflowHandle[DeadlineHost, HostView]:
    case_id = fields.pop("case_id", f"case-{uuid.uuid4()}")
    handle = await client.start_workflow(
        DeadlineHost.run,
        HostInput(case_id=case_id, spec=spec, **fields),
        id=case_id,
        task_queue=task_queue,
    )
    await eventually(handle, lambda v: v.state.schedule is not None)
    return handle


async def close_host(
    env: WorkflowEnvironment, handle: WorkflowHandle[DeadlineHost, HostView]
) -> HostView:
    """End the host and wait for it, so no workflow task is left without a worker."""
    await handle.signal(DeadlineHost.close)
    # Awaiting a result normally lets the server skip ahead to its furthest pending timer (years
    # away); the host ends at once on close, so wait in real time and keep the shared clock.
    with env.auto_time_skipping_disabled():
        return await handle.result()


async def query_view(handle: WorkflowHandle[DeadlineHost, HostView]) -> HostView:
    return await handle.query(DeadlineHost.state)


async def eventually(
    handle: WorkflowHandle[DeadlineHost, HostView], check: Callable[[HostView], bool]
) -> HostView:
    """Query until ``check`` holds: a signal is applied by the next workflow task, not at once."""
    for _ in range(100):
        view = await query_view(handle)
        if check(view):
            return view
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition never held; last view: {view}")


async def history_event_types(handle: WorkflowHandle[DeadlineHost, HostView]) -> list[int]:
    return [event.event_type async for event in handle.fetch_history_events()]
