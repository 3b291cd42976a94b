"""P3 on the time-skipping server: a member who moves within the community to where every
central household is full is re-assigned to the new grid at once and placed by a person later."""

import asyncio
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.common import TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment

from models.case_actions import CaseResult
from models.deadline import TaskStatus
from models.floating_member import PlaceInput
from tests.workflows.case_support import details, entries, inbound, rule_registry, start_case
from tests.workflows.floating_support import (
    COMMUNITY,
    STREET,
    floating_worker,
    member_event,
    new_member,
    registration,
    until,
)
from workflows import search_attributes as sa
from workflows.deadline_text import show
from workflows.floating_member import FloatingMemberWorkflow

Handle = WorkflowHandle[Any, CaseResult]


def _case(member_id: str) -> str:
    return f"floating_member/{member_id}"


def _open(view: Any) -> dict[str, Any]:
    """The open tasks by owner."""
    return {t.owner: t for t in view.snapshot.tasks if t.status is TaskStatus.OPEN}


async def _listed(handle: Handle) -> TypedSearchAttributes:
    """The case's search attributes once its due time is listed (the upsert lands when the
    workflow task completes, a moment after a query can already see the schedule)."""
    for _ in range(100):
        found = (await handle.describe()).typed_search_attributes
        if found.get(sa.DUE_AT) is not None:
            break
        await asyncio.sleep(0.05)
    return found


@pytest.fixture
async def rules(tmp_path: Path) -> Any:
    return await rule_registry(tmp_path)


async def test_a_move_to_a_full_grid_re_assigns_to_its_branch_until_a_person_places(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, rules: Any
) -> None:
    """Moving to building 9, whose only household is full: the grid changes, the old household's
    and grid's contacts end, the new grid keeps in touch, and staff find a household."""
    env = time_skipping_env
    version = rules.active.version
    async with floating_worker(client, task_queue, rules) as (store, registry):
        registry.fill("hh-b9")
        member_id = new_member()
        start = inbound("member.registered", registration(member_id, unit=2))
        handle: Handle = await start_case(client, task_queue, _case(member_id), start, version)
        placed = await until(handle, lambda v: v.snapshot.status == "active" and len(_open(v)) == 2)
        assert sorted(_open(placed)) == ["df-g1", "hh-b1-u2"]

        now = await env.get_current_time()
        moved = member_event(
            "moved_out", member_id, now, destination=f"{STREET}9号楼1单元101室", reason="换租"
        )
        await handle.signal("moved_out", moved)
        waiting = await until(
            handle,
            lambda v: (
                v.state.placement is not None
                and v.state.placement.grid_id == "df-g2"
                and any(t.task_id.startswith("assign-") for t in v.snapshot.tasks)
            ),
        )
        placement = waiting.state.placement
        assert placement is not None
        assert (placement.building_id, placement.household_id) == ("df-b9", "")
        assert waiting.snapshot.status == "active"  # re-assigned to the grid branch meanwhile
        tasks = _open(waiting)
        assert sorted(tasks) == sorted([COMMUNITY, "df-g2"])  # the manual placement; the grid
        assert tasks[COMMUNITY].task_id.startswith("assign-")
        assert tasks["df-g2"].task_id.startswith("contact-grid_quarterly")
        closed = {t.owner: t.status for t in waiting.snapshot.tasks if t.owner != COMMUNITY}
        assert closed["hh-b1-u2"] is TaskStatus.CANCELLED
        assert closed["df-g1"] is TaskStatus.CANCELLED
        assert member_id not in registry.households["hh-b1-u2"].members
        assert "编入：东风社区大党委 → df-g2网格党支部 → df-b9党小组" in await details(handle)
        assert entries(store.timeline(_case(member_id)), "moved_within")

        registry.households["hh-b9"].capacity = 2  # the household can take one more
        await handle.execute_update(
            FloatingMemberWorkflow.place,
            PlaceInput(branch="grid", household_id="hh-b9", actor="李干事", role="community_staff"),
        )
        settled = await until(
            handle,
            lambda v: (
                v.state.placement is not None
                and v.state.placement.household_id == "hh-b9"
                and "hh-b9" in _open(v)
            ),
        )
        tasks = _open(settled)
        assert sorted(tasks) == ["df-g2", "hh-b9"]
        assert tasks["df-g2"].task_id == waiting.state.contacts[0].task_id  # the grid's stays
        assigned = [t for t in settled.snapshot.tasks if t.task_id.startswith("assign-")]
        assert [t.status for t in assigned] == [TaskStatus.ANSWERED]
        assert member_id in registry.households["hh-b9"].members


async def test_the_web_ui_lists_the_case_by_status_community_and_next_contact(
    client: Client, task_queue: str, rules: Any
) -> None:
    """Search attributes and current details follow the member's placement and schedule."""
    async with floating_worker(client, task_queue, rules) as (_, _registry):
        member_id = new_member()
        start = inbound("member.registered", registration(member_id, building=2))
        version = rules.active.version
        handle: Handle = await start_case(client, task_queue, _case(member_id), start, version)
        view = await until(handle, lambda v: v.snapshot.status == "active" and len(_open(v)) == 2)
        household = _open(view)["hh-b2"]
        found = await _listed(handle)
        assert found.get(sa.PROCESS) == "floating_member"
        assert found.get(sa.STATUS) == "active"
        assert found.get(sa.COMMUNITY) == COMMUNITY
        assert found.get(sa.DUE_AT) == household.due_at  # the next contact, the household's
        assert found.get(sa.RULE_VERSION) == version
        assert view.state.placement is not None
        assert found.get(sa.GRID) == view.state.placement.grid_id != ""
        text = await details(handle)
        assert "状态：已流入（在管）" in text
        assert f"下次联系：{show(household.due_at)}" in text
        assert "待办：党员中心户每月联系一次" in text
