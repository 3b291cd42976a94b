"""A minimal host workflow that runs one deadline task the way case workflows do."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.deadline import DeadlineSpec, DeadlineState, TimelineEntry
    from models.duration import Duration

from workflows.deadline import DeadlineTask


class HostInput(BaseModel):
    """The task to run, or a saved state and timeline to resume it from."""

    case_id: str
    spec: DeadlineSpec
    opened_at: datetime | None = None
    state: DeadlineState | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)


class AnswerInput(BaseModel):
    """An answer to the task."""

    actor: str
    payload: dict[str, Any] = Field(default_factory=dict)


class ExtendInput(BaseModel):
    """A request to move the due time."""

    actor: str
    role: str
    reason: str
    new_due_at: datetime | None = None
    by: Duration | None = None


class HostView(BaseModel):
    """The task's state and the case timeline."""

    state: DeadlineState
    timeline: list[TimelineEntry]


@workflow.defn
class DeadlineHost:
    """Runs one deadline task and stays open until ``close``, so late answers can be tried."""

    @workflow.init
    def __init__(self, params: HostInput) -> None:
        self._timeline = list(params.timeline)
        self._task = DeadlineTask(params.spec, params.case_id, self._timeline, params.state)
        self._closed = False

    @workflow.run
    async def run(self, params: HostInput) -> HostView:
        await self._task.run(opened_at=params.opened_at)
        await workflow.wait_condition(lambda: self._closed)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state()

    @workflow.signal
    def answer(self, params: AnswerInput) -> None:
        self._task.answer(params.payload, params.actor)

    @workflow.signal
    def close(self) -> None:
        self._task.cancel("host", "case closed")
        self._closed = True

    @workflow.update
    def submit_answer(self, params: AnswerInput) -> HostView:
        self._task.answer(params.payload, params.actor)
        return self.state()

    @submit_answer.validator
    def _validate_answer(self, params: AnswerInput) -> None:
        self._task.validate_answer()

    @workflow.update
    async def extend_deadline(self, params: ExtendInput) -> HostView:
        await self._task.extend(
            actor=params.actor,
            role=params.role,
            reason=params.reason,
            new_due_at=params.new_due_at,
            by=params.by,
        )
        return self.state()

    @extend_deadline.validator
    def _validate_extend(self, params: ExtendInput) -> None:
        self._task.validate_extension(
            actor=params.actor,
            role=params.role,
            reason=params.reason,
            new_due_at=params.new_due_at,
            by=params.by,
        )

    @workflow.query
    def state(self) -> HostView:
        return HostView(state=self._task.state, timeline=list(self._timeline))
