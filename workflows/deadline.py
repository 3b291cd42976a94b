"""The shared deadline primitive: a task waiting on a person, run inside a host workflow.

A host constructs a ``DeadlineTask``, awaits ``run()`` and forwards its signal and update handlers
to ``answer``, ``extend`` and ``cancel``. Times come from the calendar activity (recorded in
history) and ``workflow.now()``; ``state`` is what the host carries over continue-as-new.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

from workflows import deadline_text as text
from workflows.deadline_extension import as_aware, check_extension

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from activities.notify import NotifyActivities
    from models.calendar import ResolveScheduleInput, ShiftInput
    from models.deadline import (
        CardLevel,
        DeadlineSpec,
        DeadlineState,
        Schedule,
        ScheduledPoint,
        TaskStatus,
        TimelineEntry,
    )
    from models.duration import Duration
    from models.notification import Notification, NotificationKind

_TIMEOUT = timedelta(seconds=30)
_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
_TIMELINE_KIND = {"reminder": "reminder", "escalation": "escalation", "expiry": "expired"}
LOCAL_SCHEDULE = "local-task-schedule"
"""Patch id: tasks resolved since compute their schedule in a local activity (on the worker,
inside the workflow task: no activity round trip through the server); earlier ones in an
activity. History records the schedule either way."""


class DeadlineTask:
    """One task with a due time, reminders, an escalation ladder, extensions and expiry."""

    def __init__(
        self,
        spec: DeadlineSpec,
        case_id: str,
        timeline: list[TimelineEntry],
        state: DeadlineState | None = None,
        *,
        on_change: Callable[[DeadlineState], None] | None = None,
        patched: Callable[[str], bool] = workflow.patched,
        schedule: Schedule | None = None,
        role_label: Callable[[str], str] = str,
        party: Callable[[str], str] = str,
    ) -> None:
        self._case_id = case_id
        self._role_label = role_label  # a rule role as people read it, in refusals
        self._party = party  # an owner or recipient as the timeline and notifications name them
        self._resolved = schedule  # resolved by the host already: the task opens with it
        self._patched = patched  # the host's answer to workflow.patched (a case may bundle them)
        self._timeline = timeline
        self._on_change = on_change  # e.g. the host's search attributes and current details
        # A saved state wins over ``spec``: after an extension its spec carries the new due time.
        self._state = state.model_copy(deep=True) if state is not None else DeadlineState(spec=spec)
        self._version = 0  # bumped when the schedule changes, to wake the run loop
        self._extending = False

    @property
    def status(self) -> TaskStatus:
        return self._state.status

    @property
    def level(self) -> CardLevel:
        return self._state.level

    @property
    def due_at(self) -> datetime | None:
        """The due time, or None until the schedule is resolved."""
        return self._state.schedule.due_at if self._state.schedule else None

    @property
    def state(self) -> DeadlineState:
        """A copy of the state, for queries and continue-as-new."""
        return self._state.model_copy(deep=True)

    async def run(self, opened_at: datetime | None = None) -> DeadlineState:
        """Open the task (unless resumed), fire its points in order, return once it is closed.

        ``opened_at`` backdates the window to a business event's time; points already past then
        fire at once, in order, as they would after a worker outage. A task that opens after its
        window closed is escalated at once to the card it has reached, and expires at once if
        its expiry has passed (the schedule says so: ``activities.calendar._schedule``).
        """
        state = self._state
        if state.schedule is None:
            state.schedule = self._resolved or await self._resolve(
                opened_at or workflow.now(), state.spec
            )
            self._note(
                "opened",
                text.opened(state.spec, state.schedule.due_at, self._party(state.spec.owner)),
                at=state.schedule.opened_at,  # when the window opened, even if backdated
                detail={"owner": state.spec.owner, "due_at": state.schedule.due_at.isoformat()},
            )
            self._changed()
        while state.status is TaskStatus.OPEN:
            if self._extending:
                await workflow.wait_condition(lambda: not self._extending)
                continue
            nxt = self._next_point()
            if await self._interrupted_before(nxt[1] if nxt else None):
                continue
            assert nxt is not None  # with no point left, only a change ends the wait
            await self._fire(*nxt)
        return self.state

    def validate_answer(self) -> None:
        """Refuse an answer (for update validators) unless the task is open."""
        if self._state.status is not TaskStatus.OPEN:
            raise ValueError(
                f"task {self._state.spec.task_id} is {self._state.status.value}: "
                "it no longer takes answers"
            )

    def answer(self, payload: dict[str, Any], actor: str) -> None:
        """Record the answer; a later one is refused with a timeline note, a repeat is ignored."""
        state = self._state
        if state.status is not TaskStatus.OPEN:
            repeat = (state.answer, state.answered_by) == (payload, actor)
            if not (state.status is TaskStatus.ANSWERED and repeat):
                self._note(
                    "late_answer_refused",
                    text.refused(state.spec, state.status),
                    actor=actor,
                    detail={"status": state.status.value, "payload": payload},
                )
            return
        now = workflow.now()
        state.late = state.schedule is not None and now > state.schedule.due_at
        state.status = TaskStatus.ANSWERED
        state.answer, state.answered_at, state.answered_by = payload, now, actor
        self._note(
            "answered",
            text.answered(state.spec, state.late),
            actor=actor,
            detail={"late": state.late, "payload": payload},
        )
        self._changed()

    def validate_extension(
        self,
        *,
        actor: str,
        role: str,
        reason: str,
        new_due_at: datetime | None = None,
        by: Duration | None = None,
    ) -> None:
        """Refuse an extension the task's rules do not allow, saying why.

        Give ``new_due_at`` (a naive time is read as China time) or ``by``, not both.
        """
        if self._extending:
            raise ValueError(
                f"task {self._state.spec.task_id} is being extended: try again shortly"
            )
        check_extension(
            self._state,
            now=workflow.now(),
            actor=actor,
            role=role,
            reason=reason,
            new_due_at=new_due_at,
            by=by,
            role_label=self._role_label,
        )

    async def extend(
        self,
        *,
        actor: str,
        role: str,
        reason: str,
        new_due_at: datetime | None = None,
        by: Duration | None = None,
    ) -> None:
        """Move the due time, reschedule the points still ahead and reset the card to normal."""
        try:
            self.validate_extension(
                actor=actor, role=role, reason=reason, new_due_at=new_due_at, by=by
            )
        except ValueError as err:
            raise _refused(str(err)) from err
        state = self._state
        assert state.schedule is not None  # checked by validate_extension
        old = state.schedule
        self._extending = True
        try:
            if new_due_at is not None:
                new_due = as_aware(new_due_at)
            else:
                assert by is not None  # checked by validate_extension
                new_due = await self._shift(old.due_at, by)
            spec = state.spec.model_copy(update={"due_at": new_due, "due_in": None})
            schedule = await self._resolve(old.opened_at, spec)
            now = workflow.now()
            if state.status is not TaskStatus.OPEN:
                raise _refused(f"task {spec.task_id} closed while the extension was applied")
            if schedule.due_at <= now:
                raise _refused(f"the new due time {schedule.due_at.isoformat()} is past")
            state.spec, state.schedule, state.level = spec, schedule, CardLevel.NORMAL
            state.fired = []
            # Points the new schedule puts in the past are passed over, not fired late.
            state.skipped = [i for i, p in enumerate(schedule.points) if p.at <= now]
            state.extensions += 1
            self._version += 1
        finally:
            self._extending = False
        message = text.extended(spec, old.due_at, schedule.due_at, reason)
        self._note(
            "extended",
            message,
            actor=actor,
            detail={
                "old_due_at": old.due_at.isoformat(),
                "new_due_at": schedule.due_at.isoformat(),
                "role": role,
                "reason": reason,
            },
        )
        self._changed()
        await self._notify("extended", spec.owner, message)

    def cancel(self, actor: str, reason: str) -> None:
        """Close the task without an answer; cancelling a closed task does nothing."""
        if self._state.status is not TaskStatus.OPEN:
            return
        self._state.status = TaskStatus.CANCELLED
        self._note(
            "cancelled",
            text.cancelled(self._state.spec, reason),
            actor=actor,
            detail={"reason": reason},
        )
        self._changed()

    async def _interrupted_before(self, point: ScheduledPoint | None) -> bool:
        """Wait until ``point`` is due (or for ever); True if the task changed first."""
        version = self._version

        def changed() -> bool:
            return (
                self._state.status is not TaskStatus.OPEN
                or self._version != version
                or self._extending
            )

        if point is None:
            await workflow.wait_condition(changed)
            return True
        delay = (point.at - workflow.now()).total_seconds()
        if delay <= 0:
            return False
        try:
            summary = f"{point.kind} {point.label or ''}".strip()
            await workflow.wait_condition(changed, timeout=delay, timeout_summary=summary)
        except TimeoutError:
            return changed()  # an answer or extension may have come in the same activation
        return True

    async def _resolve(self, opened_at: datetime, spec: DeadlineSpec) -> Schedule:
        asked = ResolveScheduleInput(opened_at=opened_at, spec=spec)
        if self._patched(LOCAL_SCHEDULE):
            return await workflow.execute_local_activity_method(
                CalendarActivities.resolve_schedule,
                asked,
                start_to_close_timeout=_TIMEOUT,
                retry_policy=_RETRY,
            )
        return await workflow.execute_activity_method(
            CalendarActivities.resolve_schedule,
            asked,
            start_to_close_timeout=_TIMEOUT,
            retry_policy=_RETRY,
        )

    async def _shift(self, due: datetime, by: Duration) -> datetime:
        result = await workflow.execute_activity_method(
            CalendarActivities.shift,
            ShiftInput(at=due, duration=by),
            start_to_close_timeout=_TIMEOUT,
            retry_policy=_RETRY,
        )
        return result.at

    def _next_point(self) -> tuple[int, ScheduledPoint] | None:
        state = self._state
        assert state.schedule is not None
        done = set(state.fired) | set(state.skipped)
        return next(((i, p) for i, p in enumerate(state.schedule.points) if i not in done), None)

    async def _fire(self, index: int, point: ScheduledPoint) -> None:
        state = self._state
        assert state.schedule is not None
        state.fired.append(index)
        if point.kind == "expiry":
            state.status = TaskStatus.EXPIRED
        elif point.level is not None:
            state.level = point.level
        to = state.spec.owner if point.to in (None, "owner") else point.to
        message = text.point(
            state.spec,
            point,
            state.schedule.due_at,
            workflow.now(),
            owner=self._party(state.spec.owner),
            to=self._party(to),
        )
        workflow.logger.info("deadline %s: %s to %s", point.kind, state.spec.task_id, to)
        self._note(
            _TIMELINE_KIND[point.kind],
            message,
            level=point.level,
            detail={"scheduled_at": point.at.isoformat(), "to": to, "label": point.label},
        )
        self._changed()
        await self._notify(point.kind, to, message)

    async def _notify(self, kind: NotificationKind, to: str, message: str) -> None:
        state = self._state
        assert state.schedule is not None
        await workflow.execute_activity_method(
            NotifyActivities.notify,
            Notification(
                case_id=self._case_id,
                task_id=state.spec.task_id,
                kind=kind,
                level=state.level,
                to=to,
                title=state.spec.title,
                due_at=state.schedule.due_at,
                at=workflow.now(),
                message=message,
            ),
            start_to_close_timeout=_TIMEOUT,
            retry_policy=_RETRY,
        )

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(self.state)

    def _note(
        self,
        kind: str,
        summary: str,
        *,
        at: datetime | None = None,
        actor: str | None = None,
        level: CardLevel | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self._timeline.append(
            TimelineEntry(
                at=at or workflow.now(),
                kind=kind,
                task_id=self._state.spec.task_id,
                actor=actor,
                level=level,
                summary=summary,
                detail=detail or {},
            )
        )


def _refused(message: str) -> ApplicationError:
    return ApplicationError(message, type="ExtensionRefused", non_retryable=True)
