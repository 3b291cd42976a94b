"""督办事项: a supervised task assigned to one organisation, with due date, reminders, an
escalation ladder and extensions — the deadline primitive as a case of its own."""

from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from models.deadline import CARD_LABELS, DeadlineState, TimelineEntry
    from models.supervised_task import (
        AnswerInput,
        CancelInput,
        ExtendInput,
        SupervisedTaskInput,
        SupervisedTaskResult,
        SupervisedTaskView,
    )
    from workflows import search_attributes as sa
    from workflows.deadline import DeadlineTask

PROCESS = "supervised_task"


@workflow.defn
class SupervisedTaskWorkflow:
    """Waits for the owner's answer until the task is answered, expires or is cancelled."""

    @workflow.init
    def __init__(self, params: SupervisedTaskInput) -> None:
        self._timeline: list[TimelineEntry] = []
        self._seen_events: set[str] = set()
        self._task = DeadlineTask(
            params.spec, workflow.info().workflow_id, self._timeline, on_change=self._publish
        )

    @workflow.run
    async def run(self, params: SupervisedTaskInput) -> SupervisedTaskResult:
        attributes: list[SearchAttributeUpdate[Any]] = [sa.PROCESS.value_set(PROCESS)]
        if params.community:
            attributes.append(sa.COMMUNITY.value_set(params.community))
        workflow.upsert_search_attributes(attributes)
        state = await self._task.run()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return SupervisedTaskResult(
            status=state.status, answer=state.answer, timeline=list(self._timeline)
        )

    @workflow.signal
    def answer(self, params: AnswerInput) -> None:
        """An answer from another system; a repeated event id is applied once."""
        if params.event_id in self._seen_events:
            return
        self._seen_events.add(params.event_id)
        self._task.answer(params.payload, params.actor)

    @workflow.update
    def submit_answer(self, params: AnswerInput) -> DeadlineState:
        """A person's answer, accepted or refused on the spot."""
        self._seen_events.add(params.event_id)
        self._task.answer(params.payload, params.actor)
        return self._task.state

    @submit_answer.validator
    def _validate_answer(self, params: AnswerInput) -> None:
        if params.event_id in self._seen_events:
            raise ValueError(f"answer {params.event_id} was already applied")
        self._task.validate_answer()

    @workflow.update
    async def extend_deadline(self, params: ExtendInput) -> DeadlineState:
        """Move the due date; only roles the task allows may do it."""
        await self._task.extend(
            actor=params.actor,
            role=params.role,
            reason=params.reason,
            new_due_at=params.new_due_at,
            by=params.by,
        )
        return self._task.state

    @extend_deadline.validator
    def _validate_extend(self, params: ExtendInput) -> None:
        self._task.validate_extension(
            actor=params.actor,
            role=params.role,
            reason=params.reason,
            new_due_at=params.new_due_at,
            by=params.by,
        )

    @workflow.update
    def cancel(self, params: CancelInput) -> DeadlineState:
        """Withdraw the task, with who and why."""
        self._task.cancel(params.actor, params.reason)
        return self._task.state

    @cancel.validator
    def _validate_cancel(self, params: CancelInput) -> None:
        if not params.reason.strip():
            raise ValueError("a cancellation needs a reason")
        self._task.validate_answer()

    @workflow.query
    def view(self) -> SupervisedTaskView:
        return SupervisedTaskView(state=self._task.state, timeline=list(self._timeline))

    def _publish(self, state: DeadlineState) -> None:
        """Keep search attributes and the Web UI's current details in step with the task."""
        attributes: list[SearchAttributeUpdate[Any]] = [sa.STATUS.value_set(state.status.value)]
        if state.schedule is not None:
            attributes.append(sa.DUE_AT.value_set(state.schedule.due_at))
        workflow.upsert_search_attributes(attributes)
        due = state.schedule.due_at.isoformat() if state.schedule else "—"
        workflow.set_current_details(
            f"**{state.spec.title}**\n\n承办：{state.spec.owner}　截止：{due}　"
            f"状态：{state.status.value}　警示：{CARD_LABELS[state.level]}"
        )
