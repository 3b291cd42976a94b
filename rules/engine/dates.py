"""Due dates from rules: an anchor moved by a Duration, and statutory days of the year.

Evaluation returns a :class:`DueDate` (pure data). Turning it into a time needs the working-day
calendar, which changes yearly with the State Council's schedule; design.md asks for that to
happen in an activity (``activities.calendar``'s ``shift``) so that upgrading the calendar never
breaks replay. ``DueDate.resolve`` takes that shift function; simulations pass it directly.
"""

import calendar as _month_calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from models.duration import Duration
from rules.engine.schema.common import DueRule

Sign = Literal[1, -1]
Shift = Callable[[datetime, Duration, Sign], datetime]
"""Move a time by a duration (1 forward, -1 back), working days by the official calendar."""


class WeekdayCalendar:
    """Monday to Friday: the calendar of a rule set whose working_days is monday_to_friday."""

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5


@dataclass(frozen=True, slots=True)
class DueDate:
    """When something is due: ``anchor_at`` moved by ``offset`` (back if ``before``), capped."""

    anchor: str
    anchor_at: datetime
    offset: Duration
    before: bool = False
    cap: str | None = None
    cap_at: datetime | None = None

    @property
    def sign(self) -> Sign:
        return -1 if self.before else 1

    def resolve(self, shift: Shift) -> datetime:
        """The due time: the anchor shifted, but never after the cap."""
        due = shift(self.anchor_at, self.offset, self.sign)
        if self.cap_at is not None and self.cap_at < due:
            return self.cap_at
        return due


def due_from_rule(rule: DueRule, anchors: Mapping[str, datetime]) -> DueDate:
    """The due date ``rule`` gives, with the anchors' times filled in."""
    offset = rule.before if rule.before is not None else rule.after
    if offset is None:
        raise ValueError("a due rule needs before or after")
    cap = rule.not_later_than
    return DueDate(
        rule.anchor,
        anchors[rule.anchor],
        offset,
        before=rule.before is not None,
        cap=cap,
        cap_at=anchors[cap] if cap is not None else None,
    )


def month_day(year: int, text: str, timezone: str, *, end_of_day: bool = False) -> datetime:
    """``MM-DD`` of ``year`` as a local time: the day's start, or its last second."""
    month, day = (int(part) for part in text.split("-"))
    if month == 2 and day == 29 and not _month_calendar.isleap(year):
        day = 28
    moment = datetime(year, month, day, tzinfo=ZoneInfo(timezone))
    if end_of_day:
        moment += timedelta(days=1, seconds=-1)
    return moment
