"""P1 双向考核 on the time-skipping server, driven by the default rules (and edited copies).

Windows end on "quiet" weeks ahead of the server's clock (see ``deadline_support.quiet_friday``):
``closes_at`` is the Friday after a quiet Friday, so the opinion (due five working days before)
falls on the quiet Friday itself, the yellow card on the Monday after it and the red card on the
Monday a week later.
"""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.case import CaseSnapshot
from models.case_actions import AssignInput, OverrideInput
from models.deadline import CardLevel, TaskStatus
from models.mentions import name_mentions
from rules.engine.facts import SubjectFacts
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
    CaseStore,
    FakeRegistry,
    case_worker,
    details,
    entries,
    eventually,
    finish,
    inbound,
    kinds,
    rule_registry,
    sleep_until,
    start_case,
    stop,
    unique,
    view,
)
from tests.workflows.deadline_support import quiet_friday
from workflows import search_attributes as sa
from workflows.deadline_text import show
from workflows.dual_assessment import DualAssessmentWorkflow

MINUTE = timedelta(minutes=1)


async def test_unit_opinion_is_reminded_delivered_and_closed(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """The unit's community is asked, reminded twice, and its opinion goes out as opinion_ready."""
    friday = await quiet_friday(time_skipping_env)
    closes_at = friday + 7 * DAY
    unit = unit_facts(unique("unit"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[unit.id] = unit
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(client, task_queue, rules.active.version, unit, closes_at)
        try:
            opened = await eventually(handle, asked)
            await sleep_until(time_skipping_env, friday - HOUR)
            shown = await details(handle)
            assert "社区：东关社区" in shown  # named once a projection step brought the name back
            assert "待办：出具社区党组织意见　承办：东关社区" in shown
            desc = await handle.describe()
            assert desc.typed_search_attributes.get(sa.STATUS) == "awaiting_opinion"
            assert desc.typed_search_attributes.get(sa.COMMUNITY) == "c-east"
            assert desc.typed_search_attributes.get(sa.DUE_AT) == friday
            accepted = await handle.execute_update(
                DualAssessmentWorkflow.submit_opinion,
                inbound("assessment.opinion_submitted", opinion_data(unit, "好")),
            )
            assert accepted.message == "社区意见已受理"
            await eventually(handle, lambda v: v.snapshot.status == "opinion_ready")
            await handle.signal(
                DualAssessmentWorkflow.assessment_closed,
                inbound("assessment.closed", {"subject_id": unit.id}),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert opened.snapshot.due_at == friday
    assert opened.snapshot.community_id == "c-east"
    assert opened.tasks[0].spec.owner == "c-east"
    assert result.status == "closed"
    timeline = store.timeline(handle.id)
    assert kinds(timeline)[:6] == [
        "case_opened",
        "facts_gathered",
        "scope_decided",
        "consulted_org_decided",
        "evidence_gathered",
        "opinion_due_decided",
    ]
    consulted = entries(timeline, "consulted_org_decided")[0]
    assert consulted.trace is not None
    assert (consulted.trace["rule_id"], consulted.trace["result"]) == ("unit_community", "c-east")
    assert consulted.trace["version"] == rules.active.version
    reminders = [n for n in store.notifications(handle.id) if n.kind == "reminder"]
    assert [(n.to, n.message[:4]) for n in reminders] == [
        ("c-east", "过半提醒"),
        ("c-east", "临期预警"),
    ]
    [event] = store.events(handle.id)
    assert event.type == "grassroots.assessment.opinion_ready"
    assert event.id == f"{handle.id}/opinion_ready/1"
    assert event.data["opinion"]["grade"] == "好"
    assert (event.data["late"], event.data["flagged"]) == (False, False)
    assert event.data["evidence"] == {"big_committee_member": True, "big_committee_activities": 5}
    final = store.snapshot(handle.id)
    assert final.status == "closed"
    assert [(t.task_id, t.status) for t in final.tasks] == [("opinion", TaskStatus.ANSWERED)]


async def test_cadre_grade_the_evidence_rules_out_is_refused_with_the_reason(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """With 3 community activities 优秀 is refused on the spot, saying why; 称职 is accepted."""
    friday = await quiet_friday(time_skipping_env)
    cadre = cadre_facts(unique("cadre"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[cadre.id] = cadre
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(
            client, task_queue, rules.active.version, cadre, friday + 7 * DAY
        )
        try:
            opened = await eventually(handle, asked)
            before = await view(handle)
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await handle.execute_update(
                    DualAssessmentWorkflow.submit_opinion,
                    inbound("assessment.opinion_submitted", opinion_data(cadre, "优秀")),
                )
            assert await view(handle) == before
            await handle.execute_update(
                DualAssessmentWorkflow.submit_opinion,
                inbound("assessment.opinion_submitted", opinion_data(cadre, "称职")),
            )
            await eventually(handle, lambda v: v.snapshot.status == "opinion_ready")
            await handle.signal(
                DualAssessmentWorkflow.assessment_closed,
                inbound("assessment.closed", {"subject_id": cadre.id}),
            )
            await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    message = str(refused.value.cause)
    assert "本年度参加社区活动少于 4 次" in message
    assert "最高可评“称职”" in message
    assert opened.snapshot.community_id == "c-east"
    timeline = store.timeline(handle.id)
    consulted = entries(timeline, "consulted_org_decided")[0].trace
    assert consulted is not None
    assert consulted["rule_id"] == "cadre_report_in"
    assert consulted["inputs"]["subject.report_community_id"] == "c-east"
    evidence = entries(timeline, "evidence_gathered")[0].trace
    assert evidence is not None
    assert evidence["result"]["community_activities"] == 3
    checked = entries(timeline, "grade_checked")[0].trace
    assert checked is not None
    assert checked["result"]["allowed"] is True
    assert checked["result"]["best_allowed"] == "称职"
    assert checked["rule_id"] == "cadre_min_community_activities"
    assert entries(timeline, "opinion_refused") == []
    [event] = store.events(handle.id)
    assert event.data["opinion"]["grade"] == "称职"


async def test_cadre_whose_commitment_was_graded_unqualified_cannot_be_excellent(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Six activities and reported in, but the year's commitment graded 不合格: 优秀 is refused
    with that reason, 称职 accepted, and the trace shows the commitment grade it read."""
    friday = await quiet_friday(time_skipping_env)
    cadre = cadre_facts(unique("cadre"), community_activities=6, commitment_grade="不合格")
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[cadre.id] = cadre
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(
            client, task_queue, rules.active.version, cadre, friday + 7 * DAY
        )
        try:
            await eventually(handle, asked)
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await handle.execute_update(
                    DualAssessmentWorkflow.submit_opinion,
                    inbound("assessment.opinion_submitted", opinion_data(cadre, "优秀")),
                )
            await handle.execute_update(
                DualAssessmentWorkflow.submit_opinion,
                inbound("assessment.opinion_submitted", opinion_data(cadre, "称职")),
            )
            await eventually(handle, lambda v: v.snapshot.status == "opinion_ready")
            await handle.signal(
                DualAssessmentWorkflow.assessment_closed,
                inbound("assessment.closed", {"subject_id": cadre.id}),
            )
            await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    message = str(refused.value.cause)
    assert "党员亮相承诺年终评价为“不合格”" in message
    assert "少于 4 次" not in message
    timeline = store.timeline(handle.id)
    evidence = entries(timeline, "evidence_gathered")[0].trace
    assert evidence is not None
    assert evidence["result"]["commitment_grade"] == "不合格"
    checked = entries(timeline, "grade_checked")[0].trace
    assert checked is not None
    assert checked["rule_id"] == "cadre_commitment_failed"
    assert checked["result"]["best_allowed"] == "称职"
    assert checked["inputs"]["evidence.commitment_grade"] == "不合格"
    [event] = store.events(handle.id)
    assert event.data["evidence"]["commitment_grade"] == "不合格"


async def test_cadre_who_never_reported_in_is_judged_where_they_live(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A cadre who never reported in is assessed by the residence community, and no 优秀."""
    friday = await quiet_friday(time_skipping_env)
    cadre = cadre_facts(
        unique("cadre"), reported_in=False, report_community_id="", community_activities=6
    )
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[cadre.id] = cadre
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(
            client, task_queue, rules.active.version, cadre, friday + 7 * DAY
        )
        try:
            opened = await eventually(handle, asked)
            # Sent as a signal (no validator): the refusal is recorded instead.
            await handle.signal(
                DualAssessmentWorkflow.event,
                inbound(
                    "assessment.opinion_submitted", opinion_data(cadre, "优秀", "secretary-west")
                ),
            )
            refused = await eventually(
                handle, lambda v: bool(entries(v.timeline, "opinion_refused"))
            )
        finally:
            await stop(handle)

    assert opened.snapshot.community_id == "c-west"
    consulted = entries(store.timeline(handle.id), "consulted_org_decided")[0].trace
    assert consulted is not None
    assert consulted["rule_id"] == "cadre_residence"
    entry = entries(refused.timeline, "opinion_refused")[0]
    assert entry.actor == "secretary-west"
    assert "未到社区报到" in entry.summary
    assert entry.trace is not None
    assert entry.trace["rule_id"] == "cadre_not_reported"
    assert refused.tasks[0].status is TaskStatus.OPEN


@pytest.mark.parametrize(
    ("subject", "rule_steps"),
    [
        (unit_facts("u-np", org_type="non_public_enterprise"), ["resident_units"]),
        (cadre_facts("c-np", party_member=False), ["in_service_cadres"]),
    ],
    ids=["non-public-enterprise", "non-member-cadre"],
)
async def test_out_of_scope_subject_closes_at_once_with_the_reason(
    time_skipping_env: WorkflowEnvironment,
    client: Client,
    task_queue: str,
    tmp_path: Path,
    subject: SubjectFacts,
    rule_steps: list[str],
) -> None:
    """A subject no scope rule covers is closed at once, with the rules it was checked against,
    and the assessing system is told no opinion will come."""
    subject = subject.model_copy(update={"id": unique(subject.id)})
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[subject.id] = subject
    closes_at = await time_skipping_env.get_current_time() + 30 * DAY
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(client, task_queue, rules.active.version, subject, closes_at)
        try:
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert result.status == "out_of_scope"
    scope = entries(result.timeline, "scope_decided")[0].trace
    assert scope is not None
    assert scope["result"] is False
    assert [step["rule_id"] for step in scope["steps"]][: len(rule_steps)] == rule_steps
    assert store.snapshot(handle.id).tasks == []
    [event] = store.events(handle.id)
    assert event.type == "grassroots.assessment.opinion_ready"
    assert (event.data["opinion"], event.data["flagged"]) == (None, False)
    assert event.data["consulted"] is False
    assert event.data["reason"] == "不属于规则规定的征求意见范围"


async def test_no_community_found_waits_for_an_authorised_assignment(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """When no rule finds a community, a street committee member names one and the task opens."""
    friday = await quiet_friday(time_skipping_env)
    cadre = cadre_facts(
        unique("cadre"), reported_in=False, report_community_id="", residence_community_id=""
    )
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[cadre.id] = cadre
    async with case_worker(client, task_queue, rules, registry):
        handle = await open_assessment(
            client, task_queue, rules.active.version, cadre, friday + 7 * DAY
        )
        try:
            waiting = await eventually(handle, lambda v: v.snapshot.status == "awaiting_assignment")
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await handle.execute_update(
                    DualAssessmentWorkflow.assign_consulted_org,
                    AssignInput(org_id="c-north", actor="grid-1", role="grid_branch"),
                )
            await handle.execute_update(
                DualAssessmentWorkflow.assign_consulted_org,
                AssignInput(
                    org_id="c-north",
                    actor="street-1",
                    role="street_committee",
                    reason="工作单位所在",
                ),
            )
            assigned = await eventually(handle, asked)
        finally:
            await stop(handle)

    assert "无权指定社区" in str(refused.value.cause)
    assert "assignment_needed" in kinds(waiting.timeline)
    assert assigned.snapshot.community_id == "c-north"
    tasks = {task.spec.task_id: task for task in assigned.tasks}
    assert tasks["opinion"].spec.owner == "c-north"
    assert tasks["assign"].status is TaskStatus.ANSWERED
    assert entries(assigned.timeline, "consulted_org_assigned")[0].actor == "street-1"


async def test_unanswered_opinion_holds_escalates_and_closes_only_on_override(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Past due: yellow then red card to the street; the case holds until an authorised override."""
    friday = await quiet_friday(time_skipping_env)
    closes_at = friday + 7 * DAY
    unit = unit_facts(unique("unit"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[unit.id] = unit
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(client, task_queue, rules.active.version, unit, closes_at)
        try:
            await eventually(handle, asked)
            await sleep_until(time_skipping_env, friday + HOUR)
            held = await eventually(handle, lambda v: v.snapshot.status == "held")
            await sleep_until(time_skipping_env, friday + 10 * DAY + HOUR)
            red = await view(handle)
            await handle.signal(
                DualAssessmentWorkflow.assessment_closed,
                inbound("assessment.closed", {"subject_id": unit.id}),
            )
            still = await eventually(
                handle, lambda v: bool(entries(v.timeline, "assessment_closed"))
            )
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await handle.execute_update(
                    DualAssessmentWorkflow.override_hold,
                    OverrideInput(actor="secretary-east", role="community_secretary", reason="忙"),
                )
            await handle.execute_update(
                DualAssessmentWorkflow.override_hold,
                OverrideInput(actor="street-1", role="street_committee", reason="社区书记空缺"),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert held.snapshot.level is CardLevel.NORMAL
    policy = entries(held.timeline, "deadline_policy_decided")[0].trace
    assert policy is not None
    assert (policy["rule_id"], policy["result"]) == ("opinion_task", "hold")
    escalations = entries(red.timeline, "escalation")
    assert [(e.level, e.detail["to"]) for e in escalations] == [
        (CardLevel.YELLOW, "street_committee"),
        (CardLevel.RED, "street_committee"),
    ]
    assert [e.detail["scheduled_at"] for e in escalations] == [
        (friday + 3 * DAY).isoformat(),
        (friday + 10 * DAY).isoformat(),
    ]
    assert red.snapshot.level is CardLevel.RED
    assert still.snapshot.status == "held"
    assert "须补交意见或授权放行" in entries(still.timeline, "assessment_closed")[0].summary
    assert "无权授权放行" in str(refused.value.cause)
    assert result.status == "overridden"
    [event] = store.events(handle.id)
    assert event.data["opinion"] is None
    assert event.data["flagged"] is True
    assert event.data["override"]["actor"] == "street-1"
    escalated = [n for n in store.notifications(handle.id) if n.kind == "escalation"]
    assert [(n.to, n.level) for n in escalated] == [
        ("street_committee", CardLevel.YELLOW),
        ("street_committee", CardLevel.RED),
    ]
    # As people read them once stored: the community by its registry name, the role by its label.
    [task] = held.tasks
    assert task.schedule is not None
    community, due = {task.spec.owner: "东关社区"}, show(task.schedule.due_at)
    assert [name_mentions(n.message, community) for n in escalated] == [
        f"黄牌督办：任务「出具社区党组织意见」（承办：东关社区，期限 {due}）升级至街道党工委督办",
        f"红牌通报：任务「出具社区党组织意见」（承办：东关社区，期限 {due}）升级至街道党工委督办",
    ]
    opened = name_mentions(entries(held.timeline, "opened")[0].summary, community)
    assert opened == f"任务「出具社区党组织意见」开启，承办：东关社区，期限 {due}"
    assert store.snapshot(handle.id).tasks[0].status is TaskStatus.CANCELLED


async def test_assessment_opened_after_its_window_closed_is_escalated_at_once(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """An assessment that opens with ``closes_at`` two months past holds at once and the street
    committee gets one 红牌 at once, which the case store and the Web UI details show; the
    reminders for the long-closed window are never sent."""
    closes_at = await time_skipping_env.get_current_time() - 60 * DAY
    unit = unit_facts(unique("unit"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[unit.id] = unit
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(client, task_queue, rules.active.version, unit, closes_at)
        try:
            held = await eventually(
                handle,
                lambda v: v.snapshot.status == "held" and bool(entries(v.timeline, "escalation")),
            )
            projected = await _projected_escalation(store, handle.id)
            shown = await details(handle)
            await handle.execute_update(
                DualAssessmentWorkflow.override_hold,
                OverrideInput(actor="street-1", role="street_committee", reason="考核已结束"),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    [task] = held.tasks
    assert task.schedule is not None
    opened_at = task.schedule.opened_at
    assert task.schedule.due_at < closes_at
    [escalation] = entries(held.timeline, "escalation")
    assert (escalation.level, escalation.detail["to"]) == (CardLevel.RED, "street_committee")
    assert escalation.detail["scheduled_at"] == opened_at.isoformat()
    assert escalation.at - opened_at < MINUTE  # at once, not at a timer
    assert held.snapshot.level is CardLevel.RED
    assert projected.level is CardLevel.RED
    assert "警示：红牌" in shown
    notifications = store.notifications(handle.id)
    assert [(n.kind, n.to, n.level, n.at) for n in notifications] == [
        ("escalation", "street_committee", CardLevel.RED, escalation.at),
    ]
    assert notifications[0].message.startswith("红牌通报（任务开启时已逾期）：")
    assert result.status == "overridden"


async def _projected_escalation(store: CaseStore, case_id: str) -> CaseSnapshot:
    """The case store's snapshot from the projection that carried the first escalation."""
    for _ in range(200):
        for call in store.calls:
            if call.snapshot.case_id == case_id and any(
                n.kind == "escalation" for n in call.notifications
            ):
                return call.snapshot
        await asyncio.sleep(0.03)
    raise AssertionError("no escalation reached the case store")


async def test_close_without_opinion_rule_closes_the_case_flagged_at_due(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Under close_without_opinion, no opinion by the due time closes the case, flagged."""
    friday = await quiet_friday(time_skipping_env)
    unit = unit_facts(unique("unit"))
    registry = FakeRegistry()
    rules = await rule_registry(
        tmp_path,
        {"dual_assessment.yaml": [("on_deadline: hold", "on_deadline: close_without_opinion")]},
    )
    registry.subjects[unit.id] = unit
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await open_assessment(
            client, task_queue, rules.active.version, unit, friday + 7 * DAY
        )
        try:
            await eventually(handle, asked)
            await sleep_until(time_skipping_env, friday + HOUR)
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert result.status == "closed_without_opinion"
    assert result.summary["flagged"] is True
    assert entries(result.timeline, "escalation") == []
    [event] = store.events(handle.id)
    assert (event.data["opinion"], event.data["flagged"]) == (None, True)
    assert event.data["reason"] == "社区党组织逾期未出具意见"


async def test_repeated_events_are_applied_once(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """The start event, a repeated opinion and a repeated close each count once."""
    friday = await quiet_friday(time_skipping_env)
    unit = unit_facts(unique("unit"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[unit.id] = unit
    async with case_worker(client, task_queue, rules, registry) as store:
        opened = inbound("assessment.opened", opened_data(unit, friday + 7 * DAY))
        handle = await start_case(
            client, task_queue, assessment_id(unit), opened, rules.active.version
        )
        try:
            await eventually(handle, asked)
            opinion = inbound("assessment.opinion_submitted", opinion_data(unit, "好"))
            await handle.signal(DualAssessmentWorkflow.event, opinion)
            await handle.signal(DualAssessmentWorkflow.event, opinion)
            await handle.signal(DualAssessmentWorkflow.event, opened)
            await eventually(handle, lambda v: v.snapshot.status == "opinion_ready")
            again = await handle.execute_update(DualAssessmentWorkflow.submit_opinion, opinion)
            closed = inbound("assessment.closed", {"subject_id": unit.id})
            await handle.signal(DualAssessmentWorkflow.event, closed)
            await handle.signal(DualAssessmentWorkflow.assessment_closed, closed)
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert again.message == "该意见已受理（重复提交）"
    assert kinds(result.timeline).count("answered") == 1
    assert kinds(result.timeline).count("assessment_closed") == 1
    assert "event_ignored" not in kinds(result.timeline)
    assert len(store.events(handle.id)) == 1
