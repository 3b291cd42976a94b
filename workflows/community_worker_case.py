"""A case that lives for years: :class:`workflows.case.CaseCore` plus what continue-as-new has to
carry from one run to the next.

The next run keeps the case's numbering (its timeline continues at the next ``seq``, so the case
store neither skips nor repeats an entry), its outbound-event counters (stable event ids), the
event keys it has seen lately (de-duplication across the boundary), its face (status, summary,
community) and its open tasks, which resume where they were: reminders already sent are not sent
again. Only the new run's entries are in its history, which keeps every run small.
"""

import asyncio

from temporalio import workflow

from workflows.case import RETRY, TIMEOUT, CaseCore
from workflows.case_tasks import CaseDeadlineTask

with workflow.unsafe.imports_passed_through():
    from activities.rules import FetchRules, RulesActivities
    from models.case import ProjectCaseInput, ProjectCaseResult
    from models.community_worker import CaseCarry
    from models.deadline import DeadlineState, TaskStatus
    from models.events import CaseStartInput, InboundEvent
    from rules.engine.processes.run import Process

_SEEN_KEPT = 500
"""Event keys carried over: enough for any redelivery, bounded so the input stays small."""


class _ResumedTask(CaseDeadlineTask):
    """A task carried over from the last run: its schedule and fired points stay as they were."""

    def __init__(self, state: DeadlineState, case: CaseCore) -> None:
        super().__init__(
            state.spec,
            case.case_id,
            case.timeline,
            on_change=case._task_changed,
            outbox=case._outbox,
            patched=case.patched,
        )
        self._state = state.model_copy(deep=True)


class CarriedCase(CaseCore):
    """A :class:`CaseCore` that can hand itself over to the next run (continue-as-new)."""

    def __init__(
        self,
        process: Process,
        params: CaseStartInput,
        *,
        title: str,
        status: str,
        status_labels: dict[str, str],
        carry: CaseCarry | None,
    ) -> None:
        super().__init__(process, params, title=title, status=status, status_labels=status_labels)
        self._carry = carry
        self._seq_base = 0
        self._order: list[str] = [params.event.key]
        if carry is not None:
            self.opened_at = carry.opened_at
            self._seq_base = carry.next_seq
            self._sent = dict(carry.sent)
            self._seen |= set(carry.seen)
            self._order = [*carry.seen, params.event.key]
            self.status, self.title = carry.status, carry.title
            self.community_id = carry.community_id
            self.subject_id, self.subject_label = carry.subject_id, carry.subject_label
            self.summary = dict(carry.summary)

    @property
    def continued(self) -> bool:
        """Whether this run continues an earlier one."""
        return self._carry is not None

    async def start(self) -> None:
        """A new case opens as usual; a continued one reloads its pinned rules and open tasks."""
        carry = self._carry
        if carry is None:
            await super().start()
            return
        self.decide_patches()
        self._files = await workflow.execute_activity_method(
            RulesActivities.fetch_rules,
            FetchRules(version=self._wanted_version or None),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        self._pump = asyncio.create_task(self._project_loop())
        for state in carry.tasks:
            task = _ResumedTask(state, self)
            self._tasks[state.spec.task_id] = task
            self._runners.append(asyncio.create_task(task.run()))
        self.publish()

    def first_time(self, event: InboundEvent) -> bool:
        if not super().first_time(event):
            return False
        self._order.append(event.key)
        return True

    async def hand_over(self) -> CaseCarry:
        """Write the last projection of this run and return what the next run carries."""
        while True:
            await workflow.wait_condition(workflow.all_handlers_finished)
            self._finishing = True
            if self._pump is not None:
                await self._pump
            if not self._pending():
                break
            # A handler noted something while the last projection was written: write it too.
            self._finishing = False
            self._pump = asyncio.create_task(self._project_loop())
        return CaseCarry(
            opened_at=self.opened_at,
            next_seq=self._seq_base + len(self.timeline),
            sent=dict(self._sent),
            seen=self._order[-_SEEN_KEPT:],
            status=self.status,
            title=self.title,
            community_id=self.community_id,
            subject_id=self.subject_id,
            subject_label=self.subject_label,
            summary=dict(self.summary),
            tasks=[t.state for t in self._tasks.values() if t.status is TaskStatus.OPEN],
        )

    async def _project_loop(self) -> None:
        # CaseCore's loop, with entries numbered after those of the earlier runs.
        while True:
            await workflow.wait_condition(lambda: self._pending() or self._finishing)
            if not self._pending():
                return
            first, self._projected, self._dirty = self._projected, len(self.timeline), False
            events, self._events = self._events, []
            notifications, self._notifications = self._notifications, []
            self._flush_attributes()
            await workflow.execute_activity(
                "project_case",
                ProjectCaseInput(
                    snapshot=self.snapshot(),
                    first_seq=self._seq_base + first,
                    timeline=self.timeline[first : self._projected],
                    events=events,
                    notifications=notifications,
                ),
                result_type=ProjectCaseResult,
                start_to_close_timeout=TIMEOUT,
                retry_policy=RETRY,
            )
