"""The case as the outside world sees it: the projection a workflow writes after each step,
with its new timeline entries and the outbound events and notifications they cause — all
written in one transaction by the ``project_case`` activity."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from models.deadline import CardLevel, TaskStatus, TimelineEntry
from models.notification import Notification


class CaseTask(BaseModel):
    """A task of a case as the task inbox lists it."""

    task_id: str
    title: str
    owner: str = Field(description="Organisation id or role that owes the answer.")
    community_id: str | None = None
    status: TaskStatus = TaskStatus.OPEN
    level: CardLevel = CardLevel.NORMAL
    opened_at: datetime
    due_at: datetime | None = None
    closed_at: datetime | None = None


class CaseSnapshot(BaseModel):
    """The current face of a case, for listing, filtering and the case page."""

    case_id: str
    process: str
    status: str
    community_id: str | None = None
    subject_id: str | None = None
    subject_label: str | None = Field(
        default=None, description="Shown in lists; organisation name or member's masked name."
    )
    rule_version: str | None = None
    opened_at: datetime
    due_at: datetime | None = None
    level: CardLevel = CardLevel.NORMAL
    summary: dict[str, Any] = Field(default_factory=dict)
    tasks: list[CaseTask] = Field(default_factory=list)


class OutboundEvent(BaseModel):
    """A CloudEvent the case sends out (e.g. ``grassroots.assessment.opinion_ready``).

    ``id`` is stable across retries and replays (derived from the case and a sequence number),
    so receivers can de-duplicate.
    """

    id: str
    type: str
    subject: str
    time: datetime
    data: dict[str, Any] = Field(default_factory=dict)


class ProjectCaseInput(BaseModel):
    """One projection step. ``timeline`` holds entries ``first_seq``, ``first_seq + 1``, ... of
    the case's timeline; entries already stored are skipped, so a retried activity is harmless."""

    snapshot: CaseSnapshot
    first_seq: int = 0
    timeline: list[TimelineEntry] = Field(default_factory=list)
    events: list[OutboundEvent] = Field(default_factory=list)
    notifications: list[Notification] = Field(default_factory=list)


class ProjectCaseResult(BaseModel):
    timeline_written: int = 0
    outbox_written: int = 0
    names: dict[str, str] = Field(
        default_factory=dict,
        description="The registry's names of the ids the step's texts mention (models/mentions).",
    )
