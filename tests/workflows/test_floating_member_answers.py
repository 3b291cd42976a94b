"""P3's people-facing tasks answered by event on the time-skipping server: the home
organisation's reply (``member.origin_confirmed``) and a manual placement (``member.assigned``),
as the inbox and other systems send them — accepted or refused on the spot, a repeat applied once.
"""

from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.case_actions import CaseResult
from models.deadline import TaskStatus
from models.events import InboundEvent
from tests.workflows.case_support import entries, finish, inbound, rule_registry, start_case
from tests.workflows.floating_support import (
    floating_worker,
    new_member,
    registration,
    until,
)
from workflows.floating_member import FloatingMemberWorkflow

Handle = WorkflowHandle[Any, CaseResult]


def _case(member_id: str) -> str:
    return f"floating_member/{member_id}"


async def _register(client: Client, task_queue: str, version: str, data: dict[str, Any]) -> Handle:
    start = inbound("member.registered", data)
    return await start_case(client, task_queue, _case(data["member_id"]), start, version)


def _origin(member_id: str, **data: Any) -> InboundEvent:
    return inbound("member.origin_confirmed", {"member_id": member_id, "actor": "李干事", **data})


def _task(view: Any, prefix: str) -> Any:
    return next(t for t in view.snapshot.tasks if t.task_id.startswith(prefix))


@pytest.fixture
async def rules(tmp_path: Path) -> Any:
    return await rule_registry(tmp_path)


async def test_a_confirmed_origin_by_event_places_the_member_and_a_repeat_is_applied_once(
    client: Client, task_queue: str, rules: Any
) -> None:
    """The reply sent twice (say, a retry from another system) is recorded once; the case moves
    on to placement; a reply when none is awaited any more is refused with the reason."""
    async with floating_worker(client, task_queue, rules) as (store, _):
        member_id = new_member()
        handle = await _register(
            client, task_queue, rules.active.version, registration(member_id, credential="介绍信")
        )
        await until(handle, lambda v: v.snapshot.status == "confirming")
        reply = _origin(member_id, confirmed=True)
        first = await handle.execute_update(FloatingMemberWorkflow.origin_confirmed, reply)
        assert first.message == "已记录原党组织确认"
        again = await handle.execute_update(
            FloatingMemberWorkflow.origin_confirmed, reply, id="a-retry-with-another-update-id"
        )
        assert "重复提交" in again.message
        placed = await until(handle, lambda v: v.snapshot.status == "active")
        assert placed.state.origin == "confirmed"
        assert _task(placed, "origin").status is TaskStatus.ANSWERED
        assert placed.state.placement is not None
        assert len(entries(store.timeline(_case(member_id)), "origin_confirmed")) == 1

        with pytest.raises(WorkflowUpdateFailedError) as late:
            await handle.execute_update(
                FloatingMemberWorkflow.origin_confirmed, _origin(member_id, confirmed=True)
            )
        assert "没有待回复的原党组织核实" in str(late.value.cause)


async def test_a_refused_origin_by_event_needs_a_reason_and_refuses_the_registration(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, rules: Any
) -> None:
    """A "not confirmed" without a reason is refused on the spot; with one, the case closes."""
    async with floating_worker(client, task_queue, rules) as (_, registry):
        member_id = new_member()
        handle = await _register(
            client, task_queue, rules.active.version, registration(member_id, credential="证明信")
        )
        await until(handle, lambda v: v.snapshot.status == "confirming")
        with pytest.raises(WorkflowUpdateFailedError) as bare:
            await handle.execute_update(
                FloatingMemberWorkflow.origin_confirmed, _origin(member_id, confirmed="false")
            )
        assert "须写明理由" in str(bare.value.cause)
        with pytest.raises(WorkflowUpdateFailedError) as malformed:
            await handle.execute_update(
                FloatingMemberWorkflow.origin_confirmed, _origin(member_id, confirmed="也许")
            )
        assert "confirmed" in str(malformed.value.cause)
        await handle.execute_update(
            FloatingMemberWorkflow.origin_confirmed,
            _origin(member_id, confirmed="false", reason="原支部查无此人"),
        )
        result = await finish(time_skipping_env, handle)
        assert result.status == "refused"
        assert result.summary["refusal"] == "原党组织不予确认：原支部查无此人"
        assert registry.statuses[member_id][-1] == "refused"


async def test_a_manual_placement_by_event_places_the_member_once(
    client: Client, task_queue: str, rules: Any
) -> None:
    """With no household with room, staff place the member by event: a full household is
    refused with the reason, a placement before one is awaited is refused, and the accepted
    placement sent again is applied once."""
    async with floating_worker(client, task_queue, rules) as (store, registry):
        early_id = new_member()
        early = await _register(
            client, task_queue, rules.active.version, registration(early_id, credential="介绍信")
        )
        await until(early, lambda v: v.snapshot.status == "confirming")
        with pytest.raises(WorkflowUpdateFailedError) as not_yet:
            await early.execute_update(
                FloatingMemberWorkflow.assigned,
                inbound("member.assigned", {"member_id": early_id, "actor": "李干事"}),
            )
        assert "案件不在待人工编入状态" in str(not_yet.value.cause)

        registry.fill("hh-b9")
        member_id = new_member()
        handle = await _register(
            client, task_queue, rules.active.version, registration(member_id, building=9)
        )
        await until(handle, lambda v: v.snapshot.status == "awaiting_assignment")
        assign = {"member_id": member_id, "actor": "李干事", "branch": "grid"}
        with pytest.raises(WorkflowUpdateFailedError) as full:
            await handle.execute_update(
                FloatingMemberWorkflow.assigned,
                inbound("member.assigned", {**assign, "household_id": "hh-b9"}),
            )
        assert "已满员" in str(full.value.cause)
        event = inbound(
            "member.assigned",
            {**assign, "grid_id": "df-g1", "household_id": "hh-b2", "mentor_id": "r-host"},
        )
        result = await handle.execute_update(FloatingMemberWorkflow.assigned, event)
        assert "hh-b2" in result.message
        again = await handle.execute_update(
            FloatingMemberWorkflow.assigned, event, id="the-same-event-again"
        )
        assert "重复提交" in again.message
        placed = await until(handle, lambda v: v.snapshot.status == "active")
        placement = placed.state.placement
        assert placement is not None
        assert (placement.grid_id, placement.household_id, placement.mentor_id) == (
            "df-g1",
            "hh-b2",
            "r-host",
        )
        assert placement.manual
        assert _task(placed, "assign-").status is TaskStatus.ANSWERED
        assert len(entries(store.timeline(_case(member_id)), "placed")) == 1
