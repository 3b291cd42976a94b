"""China's official working-day calendar and the due-time arithmetic built on it.

Only activities use this module: workflows see its results in their history, so upgrading the
calendar (a ``holidays`` release with next year's schedule) never breaks a running case's replay.
"""

from calendar import monthrange
from datetime import date, datetime, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

import holidays
from temporalio import activity

from models.calendar import ResolveScheduleInput, ScheduleByRuleInput, ShiftInput, ShiftResult
from models.deadline import (
    CARD_ORDER,
    CardLevel,
    DeadlineSpec,
    Point,
    Schedule,
    ScheduledPoint,
)
from models.duration import Duration

SHANGHAI = ZoneInfo("Asia/Shanghai")
"""Day boundaries and naive times are read in China's time zone."""

Sign = Literal[1, -1]

_KIND_ORDER = {"reminder": 0, "escalation": 1, "expiry": 2}
_MAX_DAYS_OFF = 60  # no official schedule has this many days off in a row: a broken calendar


class WorkingCalendar(Protocol):
    """Tells working days from days off."""

    def is_working_day(self, day: date) -> bool: ...


class ChinaCalendar:
    """Working days by the State Council's schedule, weekend make-up days included."""

    def __init__(self) -> None:
        self._days = holidays.country_holidays("CN")

    def is_working_day(self, day: date) -> bool:
        return bool(self._days.is_working_day(day))


def shift(at: datetime, d: Duration, sign: Sign = 1, *, calendar: WorkingCalendar) -> datetime:
    """Move ``at`` by ``d`` (months, then days, then working days, then seconds), keeping its zone.

    Working days step one day at a time in Asia/Shanghai and count only working days, keeping the
    time of day: Monday 09:00 + 1wd is Tuesday 09:00, and Saturday 10:00 + 1wd is Monday 10:00
    (starting on a day off, the count begins with the next working day).
    """
    local = _local(at)
    if d.months:
        local = _add_months(local, sign * d.months)
    if d.days:
        local += timedelta(days=sign * d.days)
    if d.working_days:
        local = _add_working_days(local, d.working_days, sign, calendar)
    if d.seconds:
        local += timedelta(seconds=sign * d.seconds)
    return local.astimezone(at.tzinfo or SHANGHAI)


def resolve_schedule(
    opened_at: datetime, spec: DeadlineSpec, *, calendar: WorkingCalendar
) -> Schedule:
    """Resolve a task's due time and every reminder, escalation and expiry point to a time.

    Points are sorted by time (at equal times: reminder, escalation, expiry). A task may open
    already late (its due time, even its ladder, behind ``opened_at``); see ``_schedule`` for
    what happens to the points that fall at or before its opening.
    """
    opened = _aware(opened_at)
    if spec.due_at is not None:
        due = _aware(spec.due_at)
    elif spec.due_in is not None:
        due = shift(opened, spec.due_in, calendar=calendar)
    else:  # DeadlineSpec's validator makes this unreachable
        raise ValueError("spec has neither due_at nor due_in")
    return _schedule(opened, due, spec, calendar)


def resolve_schedule_by_rule(
    opened_at: datetime,
    due: ShiftInput,
    cap_at: datetime | None,
    spec: DeadlineSpec,
    *,
    calendar: WorkingCalendar,
) -> Schedule:
    """A task's schedule whose due time is ``due`` (its anchor moved), never after ``cap_at``:
    the due time and every point in one call. The spec's reminders, escalation and expiry are
    read; its own due time is not."""
    shifted = shift(due.at, due.duration, due.sign, calendar=calendar)
    at = _aware(cap_at) if cap_at is not None and cap_at < shifted else shifted
    return _schedule(_aware(opened_at), at, spec, calendar)


