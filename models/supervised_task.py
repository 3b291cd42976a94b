"""Payloads of the supervised task (督办事项): one deadline task assigned to an organisation."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from models.deadline import DeadlineSpec, DeadlineState, TaskStatus, TimelineEntry
from models.duration import Duration


class SupervisedTaskInput(BaseModel):
    spec: DeadlineSpec
    community: str | None = Field(default=None, description="Community id, for filtering.")
    assigned_by: str
    note: str = ""


class AnswerInput(BaseModel):
    """An answer to the task, from a system (signal) or a person (update)."""

    event_id: str = Field(description="De-duplication key: a repeat is applied once.")
    actor: str
    payload: dict[str, Any] = Field(default_factory=dict)


class ExtendInput(BaseModel):
    """A request to move the due date, by a role allowed to approve extensions."""

    actor: str
    role: str
    reason: str
    new_due_at: datetime | None = None
    by: Duration | None = None


class CancelInput(BaseModel):
    actor: str
    reason: str


class SupervisedTaskView(BaseModel):
    state: DeadlineState
    timeline: list[TimelineEntry]


class SupervisedTaskResult(BaseModel):
    status: TaskStatus
    answer: dict[str, Any] | None = None
    timeline: list[TimelineEntry]
