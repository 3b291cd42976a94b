"""Due-time arithmetic on China's official calendar; expected dates are counted by hand."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from temporalio.testing import ActivityEnvironment

from activities.calendar import CalendarActivities, ChinaCalendar, resolve_schedule, shift
from models.calendar import ResolveScheduleInput, ScheduleByRuleInput, ShiftInput
from models.deadline import CardLevel, DeadlineSpec, EscalationStep, Point, Reminder
from models.duration import Duration

CST = timezone(timedelta(hours=8))
CHINA = ChinaCalendar()


def _d(text: str) -> Duration:
    return Duration.parse(text)


def test_official_calendar_knows_make_up_days() -> None:
    """National Day 2026 is off and Saturday 10 October is worked, as the State Council set."""
    assert not CHINA.is_working_day(date(2026, 10, 1))
    assert not CHINA.is_working_day(date(2026, 10, 7))
    assert CHINA.is_working_day(date(2026, 10, 10))
    assert not CHINA.is_working_day(date(2026, 10, 11))


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (datetime(2026, 1, 31, 10, tzinfo=CST), "P1M", datetime(2026, 2, 28, 10, tzinfo=CST)),
        (datetime(2028, 1, 31, 10, tzinfo=CST), "P1M", datetime(2028, 2, 29, 10, tzinfo=CST)),
        (datetime(2026, 8, 31, 10, tzinfo=CST), "P1M", datetime(2026, 9, 30, 10, tzinfo=CST)),
        (datetime(2026, 11, 30, 10, tzinfo=CST), "P3M", datetime(2027, 2, 28, 10, tzinfo=CST)),
    ],
)
def test_calendar_months_clamp_to_the_month_end(
    start: datetime, duration: str, expected: datetime
) -> None:
    """A one-month limit opened on 31 January falls due on the last day of February."""
    assert shift(start, _d(duration), calendar=CHINA) == expected


def test_months_back_clamp_too() -> None:
    """One month before 31 March is the last day of February."""
    start = datetime(2026, 3, 31, 12, tzinfo=CST)
    assert shift(start, _d("P1M"), -1, calendar=CHINA) == datetime(2026, 2, 28, 12, tzinfo=CST)


def test_days_and_hours_are_plain_clock_time() -> None:
    """``30d`` and ``12h`` ignore holidays: 30 days from 20 Sept is 20 Oct, over National Day."""
    start = datetime(2026, 9, 20, 9, tzinfo=CST)
    assert shift(start, _d("30d"), calendar=CHINA) == datetime(2026, 10, 20, 9, tzinfo=CST)
    assert shift(start, _d("12h"), calendar=CHINA) == datetime(2026, 9, 20, 21, tzinfo=CST)


def test_working_days_skip_national_day_2026() -> None:
    """Five working days from Mon 28 Sept 2026 09:00 end on the make-up Saturday, 10 Oct 09:00."""
    # By hand: 28 Sept is the start day; 29 Sept = 1, 30 Sept = 2; 1-7 Oct are the holiday;
    # 8 Oct = 3, 9 Oct = 4, Sat 10 Oct (a make-up working day) = 5.
    start = datetime(2026, 9, 28, 9, tzinfo=CST)
    assert shift(start, _d("5wd"), calendar=CHINA) == datetime(2026, 10, 10, 9, tzinfo=CST)


def test_working_days_over_spring_festival_2026() -> None:
    """Three working days from Fri 13 Feb 2026 count the make-up Saturday and skip the holiday."""
    # By hand: Sat 14 Feb is worked = 1; 15-23 Feb are off; 24 Feb = 2, 25 Feb = 3.
    start = datetime(2026, 2, 13, 9, tzinfo=CST)
    assert shift(start, _d("3wd"), calendar=CHINA) == datetime(2026, 2, 25, 9, tzinfo=CST)


def test_working_days_start_counting_after_a_day_off() -> None:
    """A task received on a holiday Saturday has its first working day on the next working day."""
    # By hand: 3 Oct 2026 is in the holiday; 4-7 Oct are off; 8 Oct = 1.
    start = datetime(2026, 10, 3, 10, tzinfo=CST)
    assert shift(start, _d("1wd"), calendar=CHINA) == datetime(2026, 10, 8, 10, tzinfo=CST)


def test_working_day_boundaries_are_china_time() -> None:
    """20:00 UTC on 30 Sept is already 1 Oct in Beijing, so a day counts from the holiday."""
    start = datetime(2026, 9, 30, 20, tzinfo=UTC)  # 2026-10-01 04:00 in China
    result = shift(start, _d("1wd"), calendar=CHINA)
    # By hand: 1-7 Oct off; 8 Oct 04:00 China time = 7 Oct 20:00 UTC. The zone given is kept.
    assert result == datetime(2026, 10, 7, 20, tzinfo=UTC)
    assert result.utcoffset() == timedelta(0)


def test_before_due_in_working_days() -> None:
    """Three working days before a Fri 9 Oct 2026 deadline is Tue 29 Sept, before the holiday."""
    # By hand, counting back: 8 Oct = 1; 1-7 Oct off; 30 Sept = 2, 29 Sept = 3.
    due = datetime(2026, 10, 9, 17, tzinfo=CST)
    assert shift(due, _d("3wd"), -1, calendar=CHINA) == datetime(2026, 9, 29, 17, tzinfo=CST)


def _spec(**fields: object) -> DeadlineSpec:
    return DeadlineSpec.model_validate(
        {"task_id": "opinion", "title": "社区意见", "owner": "community-1", **fields}
    )


def test_schedule_resolves_every_point_in_time_order() -> None:
    """Reminders, the card ladder and expiry land on hand-counted times, earliest first."""
    opened = datetime(2026, 9, 28, 9, tzinfo=CST)
    spec = _spec(
        due_in="5wd",
        reminders=[
            Reminder(at=Point(before_due=_d("3wd"))),
            Reminder(at=Point(fraction=0.5)),
        ],
        escalation=[
            EscalationStep(level=CardLevel.RED, at=Point(after_due=_d("5wd")), to="street"),
            EscalationStep(level=CardLevel.YELLOW, at=Point(fraction=1), to="street"),
        ],
        expire=Point(after_due=_d("P1M")),
    )
    schedule = resolve_schedule(opened, spec, calendar=CHINA)
    # Due: see test_working_days_skip_national_day_2026. Half of the 12-day window is 6 days.
    # 3wd before Sat 10 Oct: 9 Oct = 1, 8 Oct = 2, 30 Sept = 3. Red: 12, 13, 14, 15, 16 Oct.
    assert schedule.due_at == datetime(2026, 10, 10, 9, tzinfo=CST)
    assert [(p.kind, p.at, p.level) for p in schedule.points] == [
        ("reminder", datetime(2026, 9, 30, 9, tzinfo=CST), None),
        ("reminder", datetime(2026, 10, 4, 9, tzinfo=CST), None),
        ("escalation", datetime(2026, 10, 10, 9, tzinfo=CST), CardLevel.YELLOW),
        ("escalation", datetime(2026, 10, 16, 9, tzinfo=CST), CardLevel.RED),
        ("expiry", datetime(2026, 11, 10, 9, tzinfo=CST), None),
    ]


def test_schedule_ties_and_points_before_opening() -> None:
    """At the same moment a reminder comes before the card; points before opening are dropped."""
    opened = datetime(2026, 10, 8, 9, tzinfo=CST)
    spec = _spec(
        due_at=datetime(2026, 10, 9, 9, tzinfo=CST),
        reminders=[
            Reminder(at=Point(before_due=_d("3wd")), label="too early"),
            Reminder(at=Point(fraction=1), label="at due"),
        ],
        escalation=[EscalationStep(level=CardLevel.YELLOW, at=Point(fraction=1), to="street")],
        expire=Point(fraction=1),
    )
    schedule = resolve_schedule(opened, spec, calendar=CHINA)
    due = datetime(2026, 10, 9, 9, tzinfo=CST)
    assert [(p.kind, p.at, p.label) for p in schedule.points] == [
        ("reminder", due, "at due"),
        ("escalation", due, "黄牌"),
        ("expiry", due, "失效"),
    ]


def _ladder() -> list[EscalationStep]:
    """The standard ladder of rules/shared.yaml: 黄牌 a working day after due, 红牌 six."""
    return [
        EscalationStep(
            level=CardLevel.YELLOW, at=Point(after_due=_d("1wd")), to="street", label="黄牌督办"
        ),
        EscalationStep(
            level=CardLevel.RED, at=Point(after_due=_d("6wd")), to="street", label="红牌通报"
        ),
    ]


def test_a_task_opened_long_overdue_gets_its_red_card_at_once() -> None:
    """Opened after its whole ladder passed, the task is escalated once, at its opening, to the
    highest card reached (红牌); its reminders, all before the opening, are dropped."""
    opened = datetime(2026, 10, 28, 10, tzinfo=CST)
    spec = _spec(
        due_at=datetime(2026, 10, 9, 17, tzinfo=CST),
        reminders=[Reminder(at=Point(fraction=0.5)), Reminder(at=Point(before_due=_d("1wd")))],
        escalation=list(reversed(_ladder())),  # the order in the rule file does not matter
    )
    schedule = resolve_schedule(opened, spec, calendar=CHINA)
    # Red: 6wd after Fri 9 Oct: Sat 10 (make-up), 12, 13, 14, 15, 16 Oct, before 28 Oct.
    assert [(p.kind, p.at, p.level, p.to, p.label) for p in schedule.points] == [
        ("escalation", opened, CardLevel.RED, "street", "红牌通报（任务开启时已逾期）"),
    ]


def test_a_partly_passed_ladder_collapses_and_keeps_the_later_steps() -> None:
    """Opened after the yellow step but before the red one: 黄牌 at once, 红牌 at its own time; a
    reminder and the expiry still ahead keep their times."""
    opened = datetime(2026, 10, 13, 10, tzinfo=CST)
    due = datetime(2026, 10, 9, 17, tzinfo=CST)
    spec = _spec(
        due_at=due,
        reminders=[
            Reminder(at=Point(before_due=_d("1wd")), label="到期前提醒"),
            Reminder(at=Point(after_due=_d("3wd")), label="逾期催办"),
        ],
        escalation=_ladder(),
        expire=Point(after_due=_d("P1M")),
    )
    schedule = resolve_schedule(opened, spec, calendar=CHINA)
    # Yellow: Sat 10 Oct 17:00 (make-up day) is before the opening. 3wd: 10, 12, 13 Oct 17:00.
    assert [(p.kind, p.at, p.level, p.label) for p in schedule.points] == [
        ("escalation", opened, CardLevel.YELLOW, "黄牌督办（任务开启时已逾期）"),
        ("reminder", datetime(2026, 10, 13, 17, tzinfo=CST), None, "逾期催办"),
        ("escalation", datetime(2026, 10, 16, 17, tzinfo=CST), CardLevel.RED, "红牌通报"),
        ("expiry", datetime(2026, 11, 9, 17, tzinfo=CST), None, "失效"),
    ]


def test_an_escalation_due_at_the_opening_itself_is_kept_and_a_passed_expiry_fires_at_once() -> (
    None
):
    """A step that falls exactly at the opening is not lost, and an expiry already past comes at
    the opening, after the card (a task expires once it has been escalated)."""
    # 1wd after Fri 9 Oct is the make-up Saturday, 10 Oct: the yellow step.
    opened = datetime(2026, 10, 10, 17, tzinfo=CST)
    spec = _spec(
        due_at=datetime(2026, 10, 9, 17, tzinfo=CST),
        escalation=_ladder()[:1],
        expire=Point(after_due=_d("12h")),
    )
    schedule = resolve_schedule(opened, spec, calendar=CHINA)
    assert [(p.kind, p.at, p.level) for p in schedule.points] == [
        ("escalation", opened, CardLevel.YELLOW),
        ("expiry", opened, None),
    ]


async def test_calendar_activities_wrap_the_arithmetic() -> None:
    """The activities workflows call give the same answers as the calendar itself."""
    activities = CalendarActivities(CHINA)
    env = ActivityEnvironment()
    opened = datetime(2026, 9, 28, 1, tzinfo=UTC)  # 09:00 in China
    shifted = await env.run(activities.shift, ShiftInput(at=opened, duration=_d("5wd")))
    assert shifted.at == datetime(2026, 10, 10, 1, tzinfo=UTC)
    schedule = await env.run(
        activities.resolve_schedule,
        ResolveScheduleInput(opened_at=opened, spec=_spec(due_in="5wd")),
    )
    assert schedule.opened_at == opened
    assert schedule.due_at == datetime(2026, 10, 10, 9, tzinfo=CST)
    assert schedule.points == ()


async def test_a_due_rule_and_its_schedule_resolve_in_one_call() -> None:
    """A task due 5 working days before an anchor across National Day 2026 gets the due time and
    points that shifting first and resolving the schedule after would give; a cap earlier than
    the shifted time wins."""
    activities = CalendarActivities(CHINA)
    env = ActivityEnvironment()
    opened = datetime(2026, 9, 21, 9, tzinfo=CST)
    anchor = datetime(2026, 10, 16, 9, tzinfo=CST)
    spec = _spec(
        due_at=anchor,  # the anchor's spec: its due time is not read
        reminders=[Reminder(at=Point(fraction=0.5))],
        escalation=[
            EscalationStep(level=CardLevel.RED, at=Point(after_due=_d("2wd")), to="street")
        ],
    )
    back = ShiftInput(at=anchor, duration=_d("5wd"), sign=-1)
    schedule = await env.run(
        activities.resolve_schedule_by_rule,
        ScheduleByRuleInput(opened_at=opened, due=back, spec=spec),
    )
    # 5wd back from Fri 16 Oct: 15, 14, 13, 12 Oct, then Sat 10 Oct (a make-up working day).
    due = datetime(2026, 10, 10, 9, tzinfo=CST)
    assert schedule.due_at == due
    two_calls = resolve_schedule(opened, spec.model_copy(update={"due_at": due}), calendar=CHINA)
    assert schedule == two_calls
    assert [p.at for p in schedule.points] == [
        datetime(2026, 9, 30, 21, tzinfo=CST),  # half of the 19-day window
        datetime(2026, 10, 13, 9, tzinfo=CST),  # 2wd after Sat 10 Oct: Mon 12, Tue 13
    ]

    cap = datetime(2026, 10, 9, 18, tzinfo=CST)
    capped = await env.run(
        activities.resolve_schedule_by_rule,
        ScheduleByRuleInput(opened_at=opened, due=back, cap_at=cap, spec=spec),
    )
    assert capped.due_at == cap
