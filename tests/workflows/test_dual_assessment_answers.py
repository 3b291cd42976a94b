"""P1 双向考核 cases of case-engine revision 2 (ANSWERS_ENGINE) that the rules alone cannot carry:
no community found leaves a task in the street committee's inbox, under the rule set's deadline
policy; a subject out of scope (or unknown) is answered with ``consulted: false``.

Windows as in ``tests/workflows/test_dual_assessment.py``: ``closes_at`` is the Friday after a
quiet Friday, so the opinion (and the assignment, due with it) falls due on the quiet Friday.
"""

from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.case_actions import AssignInput, OverrideInput
from models.deadline import CardLevel, TaskStatus
from rules.engine.facts import SubjectFacts
from tests.workflows.assessment_support import (
    asked,
    cadre_facts,
    open_assessment,
    opinion_data,
    unit_facts,
)
from tests.workflows.case_support import (
    DAY,
    HOUR,
    Edits,
    FakeRegistry,
    case_worker,
    entries,
    eventually,
    finish,
    inbound,
    kinds,
    rule_registry,
    sleep_until,
    stop,
    unique,
)
from tests.workflows.deadline_support import quiet_friday
from workflows.dual_assessment import DualAssessmentWorkflow

CLOSE_WITHOUT_OPINION: Edits = {
    "dual_assessment.yaml": [("on_deadline: hold", "on_deadline: close_without_opinion")]
}
STREET = AssignInput(org_id="c-north", actor="street-1", role="street_committee", reason="单位所在")


def homeless_cadre() -> SubjectFacts:
    """A cadre no consulted_org rule finds a community for."""
    return cadre_facts(
        unique("cadre"), reported_in=False, report_community_id="", residence_community_id=""
    )


