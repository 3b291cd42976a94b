"""Deadline tasks inside a case: notifications go to the case's outbox, and tasks as the inbox
lists them."""

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime

from temporalio import workflow

from workflows.deadline import DeadlineTask

with workflow.unsafe.imports_passed_through():
    from models.case import CaseTask
    from models.deadline import (
        CARD_ORDER,
        CardLevel,
        DeadlineSpec,
        DeadlineState,
        Schedule,
        TaskStatus,
        TimelineEntry,
    )
    from models.notification import Notification, NotificationKind


class CaseDeadlineTask(DeadlineTask):
    """A deadline task whose notifications are written with the case's next projection.

    The outbox (design.md: notifications are written in the same transaction as the state they
    report) replaces the primitive's direct ``notify`` activity call.
    """

    def __init__(
        self,
        spec: DeadlineSpec,
        case_id: str,
        timeline: list[TimelineEntry],
        *,
        on_change: Callable[[str, TaskStatus], None],
        outbox: Callable[[Notification], None],
        reading: Callable[[], AbstractContextManager[None]] = nullcontext,
        patched: Callable[[str], bool] = workflow.patched,
        schedule: Schedule | None = None,
        role_label: Callable[[str], str] = str,
        party: Callable[[str], str] = str,
    ) -> None:
        super().__init__(
            spec,
            case_id,
            timeline,
            on_change=lambda s: on_change(s.spec.task_id, s.status),
            patched=patched,
            schedule=schedule,
            role_label=role_label,
            party=party,
        )
        self._owner_case = case_id
        self._outbox = outbox
        self._reading = reading

    async def _resolve(self, opened_at: datetime, spec: DeadlineSpec) -> Schedule:
        with self._reading():  # the case projects once the schedule is known
            return await super()._resolve(opened_at, spec)

    @property
    def current(self) -> DeadlineState:
        """The state itself, not a copy (``state`` copies deeply): only to read, e.g. for the
        snapshot every projection step and every status change builds."""
        return self._state

    def _changed(self) -> None:
        # The case's listener reads the task's id and status only: no deep copy per change.
        if self._on_change is not None:
            self._on_change(self._state)

    async def _notify(self, kind: NotificationKind, to: str, message: str) -> None:
        state = self._state
        assert state.schedule is not None  # points fire only once the schedule is resolved
        self._outbox(
            Notification(
                case_id=self._owner_case,
                task_id=state.spec.task_id,
                kind=kind,
                level=state.level,
                to=to,
                title=state.spec.title,
                due_at=state.schedule.due_at,
                at=workflow.now(),
                message=message,
            )
        )


def worst_level(levels: Iterable[CardLevel]) -> CardLevel:
    """The most urgent card among ``levels`` (normal when there is none)."""
    return max(levels, key=CARD_ORDER.__getitem__, default=CardLevel.NORMAL)


def case_task(
    state: DeadlineState, community_id: str | None, closed_at: datetime | None, now: datetime
) -> CaseTask:
    """A deadline task as the task inbox lists it."""
    return CaseTask(
        task_id=state.spec.task_id,
        title=state.spec.title,
        owner=state.spec.owner,
        community_id=community_id,
        status=state.status,
        level=state.level,
        opened_at=state.schedule.opened_at if state.schedule else now,
        due_at=state.schedule.due_at if state.schedule else state.spec.due_at,
        closed_at=closed_at,
    )
