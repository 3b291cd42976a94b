"""Data for the shared deadline primitive: a task waiting on a person, with reminders and an
escalation ladder given as data (rule files fill these in)."""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.duration import Duration


class CardLevel(StrEnum):
    """The escalation ladder's colours: 普通 → 黄牌 → 红牌."""

    NORMAL = "normal"
    YELLOW = "yellow"
    RED = "red"

    @property
    def label(self) -> str:
        return CARD_LABELS[self]


CARD_LABELS = {CardLevel.NORMAL: "普通", CardLevel.YELLOW: "黄牌", CardLevel.RED: "红牌"}
CARD_ORDER = {CardLevel.NORMAL: 0, CardLevel.YELLOW: 1, CardLevel.RED: 2}
"""How far up the ladder a card is: the most urgent card has the highest number."""


class Point(BaseModel):
    """A moment relative to a task's window; exactly one field is set.

    ``fraction`` is a share of the window from opening to due (0.5 = half way), ``before_due`` and
    ``after_due`` are offsets from the due time (``3wd`` = three working days).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    fraction: float | None = Field(default=None, gt=0, le=1)
    before_due: Duration | None = None
    after_due: Duration | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "Point":
        set_fields = [f for f in ("fraction", "before_due", "after_due") if getattr(self, f)]
        if len(set_fields) != 1:
            raise ValueError("give exactly one of fraction, before_due, after_due")
        return self


class Reminder(BaseModel):
    """A reminder to the task's owner (or another target) at a point of the window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: Point
    to: str = "owner"
    label: str = "提醒"


class EscalationStep(BaseModel):
    """One rung of the ladder: at ``at``, the card turns ``level`` and ``to`` is told."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: CardLevel
    at: Point
    to: str
    label: str | None = None


class DeadlineSpec(BaseModel):
    """What a deadline task is: who owes an answer, by when, and what happens as time runs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task_id: str = Field(description="Stable within the case, e.g. 'opinion' or 'contact-3'.")
    title: str
    owner: str = Field(description="Organisation id or role that owes the answer.")
    due_at: datetime | None = None
    due_in: Duration | None = None
    reminders: tuple[Reminder, ...] = ()
    escalation: tuple[EscalationStep, ...] = ()
    expire: Point | None = Field(
        default=None,
        description="When an unanswered task expires; None waits until answered or cancelled.",
    )
    extension_roles: tuple[str, ...] = ("admin", "street_committee")
    max_extensions: int = 2

    @model_validator(mode="after")
    def _one_due(self) -> "DeadlineSpec":
        if (self.due_at is None) == (self.due_in is None):
            raise ValueError("give exactly one of due_at, due_in")
        return self


class ScheduledPoint(BaseModel):
    """A reminder, escalation or expiry resolved to an absolute time by the calendar activity."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["reminder", "escalation", "expiry"]
    at: datetime
    to: str | None = None
    level: CardLevel | None = None
    label: str | None = None


class Schedule(BaseModel):
    """A task's due time and every point from its opening on, sorted by time."""

    model_config = ConfigDict(frozen=True)

    opened_at: datetime
    due_at: datetime
    points: tuple[ScheduledPoint, ...] = ()


class TaskStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class TimelineEntry(BaseModel):
    """One step of a case's life, for the case timeline and the audit log."""

    at: datetime
    kind: str = Field(description="opened, reminder, escalation, answered, extended, expired, ...")
    task_id: str | None = None
    actor: str | None = None
    level: CardLevel | None = None
    summary: str = ""
    detail: dict[str, Any] = Field(default_factory=dict)
    trace: dict[str, Any] | None = Field(
        default=None, description="For decisions: file, rule id, version, inputs, result."
    )


class DeadlineState(BaseModel):
    """Everything a deadline task needs to carry on after continue-as-new, and what queries show."""

    spec: DeadlineSpec
    schedule: Schedule | None = None
    status: TaskStatus = TaskStatus.OPEN
    level: CardLevel = CardLevel.NORMAL
    fired: list[int] = Field(default_factory=list, description="Indexes into schedule.points.")
    skipped: list[int] = Field(
        default_factory=list, description="Points passed over by an extension, never fired."
    )
    extensions: int = 0
    answer: dict[str, Any] | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None
    late: bool = False
