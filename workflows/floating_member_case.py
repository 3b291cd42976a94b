"""The shared case plumbing for a case that lives for years: ``CaseCore`` plus continue-as-new.

A run hands the next one its state (``CaseCarry``): the timeline entries not yet projected, the
number already projected (so the next run numbers its entries on from there), the event keys it
has seen, the outbound-event counters and the open tasks with their fired points. The next run
fetches the same pinned rule version and carries on without a second "case opened" entry.

It reaches into ``CaseCore``'s internals (``_seen``, ``_sent``, ``_files``, ``_tasks``,
``_runners``, ``_projected``, ``_pump``, the projection loop): the hooks that ``CaseCore``
itself could offer for this are listed in the P3 report.
"""

import asyncio
from collections.abc import Callable

from temporalio import workflow

from workflows.case import RETRY, TIMEOUT, CaseCore
from workflows.case_tasks import CaseDeadlineTask
from workflows.deadline_text import show

with workflow.unsafe.imports_passed_through():
    from activities.rules import FetchRules, RulesActivities
    from models.case import ProjectCaseInput, ProjectCaseResult
    from models.deadline import CARD_LABELS, CardLevel, DeadlineState, TaskStatus, TimelineEntry
    from models.events import CaseStartInput, InboundEvent
    from models.floating_member import CaseCarry
    from models.notification import Notification

KEPT_KEYS = 2000
"""Event keys a case remembers for de-duplication (about 30 years of monthly events)."""


class _CarriedTask(CaseDeadlineTask):
    """A task taken over from the previous run, with its schedule and fired points."""

    def __init__(
        self,
        state: DeadlineState,
        case_id: str,
        timeline: list[TimelineEntry],
        *,
        on_change: Callable[[str, TaskStatus], None],
        outbox: Callable[[Notification], None],
        patched: Callable[[str], bool] = workflow.patched,
    ) -> None:
        super().__init__(
            state.spec, case_id, timeline, on_change=on_change, outbox=outbox, patched=patched
        )
        self._state = state.model_copy(deep=True)


class LongCase(CaseCore):
    """``CaseCore`` for a years-long case: numbered projection across runs, carry and resume."""

    def __init__(
        self,
        params: CaseStartInput,
        carried: CaseCarry | None,
        *,
        title: str,
        status: str,
        status_labels: dict[str, str],
        details: Callable[[], list[str]],
    ) -> None:
        super().__init__(
            "floating_member", params, title=title, status=status, status_labels=status_labels
        )
        self.seq_base = 0
        self._keys = [params.event.key]
        self._in_flight = False
        self._more_details = details
        if carried is not None:
            self._restore(carried)

    def _restore(self, carried: CaseCarry) -> None:
        self.title, self.status = carried.title, carried.status
        self.opened_at, self.event_time = carried.opened_at, carried.event_time
        self.community_id, self.subject_id = carried.community_id, carried.subject_id
        self.subject_label = carried.subject_label
        self.summary, self.inputs = dict(carried.summary), dict(carried.inputs)
        self.timeline.extend(carried.timeline)
        self._keys = list(carried.seen)
        self._seen = set(self._keys)
        self._sent = dict(carried.sent)
        self.seq_base = carried.seq_base

    async def resume(self, tasks: list[DeadlineState]) -> None:
        """Fetch the pinned rules, take over the open tasks and start projecting (no new entry)."""
        self.decide_patches()
        self._files = await workflow.execute_activity_method(
            RulesActivities.fetch_rules,
            FetchRules(version=self._wanted_version or None),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        for state in tasks:
            task = _CarriedTask(
                state,
                self.case_id,
                self.timeline,
                on_change=self._task_changed,
                outbox=self._outbox,
                patched=self.patched,
            )
            self._tasks[state.spec.task_id] = task
            self._runners.append(asyncio.create_task(task.run()))
        self._pump = asyncio.create_task(self._project_loop())
        self.publish()

    def first_time(self, event: InboundEvent) -> bool:
        """True once per ``(source, id)``; keys are remembered in order so the carry is bounded."""
        if not super().first_time(event):
            return False
        self._keys.append(event.key)
        return True

    def notify(self, notification: Notification) -> None:
        """A notification written with the next projection (e.g. an attendance escalation)."""
        self._outbox(notification)

    def quiet(self) -> bool:
        """Nothing is being written or waits to be, and every open task has its schedule."""
        return (
            workflow.all_handlers_finished()
            and not self._in_flight
            and not self._pending()
            and all(t.due_at is not None for t in self.open_tasks())
        )

    async def settle(self) -> None:
        """Wait until handlers are done, the projection caught up and tasks are scheduled."""
        await workflow.wait_condition(self.quiet)

    def carry(self) -> CaseCarry:
        """What the next run needs; projected timeline entries stay behind in the case store."""
        keys = self._keys[-KEPT_KEYS:]
        return CaseCarry(
            title=self.title,
            status=self.status,
            opened_at=self.opened_at,
            event_time=self.event_time,
            community_id=self.community_id,
            subject_id=self.subject_id,
            subject_label=self.subject_label,
            summary=dict(self.summary),
            inputs=dict(self.inputs),
            seen=keys,
            sent=dict(self._sent),
            seq_base=self.seq_base + self._projected,
            timeline=self.timeline[self._projected :],
            tasks=[t.state for t in self.open_tasks()],
        )

    async def _project_loop(self) -> None:
        """``CaseCore``'s projection, numbering entries on from those earlier runs stored."""
        while True:
            await workflow.wait_condition(lambda: self._pending() or self._finishing)
            if not self._pending():
                return
            first, self._projected, self._dirty = self._projected, len(self.timeline), False
            events, self._events = self._events, []
            notifications, self._notifications = self._notifications, []
            self._in_flight = True
            self._flush_attributes()
            try:
                await workflow.execute_activity(
                    "project_case",
                    ProjectCaseInput(
                        snapshot=self.snapshot(),
                        first_seq=self.seq_base + first,
                        timeline=self.timeline[first : self._projected],
                        events=events,
                        notifications=notifications,
                    ),
                    result_type=ProjectCaseResult,
                    start_to_close_timeout=TIMEOUT,
                    retry_policy=RETRY,
                )
            finally:
                self._in_flight = False

    def _details(self) -> str:
        lines = [
            f"**{self.title}**",
            "",
            f"状态：{self._labels.get(self.status, self.status)}",
            *self._more_details(),
        ]
        for task in self.open_tasks():
            state = task.state
            due = show(state.schedule.due_at) if state.schedule else "计算中"
            card = "" if state.level is CardLevel.NORMAL else f"　警示：{CARD_LABELS[state.level]}"
            owner = self.shown(state.spec.owner)
            lines.append(f"待办：{state.spec.title}　承办：{owner}　期限：{due}{card}")
        lines.append(f"规则版本：{self.version or '—'}")
        return "\n".join(lines)
