"""Times for P3: rule durations added to times, and event dates read as moments (workflow-safe).

Calendar months, days and clock time are plain arithmetic in China time, done here; working
days depend on the State Council's yearly schedule and go through the calendar activity (via
``CaseCore.resolve_due``), so an upgraded calendar never changes a running case's replay.
"""

import calendar
from datetime import date, datetime, time, timedelta

from temporalio import workflow

from workflows.case import CaseCore
from workflows.deadline_extension import as_aware
from workflows.deadline_text import CHINA_TIME

with workflow.unsafe.imports_passed_through():
    from models.duration import Duration
    from rules.engine.dates import DueDate


def times(d: Duration, k: int) -> Duration:
    """``d`` taken ``k`` times (``P1M`` × 3 is three months)."""
    return Duration.model_validate(
        {
            "text": d.text if k == 1 else f"{k}×{d.text}",
            "months": d.months * k,
            "days": d.days * k,
            "seconds": d.seconds * k,
            "working_days": d.working_days * k,
        }
    )


def add(at: datetime, d: Duration, sign: int = 1) -> datetime:
    """``at`` moved by a duration without working days, as the calendar activity would."""
    local = as_aware(at).astimezone(CHINA_TIME)
    if d.months:
        years, month0 = divmod(local.month - 1 + sign * d.months, 12)
        year, month = local.year + years, month0 + 1
        day = min(local.day, calendar.monthrange(year, month)[1])
        local = local.replace(year=year, month=month, day=day)
    local += timedelta(days=sign * d.days, seconds=sign * d.seconds)
    return local.astimezone(at.tzinfo or CHINA_TIME)


async def resolve(case: CaseCore, due: DueDate) -> datetime:
    """A rule's due date as a time: working days by the calendar activity, the rest here."""
    if due.offset.working_days:
        return await case.resolve_due(due)
    moved = add(due.anchor_at, due.offset, due.sign)
    return due.cap_at if due.cap_at is not None and due.cap_at < moved else moved


def moment(value: datetime | date, now: datetime) -> datetime:
    """When an event's ``date`` happened: a day means now if it is today, else noon that day."""
    if isinstance(value, datetime):
        return min(as_aware(value), now)
    if value == today(now):
        return now
    return min(datetime.combine(value, time(12), tzinfo=CHINA_TIME), now)


def today(now: datetime) -> date:
    """The date in China."""
    return now.astimezone(CHINA_TIME).date()


def months_between(start: datetime, end: datetime) -> int:
    """Whole calendar months from ``start`` to ``end``."""
    a, b = start.astimezone(CHINA_TIME), end.astimezone(CHINA_TIME)
    months = (b.year - a.year) * 12 + b.month - a.month
    return max(months - ((b.day, b.time()) < (a.day, a.time())), 0)
