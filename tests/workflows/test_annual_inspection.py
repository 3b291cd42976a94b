"""P2 年检登记 on the time-skipping server, driven by the default rules (and edited copies).

Annual reports are filed from 1 January, so each case is requested on a Monday between 5 and 11
March of a year ahead of the server's clock (no holiday or make-up day falls in 5-28 March): the
sign-off is due five working days later, the next Monday; the yellow card is the Tuesday after
that and the red card the Tuesday a week later. The New Year test backdates a request to
December 2025, where the official 2026 schedule is known.
"""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.case_actions import CaseResult, CaseView
from models.deadline import CardLevel, TaskStatus
from rules.engine.facts import OrgFacts
from tests.workflows.case_support import (
    DAY,
    HOUR,
    CaseStore,
    FakeRegistry,
    case_worker,
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
from tests.workflows.deadline_support import CST
from workflows.annual_inspection import AnnualInspectionWorkflow


def _org(**changes: Any) -> OrgFacts:
    base: dict[str, Any] = {
        "id": unique("org"),
        "org_type": "property_company",
        "community_id": "c-east",
        "big_committee_member": False,
        "has_party_org": False,
        "has_liaison": True,
        "big_committee_activities": 0,
        "months_registered": 40,
        "employees": 25,
        "party_members": 1,
    }
    return OrgFacts(**{**base, **changes})


def _signoff(org: OrgFacts, year: int, decision: str, **fields: Any) -> dict[str, Any]:
    return {
        "org_id": org.id,
        "year": year,
        "decision": decision,
        "actor": "secretary-east",
        **fields,
    }


def _asked(v: CaseView) -> bool:
    """A sign-off task is open with its due time resolved."""
    return v.snapshot.status == "awaiting_signoff" and v.snapshot.due_at is not None


async def _march_monday(env: WorkflowEnvironment) -> datetime:
    """Move the clock to a Monday 09:00 China time between 5 and 11 March, and return it."""
    now = await env.get_current_time()
    year = now.year
    while True:
        start = datetime(year, 3, 5, 9, tzinfo=CST)
        monday = start + timedelta(days=-start.weekday() % 7)
        if monday > now + HOUR:
            break
        year += 1
    await sleep_until(env, monday)
    return monday


async def _request(
    client: Client,
    task_queue: str,
    version: str,
    org: OrgFacts,
    year: int,
    at: datetime | None = None,
) -> WorkflowHandle[Any, CaseResult]:
    event = inbound("inspection.requested", {"org_id": org.id, "year": year}, time=at)
    return await start_case(
        client, task_queue, f"annual_inspection/{org.id}/{year}", event, version
    )


def _types(store: CaseStore, case_id: str) -> list[str]:
    return [event.type.rsplit(".", 1)[1] for event in store.events(case_id)]


async def test_blind_spot_org_is_checked_and_cleared_only_after_signoff(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A property company is checked item by item, reminded, and cleared once signed off."""
    monday = await _march_monday(time_skipping_env)
    org = _org()
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await _request(client, task_queue, rules.active.version, org, monday.year, monday)
        try:
            asked = await eventually(handle, _asked)
            await sleep_until(time_skipping_env, monday + 7 * DAY - HOUR)
            gate_before = _types(store, handle.id)
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound("inspection.signoff", _signoff(org, monday.year, "granted")),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert asked.snapshot.due_at == monday + 7 * DAY
    assert asked.tasks[0].spec.owner == "c-east"
    assert gate_before == []
    timeline = store.timeline(handle.id)
    scope = entries(timeline, "scope_decided")[0].trace
    assert scope is not None
    assert (scope["result"], scope["inputs"]["org.org_type"]) == (True, "property_company")
    window = entries(timeline, "window_decided")[0].trace
    assert window is not None
    assert window["rule_id"] == "market_annual_report"
    items = entries(timeline, "checklist_item")
    assert [(e.detail["item"], e.detail["passed"]) for e in items] == [
        ("big_committee_member", False),
        ("party_org_or_liaison", True),
        ("party_org_where_required", True),
        ("big_committee_activities", False),
    ]
    first = items[0].trace
    assert first is not None
    assert first["rule_id"] == "big_committee_member"
    assert first["inputs"] == {"org.big_committee_member": False}
    assert items[3].summary.endswith("（参考项）")
    reminders = [n for n in store.notifications(handle.id) if n.kind == "reminder"]
    assert [(n.to, n.message[:4]) for n in reminders] == [("c-east", "临期提醒")]
    assert result.status == "cleared"
    [cleared] = store.events(handle.id)
    assert cleared.type == "grassroots.inspection.cleared"
    assert cleared.data["decision"] == "granted"
    assert cleared.data["window"]["authority"] == "市场监督管理部门"
    assert [item["passed"] for item in cleared.data["checklist"]] == [False, True, True, False]


@pytest.mark.parametrize(
    ("changes", "reason", "rule_id"),
    [
        ({"org_type": "agency"}, "组织类型不在年检征求意见范围", "scope"),
        (
            {"org_type": "social_organization", "months_registered": 4},
            "成立登记未满六个月的社会组织当年免检",
            "social_org_newly_registered",
        ),
    ],
    ids=["agency", "new-social-organisation"],
)
async def test_org_needing_no_signoff_is_released_at_once_with_the_reason(
    time_skipping_env: WorkflowEnvironment,
    client: Client,
    task_queue: str,
    tmp_path: Path,
    changes: dict[str, Any],
    reason: str,
    rule_id: str,
) -> None:
    """An agency, or a social organisation under six months old, needs no community sign-off."""
    org = _org(**changes)
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    year = (await time_skipping_env.get_current_time()).year
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await _request(client, task_queue, rules.active.version, org, year)
        try:
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert result.status == "not_required"
    scope = entries(result.timeline, "scope_decided")[0].trace
    assert scope is not None
    assert (scope["result"], scope["rule_id"]) == (False, rule_id)
    [event] = store.events(handle.id)
    assert event.type == "grassroots.inspection.cleared"
    assert (event.data["signoff_required"], event.data["reason"]) == (False, reason)


async def test_denied_org_remediates_by_joining_and_is_cleared_on_request_two(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A denial blocks with reasons; after joining the 大党委 a new sign-off clears the gate."""
    monday = await _march_monday(time_skipping_env)
    org, year = _org(), monday.year
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await _request(client, task_queue, rules.active.version, org, year, monday)
        try:
            await eventually(handle, _asked)
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound(
                    "inspection.signoff", _signoff(org, year, "denied", reasons="未加入大党委")
                ),
            )
            denied = await eventually(handle, lambda v: v.snapshot.status == "denied")
            registry.orgs[org.id] = org.model_copy(update={"big_committee_member": True})
            joined = {"org_id": org.id, "community_id": "c-east", "date": monday.date().isoformat()}
            await handle.signal(
                AnnualInspectionWorkflow.org_joined_big_committee,
                inbound("org.joined_big_committee", joined),
            )
            again = await eventually(
                handle, lambda v: _asked(v) and v.tasks[-1].spec.task_id == "signoff-2"
            )
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound("inspection.signoff", _signoff(org, year, "granted")),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    remediation = entries(denied.timeline, "remediation_decided")[0].trace
    assert remediation is not None
    assert (remediation["rule_id"], remediation["result"]) == ("remediation", True)
    assert [t.status for t in denied.tasks] == [TaskStatus.ANSWERED]
    rechecked = [e for e in entries(again.timeline, "checklist_item") if e.detail["request"] == 2]
    assert rechecked[0].detail == {
        "item": "big_committee_member",
        "required": True,
        "passed": True,
        "request": 2,
    }
    assert result.status == "cleared"
    assert _types(store, handle.id) == ["blocked", "cleared"]
    blocked, cleared = store.events(handle.id)
    assert blocked.data["reasons"] == ["未加入大党委"]
    assert blocked.data["final"] is False
    assert (cleared.data["requests"], cleared.id) == (2, f"{handle.id}/cleared/1")


async def test_denied_org_that_never_remediates_stays_blocked_after_the_deadline(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Without remediation by 30 June the case ends blocked, and the registrar is told that the
    block is now final; no second request is opened."""
    monday = await _march_monday(time_skipping_env)
    org, year = _org(), monday.year
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await _request(client, task_queue, rules.active.version, org, year, monday)
        try:
            await eventually(handle, _asked)
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound("inspection.signoff", _signoff(org, year, "denied", reasons=["无联络员"])),
            )
            await eventually(handle, lambda v: v.snapshot.status == "denied")
            await sleep_until(time_skipping_env, datetime(year, 7, 1, 9, tzinfo=CST))
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert result.status == "blocked"
    assert _types(store, handle.id) == ["blocked", "blocked"]
    denied, final = store.events(handle.id)
    assert (denied.data["final"], denied.data["reasons"]) == (False, ["无联络员"])
    assert final.data["final"] is True
    assert final.data["reasons"] == ["无联络员", "法定期限截止前未整改再次申请"]
    assert final.time >= datetime(year, 6, 30, 23, 59, tzinfo=CST)
    closed = entries(result.timeline, "case_closed")[0]
    assert closed.at >= datetime(year, 6, 30, 23, 59, tzinfo=CST)
    assert "法定期限截止前未整改" in closed.summary


async def test_conditional_signoff_is_released_and_followed_up_until_met(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Conditional clears the gate; joining the 大党委 meets the condition and ends the case."""
    monday = await _march_monday(time_skipping_env)
    org, year = _org(), monday.year
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    condition = {"kind": "join_big_committee", "text": "30日内加入社区大党委", "within": "30d"}
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await _request(client, task_queue, rules.active.version, org, year, monday)
        try:
            await eventually(handle, _asked)
            signed = await time_skipping_env.get_current_time()
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound(
                    "inspection.signoff", _signoff(org, year, "conditional", conditions=condition)
                ),
            )
            following = await eventually(
                handle,
                lambda v: v.snapshot.status == "conditional" and v.snapshot.due_at is not None,
            )
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await handle.execute_update(
                    AnnualInspectionWorkflow.signoff,
                    inbound("inspection.signoff", _signoff(org, year, "denied", reasons="反悔")),
                )
            joined = {"org_id": org.id, "community_id": "c-east", "date": monday.date().isoformat()}
            await handle.signal(
                AnnualInspectionWorkflow.event, inbound("org.joined_big_committee", joined)
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    task = following.tasks[-1]
    assert task.spec.task_id == "condition-1-1"
    assert task.spec.title == "落实签署条件：30日内加入社区大党委"
    assert following.snapshot.due_at is not None
    assert abs(following.snapshot.due_at - (signed + 30 * DAY)) < timedelta(seconds=5)
    assert "只能以“同意”确认" in str(refused.value.cause)
    assert result.status == "cleared"
    assert _types(store, handle.id) == ["cleared", "cleared"]
    conditional, met = store.events(handle.id)
    assert conditional.data["decision"] == "conditional"
    assert conditional.data["conditions"][0]["kind"] == "join_big_committee"
    assert met.data["conditions_met"] is True
    assert "conditions_confirmed" in [e.kind for e in result.timeline]


async def test_lapsed_condition_blocks_the_gate(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A condition still unmet after its 30 days blocks the inspection, saying which."""
    monday = await _march_monday(time_skipping_env)
    org, year = _org(), monday.year
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await _request(client, task_queue, rules.active.version, org, year, monday)
        try:
            await eventually(handle, _asked)
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound(
                    "inspection.signoff",
                    _signoff(org, year, "conditional", conditions="明确党建联络员"),
                ),
            )
            await eventually(handle, lambda v: v.snapshot.status == "conditional")
            await sleep_until(time_skipping_env, monday + 40 * DAY)
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert result.status == "blocked"
    assert _types(store, handle.id) == ["cleared", "blocked"]
    blocked = store.events(handle.id)[1]
    assert blocked.data["reasons"] == ["签署条件逾期未落实：明确党建联络员"]
    policy = entries(result.timeline, "lapse_policy_decided")[0].trace
    assert policy is not None
    assert (policy["rule_id"], policy["result"]) == ("conditional", "block")


async def test_overdue_signoff_escalates_and_never_releases_by_itself(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Unsigned past due: the registrar is told the gate is blocked (not finally), yellow then
    red card to the street, and the gate stays shut until signed."""
    monday = await _march_monday(time_skipping_env)
    org, year = _org(), monday.year
    due = monday + 7 * DAY
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await _request(client, task_queue, rules.active.version, org, year, monday)
        try:
            await eventually(handle, _asked)
            await sleep_until(time_skipping_env, due + 9 * DAY)
            overdue = await view(handle)
            gate = _types(store, handle.id)
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound("inspection.signoff", _signoff(org, year, "granted")),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert overdue.snapshot.status == "signoff_overdue"
    assert overdue.snapshot.level is CardLevel.RED
    escalations = entries(overdue.timeline, "escalation")
    # One working day after Monday's due is Tuesday; six are the Tuesday after.
    assert [(e.detail["to"], e.detail["scheduled_at"]) for e in escalations] == [
        ("street_committee", (due + DAY).isoformat()),
        ("street_committee", (due + 8 * DAY).isoformat()),
    ]
    assert gate == ["blocked"]
    blocked, cleared = store.events(handle.id)
    assert blocked.data["reasons"] == ["社区党组织逾期未签署意见"]
    assert blocked.data["final"] is False
    assert abs(blocked.time - due) < timedelta(seconds=5)
    assert result.status == "cleared"
    assert cleared.type == "grassroots.inspection.cleared"
    answered = entries(result.timeline, "answered")[0]
    assert answered.detail["late"] is True


async def test_invalid_signoffs_are_refused_and_change_nothing(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Incomplete sign-offs are refused on the spot, or noted in the timeline when signalled."""
    org = _org()
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    year = (await time_skipping_env.get_current_time()).year + 1
    async with case_worker(client, task_queue, rules, registry):
        handle = await _request(client, task_queue, rules.active.version, org, year)
        try:
            before = await eventually(handle, _asked)
            messages = []
            for data in (
                _signoff(org, year, "denied"),
                _signoff(org, year, "conditional"),
                _signoff(org, year, "maybe"),
            ):
                with pytest.raises(WorkflowUpdateFailedError) as refused:
                    await handle.execute_update(
                        AnnualInspectionWorkflow.signoff, inbound("inspection.signoff", data)
                    )
                messages.append(str(refused.value.cause))
            unchanged = await view(handle)
            await handle.signal(
                AnnualInspectionWorkflow.event,
                inbound("inspection.signoff", _signoff(org, year, "denied")),
            )
            noted = await eventually(handle, lambda v: bool(entries(v.timeline, "signoff_refused")))
        finally:
            await stop(handle)

    assert "不予通过须写明理由" in messages[0]
    assert "附条件通过须写明条件" in messages[1]
    assert "签署数据有误：decision：须为 'granted'、'denied'、'conditional' 之一" in messages[2]
    assert unchanged == before
    assert noted.snapshot.status == "awaiting_signoff"
    assert "不予通过须写明理由" in entries(noted.timeline, "signoff_refused")[0].summary


async def test_signoff_due_across_the_2026_new_year_holiday(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Requested Mon 29 Dec 2025, the sign-off is due Tue 6 Jan 2026, counting make-up Sunday."""
    # By hand: 30 and 31 December are working days 1 and 2; 1-3 January are the New Year holiday;
    # Sunday 4 January 2026 is an official make-up working day (3); Monday 5 (4), Tuesday 6 (5).
    # The server's clock is past these dates: the request is backdated by the event's time.
    requested = datetime(2025, 12, 29, 9, tzinfo=CST)
    org = _org()
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await _request(client, task_queue, rules.active.version, org, 2026, requested)
        try:
            overdue = await eventually(handle, lambda v: v.snapshot.status == "signoff_overdue")
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound("inspection.signoff", _signoff(org, 2026, "granted")),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert overdue.snapshot.due_at == datetime(2026, 1, 6, 9, tzinfo=CST)
    assert overdue.tasks[0].schedule is not None
    assert overdue.tasks[0].schedule.opened_at == requested
    assert result.status == "cleared"
    assert _types(store, handle.id) == ["blocked", "cleared"]  # overdue, then signed
