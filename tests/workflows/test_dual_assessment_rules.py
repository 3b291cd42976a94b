"""P1 双向考核 over time and rule versions: the 2026 New Year holiday, extensions, and rule edits
and moves while a case runs.

The New Year test backdates the case to December 2025, where the official 2026 schedule (1-3
January off, Sunday 4 January a make-up working day) is known; the others use a quiet week ahead
of the server's clock (see ``tests/workflows/test_dual_assessment.py``).
"""

from datetime import datetime
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.case_actions import ExtendTaskInput, MoveRulesInput
from models.deadline import CardLevel
from models.duration import Duration
from tests.workflows.assessment_support import (
    asked,
    assessment_id,
    cadre_facts,
    open_assessment,
    opened_data,
    opinion_data,
    unit_facts,
)
from tests.workflows.case_support import (
    DAY,
    HOUR,
    FakeRegistry,
    case_worker,
    edit_rules,
    entries,
    eventually,
    finish,
    inbound,
    rule_registry,
    sleep_until,
    start_case,
    stop,
    unique,
    view,
)
from tests.workflows.deadline_support import CST, quiet_friday
from workflows import search_attributes as sa
from workflows.dual_assessment import DualAssessmentWorkflow


async def test_late_opinion_across_the_2026_new_year_holiday(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Due five working days before Fri 9 Jan 2026 is the make-up Sunday, 4 January."""
    # By hand: 8, 7, 6, 5 January are working days 1-4; 1-3 January are the New Year holiday and
    # Sunday 4 January 2026 is the official make-up working day: 5. The yellow card one working
    # day after due is Monday 5 January; the red card six working days after is Monday 12.
    # The server's clock is past these dates, so the case is backdated by the event's time: every
    # point is overdue and fires at once, in order.
    opened_at = datetime(2025, 12, 1, 9, tzinfo=CST)
    closes_at = datetime(2026, 1, 9, 18, tzinfo=CST)
    unit = unit_facts(unique("unit"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[unit.id] = unit
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await start_case(
            client,
            task_queue,
            assessment_id(unit),
            inbound("assessment.opened", opened_data(unit, closes_at), time=opened_at),
            rules.active.version,
        )
        try:
            held = await eventually(
                handle, lambda v: v.snapshot.status == "held" and v.snapshot.level is CardLevel.RED
            )
            await handle.execute_update(
                DualAssessmentWorkflow.submit_opinion,
                inbound("assessment.opinion_submitted", opinion_data(unit, "较好")),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    due = datetime(2026, 1, 4, 18, tzinfo=CST)
    assert held.snapshot.due_at == due
    points = [
        (e.kind, datetime.fromisoformat(e.detail["scheduled_at"]))
        for e in held.timeline
        if e.kind in ("reminder", "escalation")
    ]
    window = due - opened_at
    assert points == [
        ("reminder", opened_at + window * 0.5),
        ("reminder", opened_at + window * 0.9),
        ("escalation", datetime(2026, 1, 5, 18, tzinfo=CST)),
        ("escalation", datetime(2026, 1, 12, 18, tzinfo=CST)),
    ]
    assert result.status == "closed"
    [event] = store.events(handle.id)
    assert event.data["late"] is True
    assert event.data["opinion"]["grade"] == "较好"


async def test_edited_rules_leave_running_cases_pinned_until_an_admin_moves_one(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A rule edit spares running cases, applies to new ones; an admin's move is dry-run first."""
    friday = await quiet_friday(time_skipping_env)
    closes_at = friday + 7 * DAY
    first, second = cadre_facts(unique("cadre")), cadre_facts(unique("cadre"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects.update({first.id: first, second.id: second})
    old = rules.active.version
    excellent = inbound("assessment.opinion_submitted", opinion_data(first, "优秀"))
    async with case_worker(client, task_queue, rules, registry):
        running = await start_case(
            client,
            task_queue,
            assessment_id(first),
            inbound("assessment.opened", opened_data(first, closes_at)),
            old,
        )
        fresh = None
        try:
            await eventually(running, asked)
            edit_rules(
                rules.folder,
                {
                    "dual_assessment.yaml": [
                        ("community_activities < 4", "community_activities < 2"),
                        ("before: 5wd", "before: 3wd"),
                    ]
                },
            )
            assert await rules.refresh() is True
            new = rules.active.version
            fresh = await start_case(
                client,
                task_queue,
                assessment_id(second),
                inbound("assessment.opened", opened_data(second, closes_at)),
                new,
            )
            fresh_view = await eventually(fresh, asked)
            with pytest.raises(WorkflowUpdateFailedError) as pinned:
                await running.execute_update(DualAssessmentWorkflow.submit_opinion, excellent)
            with pytest.raises(WorkflowUpdateFailedError) as not_admin:
                await running.execute_update(
                    DualAssessmentWorkflow.move_rules,
                    MoveRulesInput(
                        version=new, actor="street-1", role="street_committee", reason="新标准"
                    ),
                )
            moved = await running.execute_update(
                DualAssessmentWorkflow.move_rules,
                MoveRulesInput(
                    version=new, actor="admin-1", role="admin", reason="采用新的活动次数标准"
                ),
            )
            await running.execute_update(DualAssessmentWorkflow.submit_opinion, excellent)
            after = await eventually(running, lambda v: v.snapshot.status == "opinion_ready")
            attributes = (await fresh.describe()).typed_search_attributes
        finally:
            await stop(running)
            if fresh is not None:
                await stop(fresh)

    assert "少于 4 次" in str(pinned.value.cause)
    assert "无权变更" in str(not_admin.value.cause)
    assert fresh_view.snapshot.rule_version == new
    assert attributes.get(sa.RULE_VERSION) == new
    # Three working days before the Friday closing: Thursday 1, Wednesday 2, Tuesday 3.
    assert fresh_view.snapshot.due_at == closes_at - 3 * DAY
    assert (moved.previous, moved.version) == (old, new)
    changed = {change.decision: change for change in moved.changes}
    assert changed["opinion.due_at"].before == friday.isoformat()
    assert changed["opinion.due_at"].after == (closes_at - 3 * DAY).isoformat()
    [move] = entries(after.timeline, "rules_moved")
    assert move.actor == "admin-1"
    assert move.detail["reason"] == "采用新的活动次数标准"
    assert "opinion.due_at" in move.detail["dry_run"]
    assert after.snapshot.rule_version == new
    assert after.snapshot.tasks[0].due_at == friday  # an open task keeps its due time
    checked = entries(after.timeline, "grade_checked")[0].trace
    assert checked is not None
    assert (checked["version"], checked["result"]["allowed"]) == (new, True)


async def test_extension_moves_the_deadline_the_case_holds_at(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """The street committee extends the opinion by two working days once; the hold waits for it."""
    friday = await quiet_friday(time_skipping_env)
    unit = unit_facts(unique("unit"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[unit.id] = unit
    async with case_worker(client, task_queue, rules, registry):
        handle = await open_assessment(
            client, task_queue, rules.active.version, unit, friday + 7 * DAY
        )
        try:
            await eventually(handle, asked)
            await sleep_until(time_skipping_env, friday - HOUR)
            extended = await handle.execute_update(
                DualAssessmentWorkflow.extend_task,
                ExtendTaskInput(
                    task_id="opinion",
                    actor="street-1",
                    role="street_committee",
                    reason="书记外出学习",
                    by=Duration.parse("2wd"),
                ),
            )
            with pytest.raises(WorkflowUpdateFailedError) as again:
                await handle.execute_update(
                    DualAssessmentWorkflow.extend_task,
                    ExtendTaskInput(
                        task_id="opinion",
                        actor="street-1",
                        role="street_committee",
                        reason="再延",
                        by=Duration.parse("1wd"),
                    ),
                )
            await sleep_until(time_skipping_env, friday + HOUR)
            on_friday = await view(handle)
            # Two working days after Friday: Monday 1, Tuesday 2.
            await sleep_until(time_skipping_env, friday + 4 * DAY + HOUR)
            held = await eventually(handle, lambda v: v.snapshot.status == "held")
        finally:
            await stop(handle)

    assert "期限已延至" in extended.message
    assert "已达规则允许的上限（1 次）" in str(again.value.cause)
    assert on_friday.snapshot.status == "awaiting_opinion"
    assert on_friday.snapshot.due_at == friday + 4 * DAY
    policy = entries(held.timeline, "deadline_policy_decided")[0]
    assert policy.at >= friday + 4 * DAY
