"""Inputs and results of the calendar activities."""

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from models.deadline import DeadlineSpec
from models.duration import Duration


class ResolveScheduleInput(BaseModel):
    """Resolve ``spec`` to absolute times for a task opened at ``opened_at``."""

    model_config = ConfigDict(frozen=True)

    opened_at: AwareDatetime
    spec: DeadlineSpec


class ShiftInput(BaseModel):
    """Move ``at`` forward (sign 1) or back (sign -1) by ``duration``."""

    model_config = ConfigDict(frozen=True)

    at: AwareDatetime
    duration: Duration
    sign: Literal[1, -1] = 1


class ShiftResult(BaseModel):
    """The moved time."""

    model_config = ConfigDict(frozen=True)

    at: datetime


class ScheduleByRuleInput(BaseModel):
    """Resolve the schedule of a task opened at ``opened_at`` whose due time is ``due`` (its
    anchor moved), never after ``cap_at``; ``spec`` gives the reminders, escalation and expiry
    (its own due time is not read)."""

    model_config = ConfigDict(frozen=True)

    opened_at: AwareDatetime
    due: ShiftInput
    cap_at: AwareDatetime | None = None
    spec: DeadlineSpec