async def test_no_community_found_puts_an_assignment_task_in_the_street_inbox(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """The street committee sees 指定征求意见的社区 due when the opinion would be; naming the
    community answers it and opens the opinion task."""
    friday = await quiet_friday(time_skipping_env)
    cadre = homeless_cadre()
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[cadre.id] = cadre
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(
            client, task_queue, rules.active.version, cadre, friday + 7 * DAY
        )
        try:
            waiting = await eventually(
                handle, lambda v: v.snapshot.status == "awaiting_assignment" and bool(v.tasks)
            )
            await handle.execute_update(DualAssessmentWorkflow.assign_consulted_org, STREET)
            assigned = await eventually(handle, asked)
        finally:
            await stop(handle)

    [task] = waiting.snapshot.tasks
    assert (task.task_id, task.title) == ("assign", "指定征求意见的社区")
    assert task.owner == "street_committee"
    assert (task.status, task.due_at) == (TaskStatus.OPEN, friday)
    assert waiting.snapshot.due_at == friday
    due = entries(waiting.timeline, "assignment_due_decided")[0]
    assert "同意见期限" in due.summary
    assert due.trace is not None
    assert due.trace["rule_id"] == "opinion_task"
    assert [(t.task_id, t.status) for t in assigned.snapshot.tasks] == [
        ("assign", TaskStatus.ANSWERED),
        ("opinion", TaskStatus.OPEN),
    ]
    answered = entries(assigned.timeline, "answered")[0]
    assert (answered.task_id, answered.actor) == ("assign", "street-1")
    assert [(t.task_id, t.owner) for t in store.snapshot(handle.id).tasks] == [
        ("assign", "street_committee"),
        ("opinion", "c-north"),
    ]


async def test_engine1_case_keeps_waiting_without_a_task(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A case started under revision 1 keeps its old path: it waits for the assignment with no
    task (cases already running must replay)."""
    friday = await quiet_friday(time_skipping_env)
    cadre = homeless_cadre()
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[cadre.id] = cadre
    async with case_worker(client, task_queue, rules, registry):
        handle = await open_assessment(
            client, task_queue, rules.active.version, cadre, friday + 7 * DAY, engine=1
        )
        try:
            waiting = await eventually(handle, lambda v: v.snapshot.status == "awaiting_assignment")
        finally:
            await stop(handle)

    assert waiting.tasks == []
    assert "assignment_due_decided" not in kinds(waiting.timeline)


async def test_unassigned_past_due_holds_until_the_community_is_named_and_answers(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Under hold, no assignment by the due time holds the case (yellow card to the street);
    naming the community then opens its opinion task, and its opinion goes out."""
    friday = await quiet_friday(time_skipping_env)
    closes_at = friday + 7 * DAY
    cadre = homeless_cadre()
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[cadre.id] = cadre
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(client, task_queue, rules.active.version, cadre, closes_at)
        try:
            await eventually(handle, lambda v: bool(v.tasks))
            await sleep_until(time_skipping_env, friday + 3 * DAY + HOUR)
            held = await eventually(handle, lambda v: v.snapshot.status == "held")
            await handle.execute_update(DualAssessmentWorkflow.assign_consulted_org, STREET)
            await eventually(handle, lambda v: any(t.spec.task_id == "opinion" for t in v.tasks))
            await handle.execute_update(
                DualAssessmentWorkflow.submit_opinion,
                inbound("assessment.opinion_submitted", opinion_data(cadre, "称职", "secretary-n")),
            )
            await eventually(handle, lambda v: v.snapshot.status == "opinion_ready")
            await handle.signal(
                DualAssessmentWorkflow.assessment_closed,
                inbound("assessment.closed", {"subject_id": cadre.id}),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    policy = entries(held.timeline, "deadline_policy_decided")[0]
    assert policy.summary == "逾期未指定征求意见的社区"
    assert policy.trace is not None
    assert policy.trace["result"] == "hold"
    assert "待指定社区或经授权放行" in entries(held.timeline, "held")[0].summary
    assert [(e.task_id, e.level) for e in entries(held.timeline, "escalation")] == [
        ("assign", CardLevel.YELLOW)
    ]
    assert held.tasks[0].status is TaskStatus.OPEN  # still in the inbox while held
    assert result.status == "closed"
    assert result.summary["consulted_org"] == "c-north"
    [event] = store.events(handle.id)
    assert event.data["opinion"]["grade"] == "称职"
    assert (event.data["consulted_org"], event.data["flagged"]) == ("c-north", False)
    assert event.data["consulted"] is True
    tasks = store.snapshot(handle.id).tasks
    assert [(t.task_id, t.status) for t in tasks] == [
        ("assign", TaskStatus.ANSWERED),
        ("opinion", TaskStatus.ANSWERED),
    ]


async def test_unassigned_past_due_holds_until_an_authorised_override(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Held for want of a community, the case closes only on an authorised override, which the
    assessing system hears of; no opinion task is opened."""
    friday = await quiet_friday(time_skipping_env)
    closes_at = friday + 7 * DAY
    cadre = homeless_cadre()
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[cadre.id] = cadre
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(client, task_queue, rules.active.version, cadre, closes_at)
        try:
            await eventually(handle, lambda v: bool(v.tasks))
            with pytest.raises(WorkflowUpdateFailedError) as early:
                await handle.execute_update(
                    DualAssessmentWorkflow.override_hold,
                    OverrideInput(actor="street-1", role="street_committee", reason="无从指定"),
                )
            await sleep_until(time_skipping_env, friday + HOUR)
            await eventually(handle, lambda v: v.snapshot.status == "held")
            await handle.signal(
                DualAssessmentWorkflow.assessment_closed,
                inbound("assessment.closed", {"subject_id": cadre.id}),
            )
            still = await eventually(
                handle, lambda v: bool(entries(v.timeline, "assessment_closed"))
            )
            await handle.execute_update(
                DualAssessmentWorkflow.override_hold,
                OverrideInput(actor="street-1", role="street_committee", reason="对象已调离"),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert "只有逾期挂起" in str(early.value.cause)
    assert still.snapshot.status == "held"
    assert "须指定社区或授权放行" in entries(still.timeline, "assessment_closed")[0].summary
    assert result.status == "overridden"
    assert entries(result.timeline, "case_closed")[0].summary.startswith("未指定征求意见的社区")
    [event] = store.events(handle.id)
    assert (event.data["opinion"], event.data["flagged"]) == (None, True)
    assert (event.data["consulted_org"], event.data["consulted"]) == (None, True)
    assert event.data["override"]["actor"] == "street-1"
    assert [(t.task_id, t.status) for t in store.snapshot(handle.id).tasks] == [
        ("assign", TaskStatus.CANCELLED)
    ]


async def test_unassigned_past_due_closes_flagged_under_close_without_opinion(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Under close_without_opinion, no assignment by the due time closes the case, flagged."""
    friday = await quiet_friday(time_skipping_env)
    cadre = homeless_cadre()
    registry = FakeRegistry()
    rules = await rule_registry(tmp_path, CLOSE_WITHOUT_OPINION)
    registry.subjects[cadre.id] = cadre
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(
            client, task_queue, rules.active.version, cadre, friday + 7 * DAY
        )
        try:
            await eventually(handle, lambda v: bool(v.tasks))
            await sleep_until(time_skipping_env, friday + HOUR)
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert result.status == "closed_without_opinion"
    assert result.summary["flagged"] is True
    [event] = store.events(handle.id)
    assert (event.data["opinion"], event.data["flagged"]) == (None, True)
    assert event.data["reason"] == "逾期未指定征求意见的社区"
    assert event.data["consulted"] is True
    assert [(t.task_id, t.status) for t in store.snapshot(handle.id).tasks] == [
        ("assign", TaskStatus.CANCELLED)
    ]


async def test_unknown_unit_is_answered_not_consulted(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A unit the registry does not know is out of scope: the assessing system gets opinion_ready
    with consulted false and the reason, and the timeline says the registry did not know it."""
    unit = unit_facts(unique("unit"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    closes_at = await time_skipping_env.get_current_time() + 30 * DAY
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(client, task_queue, rules.active.version, unit, closes_at)
        try:
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert result.status == "out_of_scope"
    reason = "登记库中无此考核对象，按事件所附信息不属于规则规定的征求意见范围"
    assert result.summary["reason"] == reason
    facts = entries(result.timeline, "facts_gathered")[0]
    assert facts.summary.startswith("登记库中无此考核对象")
    assert facts.detail["known"] is False
    assert reason in entries(result.timeline, "case_closed")[0].summary
    [event] = store.events(handle.id)
    assert event.type == "grassroots.assessment.opinion_ready"
    assert (event.data["opinion"], event.data["flagged"], event.data["consulted"]) == (
        None,
        False,
        False,
    )
    assert (event.data["subject_id"], event.data["reason"]) == (unit.id, reason)
    assert store.snapshot(handle.id).tasks == []


async def test_no_community_under_out_of_scope_rule_is_answered_not_consulted(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """With no_consulted_org: out_of_scope, a subject with no community is answered at once."""
    cadre = homeless_cadre()
    registry = FakeRegistry()
    rules = await rule_registry(
        tmp_path, {"dual_assessment.yaml": [("org: manual_task", "org: out_of_scope")]}
    )
    registry.subjects[cadre.id] = cadre
    closes_at = await time_skipping_env.get_current_time() + 30 * DAY
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(client, task_queue, rules.active.version, cadre, closes_at)
        try:
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert result.status == "out_of_scope"
    [event] = store.events(handle.id)
    assert (event.data["opinion"], event.data["consulted"]) == (None, False)
    assert event.data["reason"] == "规则未能确定征求意见的社区，按规则不征求意见"


async def test_engine1_out_of_scope_case_sends_nothing(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A case started under revision 1 keeps its old ending: out of scope, no event."""
    unit = unit_facts(unique("unit"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    closes_at = await time_skipping_env.get_current_time() + 30 * DAY
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(
            client, task_queue, rules.active.version, unit, closes_at, engine=1
        )
        try:
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert result.status == "out_of_scope"
    assert result.summary["reason"] == "不属于规则规定的征求意见范围"
    assert store.events(handle.id) == []
