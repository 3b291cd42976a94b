"""P5 fulfilment ledger as the workflow keeps it: service entries, and the progress published
every ``cycle.progress_every`` (quarterly by default) with the rule file's alerts.

Progress points count from 1 January of the commitment's year (so quarterly means the calendar
quarters), at most four a year, and only those still ahead: a shortened demo timescale does not
flood the case. Month steps are plain calendar arithmetic; a cycle in working days is stepped by
the calendar activity.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from temporalio import workflow

from workflows.deadline_text import CHINA_TIME

with workflow.unsafe.imports_passed_through():
    from models.commitment import BoardItemRecord, QuarterProgress
    from models.duration import Duration
    from rules.engine.facts import ProgressFacts

MAX_POINTS = 4


def _add_months(at: datetime, months: int) -> datetime:
    local = at.astimezone(CHINA_TIME)
    years, month0 = divmod(local.month - 1 + months, 12)
    year, month = local.year + years, month0 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def progress_points(
    start: datetime, every: Duration, after: datetime, until: datetime
) -> list[datetime]:
    """The points ``start + k·every`` (k ≥ 1) after ``after`` and not after ``until``, at most four.

    A working-day interval depends on the official calendar: the workflow steps such a cycle
    with the calendar activity instead, and this returns no points for it.
    """
    step = timedelta(days=every.days, seconds=every.seconds)
    if every.working_days or (not every.months and step <= timedelta(0)):
        return []
    points: list[datetime] = []
    k = 1
    if not every.months:
        k = max(1, int((after - start) / step) + 1)
    while len(points) < MAX_POINTS:
        point = _add_months(start, k * every.months) + k * step
        if point > until:
            break
        if point > after:
            points.append(point)
        k += 1
    return points


def quarter_of(at: datetime) -> int:
    """The calendar quarter a progress point reports on: the one that just ended."""
    local = (at - timedelta(seconds=1)).astimezone(CHINA_TIME)
    return (local.month - 1) // 3 + 1


@dataclass
class Ledger:
    """The member's service this year as the case counts it."""

    hours: float = 0.0
    logs: int = 0
    categories: set[str] = field(default_factory=set)
    last_service: date | None = None
    quarters: list[QuarterProgress] = field(default_factory=list)

    def add(self, on: date, hours: float, category: str) -> None:
        self.hours = round(self.hours + hours, 2)
        self.logs += 1
        self.categories.add(category)
        if self.last_service is None or on > self.last_service:
            self.last_service = on

    def served(self, items: list[BoardItemRecord]) -> int:
        """How many promised items have at least one service entry of their category."""
        return sum(item.category in self.categories for item in items)

    def facts(
        self, at: datetime, items: list[BoardItemRecord], since: datetime
    ) -> dict[str, object]:
        """The progress as the rule expressions read it (``progress.*``) at a point."""
        last = self.last_service or since.astimezone(CHINA_TIME).date()
        return ProgressFacts(
            quarter=quarter_of(at),
            items=len(items),
            hours=self.hours,
            logs=self.logs,
            items_with_service=self.served(items),
            last_service_days=max(0, (at.astimezone(CHINA_TIME).date() - last).days),
        ).model_dump()

    def snapshot(self) -> dict[str, object]:
        return {
            "hours": self.hours,
            "logs": self.logs,
            "categories": sorted(self.categories),
            "last_service": self.last_service.isoformat() if self.last_service else None,
        }