def _schedule(
    opened: datetime, due: datetime, spec: DeadlineSpec, calendar: WorkingCalendar
) -> Schedule:
    """Every point of ``spec`` as a time, for a task that opened at ``opened`` and is due ``due``.

    Points at or before the opening (a task opened after its window closed):
    - a reminder is dropped: reminding about a window that closed before the task existed is noise;
    - the escalation steps collapse into one step at the opening, carrying the highest card
      already reached (红牌 once its step has passed, else 黄牌) and that step's recipient, who
      is told at once, and once; steps after the opening keep their times;
    - an expiry moves to the opening: the task expires at once.
    The deadline runner fires points whose time has come at once, in order; a window backdated
    to a business event (``opened`` before now) thus still fires its points between the event
    and now one by one, as after a worker outage: only points before the opening itself collapse.
    """

    def at(point: Point) -> datetime:
        if point.fraction is not None:
            return opened + (due - opened) * point.fraction
        if point.before_due is not None:
            return shift(due, point.before_due, -1, calendar=calendar)
        if point.after_due is not None:
            return shift(due, point.after_due, 1, calendar=calendar)
        raise ValueError("point has no time")  # Point's validator makes this unreachable

    reminders = [
        ScheduledPoint(kind="reminder", at=at(r.at), to=r.to, label=r.label) for r in spec.reminders
    ]
    steps = [
        ScheduledPoint(
            kind="escalation", at=at(s.at), to=s.to, level=s.level, label=s.label or s.level.label
        )
        for s in spec.escalation
    ]
    points = [p for p in reminders + steps if p.at > opened]
    passed = [p for p in steps if p.at <= opened]
    if passed:
        points.append(_reached(passed, opened))
    if spec.expire is not None:
        expiry = max(at(spec.expire), opened)
        points.append(ScheduledPoint(kind="expiry", at=expiry, to="owner", label="失效"))
    kept = sorted(points, key=lambda p: (p.at, _KIND_ORDER[p.kind]))
    return Schedule(opened_at=opened, due_at=due, points=tuple(kept))


def _reached(passed: list[ScheduledPoint], opened: datetime) -> ScheduledPoint:
    """The escalation steps that passed before the task opened, as one step at its opening: the
    highest card among them (the later step at equal cards), labelled as late from the start."""
    top = max(passed, key=lambda p: (CARD_ORDER[p.level or CardLevel.NORMAL], p.at))
    return top.model_copy(update={"at": opened, "label": f"{top.label}（任务开启时已逾期）"})


class CalendarActivities:
    """Calendar arithmetic as activities, so its results are recorded in workflow history."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self._calendar = calendar

    @activity.defn
    async def resolve_schedule(self, input: ResolveScheduleInput) -> Schedule:
        """Resolve a task's due time and points for the workflow."""
        return resolve_schedule(input.opened_at, input.spec, calendar=self._calendar)

    @activity.defn
    async def resolve_schedule_by_rule(self, input: ScheduleByRuleInput) -> Schedule:
        """Resolve a task's due time from its rule, and its points, for the workflow."""
        return resolve_schedule_by_rule(
            input.opened_at, input.due, input.cap_at, input.spec, calendar=self._calendar
        )

    @activity.defn
    async def shift(self, input: ShiftInput) -> ShiftResult:
        """Move a time by a duration for the workflow."""
        return ShiftResult(at=shift(input.at, input.duration, input.sign, calendar=self._calendar))


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=SHANGHAI)


def _local(at: datetime) -> datetime:
    return _aware(at).astimezone(SHANGHAI)


def _add_months(local: datetime, months: int) -> datetime:
    years, month0 = divmod(local.month - 1 + months, 12)
    year, month = local.year + years, month0 + 1
    return local.replace(year=year, month=month, day=min(local.day, monthrange(year, month)[1]))


def _add_working_days(local: datetime, n: int, sign: Sign, calendar: WorkingCalendar) -> datetime:
    day, counted, off_in_a_row = local.date(), 0, 0
    while counted < n:
        day += timedelta(days=sign)
        if calendar.is_working_day(day):
            counted, off_in_a_row = counted + 1, 0
        else:
            off_in_a_row += 1
            if off_in_a_row > _MAX_DAYS_OFF:
                raise ValueError(
                    f"calendar has no working day within {_MAX_DAYS_OFF} days of {day}"
                )
    return datetime.combine(day, local.timetz())
