"""P3 流动党员 on the time-skipping server, driven by the default rules.

Every case starts at the server's current time (which only moves forward, test after test);
expected due times are computed with the same calendar arithmetic as the calendar activity.
"""

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.testing import WorkflowEnvironment

from activities.calendar import ChinaCalendar, shift
from models.case import ProjectCaseInput
from models.case_actions import CaseResult
from models.deadline import CardLevel, TaskStatus
from models.duration import Duration
from models.events import CaseStartInput, InboundEvent
from models.floating_member import OriginReplyInput, PlaceInput, RefuseInput
from tests.workflows.case_support import (
    details,
    entries,
    finish,
    inbound,
    rule_registry,
    sleep_until,
    start_case,
)
from tests.workflows.floating_support import (
    COMMUNITY,
    STREET,
    FakeFloatingRegistry,
    HookedStore,
    floating_worker,
    member_event,
    new_member,
    registration,
    until,
)
from workflows.deadline_text import show
from workflows.floating_member import FloatingMemberWorkflow

CHINA = ChinaCalendar()
Handle = WorkflowHandle[Any, CaseResult]


def _after(at: datetime, text: str) -> datetime:
    return shift(at, Duration.parse(text), calendar=CHINA)


def _case(member_id: str) -> str:
    return f"floating_member/{member_id}"


async def _register(
    client: Client, task_queue: str, version: str, data: dict[str, Any], **event: Any
) -> Handle:
    """Start a case as the API does for ``member.registered``."""
    start = inbound("member.registered", data, **event)
    return await start_case(client, task_queue, _case(data["member_id"]), start, version)


async def _signal(handle: Handle, kind: str, event: InboundEvent) -> None:
    await handle.signal(kind, event)


def _active(view: Any) -> bool:
    """Placed, and every contact task's schedule resolved."""
    dues = [t.due_at for t in view.snapshot.tasks if t.status is TaskStatus.OPEN]
    snapshot = view.snapshot
    return bool(snapshot.status == "active" and dues and snapshot.due_at == min(dues))


@pytest.fixture
async def rules(tmp_path: Path) -> Any:
    return await rule_registry(tmp_path)


async def test_placed_down_the_four_levels_by_address_and_occupation(
    client: Client, task_queue: str, rules: Any
) -> None:
    """A teacher joins their own unit's household with a mentor; a courier the new-sector branch."""
    version = rules.active.version
    async with floating_worker(client, task_queue, rules) as (store, registry):
        teacher_id, courier_id = new_member(), new_member()
        teacher = await _register(client, task_queue, version, registration(teacher_id, unit=2))
        courier = await _register(
            client, task_queue, version, registration(courier_id, occupation="快递员")
        )
        seen = await until(teacher, _active)
        placement = seen.state.placement
        assert placement is not None
        assert (placement.branch, placement.grid_id, placement.building_id) == (
            "grid",
            "df-g1",
            "df-b1",
        )
        assert (placement.household_id, placement.match) == ("hh-b1-u2", "same_unit")
        # r-old is over the mentor age limit; r-b1 lives in the same building.
        assert placement.mentor_id == "r-b1"
        tasks = {t.owner: t for t in seen.snapshot.tasks if t.status is TaskStatus.OPEN}
        registered = seen.state.registered_at
        assert tasks["hh-b1-u2"].due_at == _after(registered, "P1M")
        assert tasks["df-g1"].due_at == _after(registered, "P3M")
        assert seen.snapshot.due_at == _after(registered, "P1M")  # GrDueAt: the next contact
        text = await details(teacher)
        assert "编入：东风社区大党委 → df-g1网格党支部 → df-b1党小组 → 党员中心户 hh-b1-u2" in text
        assert "帮带人：r-b1" in text
        assert "状态：已流入（在管）" in text
        assert "下次联系：" in text
        assert teacher_id in registry.households["hh-b1-u2"].members

        courier_view = await until(courier, _active)
        assert courier_view.state.placement is not None
        assert courier_view.state.placement.branch == "new_sector"
        assert courier_view.state.placement.household_id == ""
        owners = [t.owner for t in courier_view.snapshot.tasks if t.status is TaskStatus.OPEN]
        assert owners == [f"{COMMUNITY}/new_sector"]
        await until(courier, lambda v: bool(store.events(_case(courier_id))))
        placed = [e for e in store.events(_case(courier_id)) if e.type.endswith("placed")]
        assert placed[0].data["branch"] == "new_sector"
        assert courier_id in registry.statuses
        assert registry.statuses[courier_id][-1] == "in"


async def test_full_households_pass_the_member_on_and_a_person_places_when_none_has_room(
    client: Client, task_queue: str, rules: Any
) -> None:
    """A full household is passed over; with no room in the grid, staff place the member."""
    version = rules.active.version
    async with floating_worker(client, task_queue, rules) as (store, registry):
        registry.fill("hh-b1-u1")
        registry.taken_meanwhile.add("hh-b1-u2")  # fills up between look-up and recording
        near_id = new_member()
        near = await _register(client, task_queue, version, registration(near_id, unit=1))
        seen = await until(near, _active)
        assert seen.state.placement is not None
        assert (seen.state.placement.household_id, seen.state.placement.match) == (
            "hh-b2",
            "same_grid",
        )
        timeline = store.timeline(_case(near_id))
        assert len(entries(timeline, "household_full")) == 1

        registry.fill("hh-b9")
        far_id = new_member()
        far = await _register(client, task_queue, version, registration(far_id, building=9))
        waiting = await until(far, lambda v: v.snapshot.status == "awaiting_assignment")
        manual = [t for t in waiting.snapshot.tasks if t.task_id.startswith("assign-")]
        assert manual[0].owner == COMMUNITY
        assert "待人工编入党组织" in await details(far)
        with pytest.raises(WorkflowUpdateFailedError) as viewer:
            await far.execute_update(
                FloatingMemberWorkflow.place,
                PlaceInput(branch="grid", household_id="hh-b9", actor="李干事", role="viewer"),
            )
        refusal = "角色“viewer”无权办理（可办理：系统管理员、社区工作人员、街道党工委）"
        assert refusal in str(viewer.value.cause)
        with pytest.raises(WorkflowUpdateFailedError) as full:
            await far.execute_update(
                FloatingMemberWorkflow.place,
                PlaceInput(
                    branch="grid", household_id="hh-b9", actor="李干事", role="community_staff"
                ),
            )
        assert "已满员" in str(full.value.cause)
        result = await far.execute_update(
            FloatingMemberWorkflow.place,
            PlaceInput(
                branch="grid",
                grid_id="df-g1",
                household_id="hh-b2",
                actor="李干事",
                role="community_staff",
                reason="邻近网格中心户有空位",
            ),
        )
        assert "hh-b2" in result.message
        placed = await until(far, _active)
        assert placed.state.placement is not None
        assert placed.state.placement.manual
        assert (placed.state.placement.grid_id, placed.state.placement.household_id) == (
            "df-g1",
            "hh-b2",
        )
        done = [t for t in placed.snapshot.tasks if t.task_id.startswith("assign-")]
        assert done[0].status is TaskStatus.ANSWERED


async def test_home_organisation_refusal_or_an_expired_letter_refuses_the_registration(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, rules: Any
) -> None:
    """The home organisation's "no" and an out-of-date letter each close the case with a reason."""
    version = rules.active.version
    now = await time_skipping_env.get_current_time()
    async with floating_worker(client, task_queue, rules) as (store, registry):
        doubted_id = new_member()
        doubted = await _register(
            client, task_queue, version, registration(doubted_id, credential="介绍信")
        )
        asking = await until(doubted, lambda v: v.snapshot.status == "confirming")
        origin = next(t for t in asking.snapshot.tasks if t.task_id == "origin")
        assert origin.due_at == _after(asking.state.registered_at, "10wd")
        with pytest.raises(WorkflowUpdateFailedError):
            await doubted.execute_update(
                FloatingMemberWorkflow.confirm_origin,
                OriginReplyInput(confirmed=False, actor="李干事", role="community_staff"),
            )
        await doubted.execute_update(
            FloatingMemberWorkflow.confirm_origin,
            OriginReplyInput(
                confirmed=False, actor="李干事", role="community_staff", reason="原支部查无此人"
            ),
        )
        result = await finish(time_skipping_env, doubted)
        assert result.status == "refused"
        assert result.summary["refusal"] == "原党组织不予确认：原支部查无此人"
        closed = [e for e in store.events(_case(doubted_id)) if e.type.endswith("closed")]
        assert closed[0].data["ending"] == "refused"
        assert registry.statuses[doubted_id][-1] == "refused"

        late_id = new_member()
        issued = (now - timedelta(days=130)).date().isoformat()
        late = await _register(
            client,
            task_queue,
            version,
            registration(late_id, credential="介绍信", credential_issued_on=issued),
        )
        refused = await finish(time_skipping_env, late)
        assert refused.status == "refused"
        assert "介绍信开具于" in refused.summary["refusal"]
        assert "已过期" in refused.summary["refusal"]

        staff_id = new_member()
        doubtful = await _register(
            client, task_queue, version, registration(staff_id, credential="证明信")
        )
        await until(doubtful, lambda v: v.snapshot.status == "confirming")
        await doubtful.execute_update(
            FloatingMemberWorkflow.refuse,
            RefuseInput(actor="李干事", role="community_staff", reason="证明信与本人信息不符"),
        )
        assert (await finish(time_skipping_env, doubtful)).status == "refused"


async def test_an_overdue_origin_reply_lets_the_member_in_while_the_check_escalates(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, rules: Any
) -> None:
    """No reply in ten working days: the member is placed, the check turns yellow, then closes."""
    env = time_skipping_env
    async with floating_worker(client, task_queue, rules) as (store, _):
        member_id = new_member()
        handle = await _register(
            client, task_queue, rules.active.version, registration(member_id, credential="证明信")
        )
        asking = await until(handle, lambda v: v.snapshot.status == "confirming")
        due = _after(asking.state.registered_at, "10wd")
        await sleep_until(env, _after(due, "1wd") + timedelta(hours=1))
        seen = await until(handle, _active)
        origin = next(t for t in seen.snapshot.tasks if t.task_id == "origin")
        assert (origin.status, origin.level) == (TaskStatus.OPEN, CardLevel.YELLOW)
        assert entries(store.timeline(_case(member_id)), "origin_overdue")
        await handle.execute_update(
            FloatingMemberWorkflow.confirm_origin,
            OriginReplyInput(confirmed=True, actor="李干事", role="community_staff"),
        )
        confirmed = await until(handle, lambda v: v.state.origin == "confirmed")
        origin = next(t for t in confirmed.snapshot.tasks if t.task_id == "origin")
        assert origin.status is TaskStatus.ANSWERED


async def test_a_contact_moves_the_schedule_and_a_missed_one_reminds_then_escalates(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, rules: Any
) -> None:
    """The household's visit sets the next due a month on; missing it reminds, then climbs up."""
    env = time_skipping_env
    async with floating_worker(client, task_queue, rules) as (store, _):
        member_id = new_member()
        handle = await _register(
            client, task_queue, rules.active.version, registration(member_id, unit=2)
        )
        start = (await until(handle, _active)).state.registered_at
        await sleep_until(env, start + timedelta(days=20))
        visit = await env.get_current_time()
        await _signal(
            handle, "contacted", member_event("contacted", member_id, visit, by="hh-b1-u2")
        )
        moved = await until(handle, lambda v: v.state.contacts[0].last_contact_at == visit)
        monthly = moved.state.contacts[0]
        assert monthly.level == "central_household"
        task = next(t for t in moved.snapshot.tasks if t.task_id == monthly.task_id)
        assert task.due_at == _after(visit, "P1M")
        grid = moved.state.contacts[1]
        assert grid.last_contact_at == start  # a household visit does not stand for the grid's
        answered = [t for t in moved.snapshot.tasks if t.status is TaskStatus.ANSWERED]
        assert [t.owner for t in answered] == ["hh-b1-u2"]

        red = _after(_after(visit, "P1M"), "15wd")
        await sleep_until(env, red + timedelta(hours=1))
        late = await until(handle, lambda v: v.snapshot.level is CardLevel.RED)
        notes = [n for n in store.notifications(_case(member_id)) if n.task_id == monthly.task_id]
        assert [(n.kind, n.to, n.level) for n in notes] == [
            ("reminder", "hh-b1-u2", CardLevel.NORMAL),
            ("escalation", "df-g1", CardLevel.YELLOW),
            ("escalation", COMMUNITY, CardLevel.RED),
        ]
        reminder_at = visit + (_after(visit, "P1M") - visit) * 0.8  # 80% of the interval
        assert abs(notes[0].at - reminder_at) < timedelta(seconds=1)
        assert late.state.cycles >= 2  # the task rode through continue-as-new with its points


async def test_six_months_unheard_of_is_lost_contact_until_a_sign_of_life(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, rules: Any
) -> None:
    """Settled six months prompts the transfer; six silent months flag 失联 until a contact."""
    env = time_skipping_env
    now = await env.get_current_time()
    arrived = (now - timedelta(days=150)).date()
    async with floating_worker(client, task_queue, rules) as (store, registry):
        member_id = new_member()
        data = registration(member_id, unit=2, arrived_on=arrived.isoformat())
        handle = await _register(client, task_queue, rules.active.version, data)
        start = (await until(handle, _active)).state.registered_at
        await sleep_until(env, _after(start, "P6M") + timedelta(hours=1))
        lost = await until(handle, lambda v: v.snapshot.status == "lost_contact")
        case_id = _case(member_id)
        kinds = [e.type.removeprefix("grassroots.member.") for e in store.events(case_id)]
        assert kinds.index("transfer_prompted") < kinds.index("lost_contact")
        assert lost.snapshot.summary["lost_reasons"] == [
            f"自 {show(start)} 起无联系记录",
            "流入后未参加组织生活",
        ]
        assert "失联：" in await details(handle)
        assert registry.statuses[member_id][-1] == "lost_contact"
        prompt = entries(store.timeline(case_id), "transfer_prompted")[0]
        assert prompt.trace is not None
        assert prompt.trace["rule_id"] == "transfer_prompt_after"

        back = await env.get_current_time()
        await _signal(handle, "contacted", member_event("contacted", member_id, back, by="网格员"))
        found = await until(handle, _active)
        assert found.state.lost_contact_at is None
        assert found.snapshot.summary["lost_reasons"] == []
        assert registry.statuses[member_id][-1] == "in"


async def test_attendance_below_the_threshold_escalates_once_to_branch_and_community(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, rules: Any
) -> None:
    """Missing Party life three times in a row alerts the grid branch and the community, once."""
    env = time_skipping_env
    async with floating_worker(client, task_queue, rules) as (store, _):
        member_id = new_member()
        handle = await _register(
            client, task_queue, rules.active.version, registration(member_id, unit=2)
        )
        seen = await until(handle, _active)
        placed = seen.state.invite_anchors["themed_party_day"]
        await sleep_until(env, placed + timedelta(days=5))
        day = await env.get_current_time()
        await _signal(
            handle, "attended", member_event("attended", member_id, day, activity="主题党日")
        )
        await until(handle, lambda v: v.state.last_party_life_at == day)
        await sleep_until(env, _after(placed, "P2M") + timedelta(hours=1))
        warned = await until(handle, lambda v: len(v.state.alerts) == 2)
        assert warned.snapshot.summary["attendance"] == {
            "invited": 4,
            "attended": 1,
            "rate": 0.25,
            "consecutive_missed": 3,
        }
        await sleep_until(env, _after(placed, "P3M") + timedelta(hours=1))
        await until(handle, lambda v: v.state.invite_rounds["themed_party_day"] == 4)
        case_id = _case(member_id)
        alerts = [n for n in store.notifications(case_id) if n.task_id == "party_life"]
        assert sorted(n.to for n in alerts) == sorted(["df-g1", COMMUNITY])
        events = [e for e in store.events(case_id) if e.type.endswith("attendance_alert")]
        assert sorted(e.data["rule"] for e in events) == ["consecutive_absence", "low_attendance"]
        invited = entries(store.timeline(case_id), "invited")
        assert (
            invited[0].summary == "组织生活通知：主题党日、党小组会、支部党员大会、党课、组织生活会"
        )
        assert invited[1].summary.startswith(
            "组织生活通知：主题党日、党小组会（上期：主题党日已参加"
        )


async def test_moving_within_re_places_moving_away_closes_and_returning_resumes(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, rules: Any
) -> None:
    """A move in the community changes household; leaving closes; coming back reopens the case."""
    env = time_skipping_env
    version = rules.active.version
    async with floating_worker(client, task_queue, rules) as (store, registry):
        member_id = new_member()
        handle = await _register(client, task_queue, version, registration(member_id, unit=2))
        grid_task = (await until(handle, _active)).state.contacts[1].task_id
        now = await env.get_current_time()
        moved = member_event(
            "moved_out", member_id, now, destination=f"{STREET}2号楼1单元502室", reason="换租"
        )
        await _signal(handle, "moved_out", moved)
        seen = await until(
            handle,
            lambda v: v.state.placement is not None and v.state.placement.household_id == "hh-b2",
        )
        assert seen.snapshot.status == "active"
        owners = sorted(t.owner for t in seen.snapshot.tasks if t.status is TaskStatus.OPEN)
        assert owners == ["df-g1", "hh-b2"]
        assert seen.state.contacts[1].task_id == grid_task  # same grid: its contact task stays
        assert member_id in registry.households["hh-b2"].members
        assert member_id not in registry.households["hh-b1-u2"].members

        away = member_event(
            "moved_out",
            member_id,
            now,
            destination="稷山县新华街1号新华小区1号楼",
            reason="工作调动",
        )
        await _signal(handle, "moved_out", away)
        result = await finish(env, handle)
        assert result.status == "moved_out"
        assert result.summary["destination"] == "稷山县新华街1号新华小区1号楼"
        assert result.summary["reason"] == "工作调动"
        assert registry.statuses[member_id][-1] == "out"
        assert member_id not in registry.households["hh-b2"].members

        await sleep_until(env, now + timedelta(days=40))
        returned = member_event("returned", member_id, await env.get_current_time())
        again = await client.start_workflow(
            "floating_member",
            CaseStartInput(event=returned, rule_version=version),
            id=_case(member_id),
            task_queue=task_queue,
            result_type=CaseResult,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            start_signal="returned",
            start_signal_args=[returned],
        )
        back = await until(again, _active)
        assert back.state.placement is not None
        assert back.state.placement.household_id == "hh-b2"
        # CaseStore.timeline checks each projection numbers on from the last, across both stays.
        timeline = store.timeline(_case(member_id))
        assert [e.kind for e in timeline].count("case_opened") == 2
        assert entries(timeline, "returned")


async def test_two_years_of_cycles_keep_history_bounded_and_lose_no_signal(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, rules: Any
) -> None:
    """Two years of monthly visits and meetings: every event counted once, history stays small."""
    env = time_skipping_env
    store = HookedStore()
    registry = FakeFloatingRegistry(store)
    member_id = new_member()
    sent: list[str] = []

    async def visit(handle: Handle, note: str) -> None:
        at = await env.get_current_time()
        event = member_event("contacted", member_id, at, by="hh-b1-u2", note=note)
        await _signal(handle, "contacted", event)
        sent.append(note)

    async def month(handle: Handle, anchor: datetime, number: int) -> None:
        await sleep_until(env, _after(anchor, f"P{number}M") - timedelta(days=3))
        await visit(handle, f"m{number}-before")
        at = await env.get_current_time()
        for activity in ("主题党日", "党小组会"):
            meeting = member_event("attended", member_id, at, activity=activity)
            await _signal(handle, "attended", meeting)
        # More visits race the month's tick and its continue-as-new.
        burst = [visit(handle, f"m{number}-burst{i}") for i in range(3)]
        await asyncio.gather(env.sleep(timedelta(days=4)), *burst)

    async def at_the_boundary(step: ProjectCaseInput) -> None:
        """The month's invitations are being stored: the run is about to continue as new."""
        if any(e.kind == "invited" for e in step.timeline) and step.first_seq > 0:
            await visit(client.get_workflow_handle(_case(member_id)), f"seq{step.first_seq}")

    store.hooks.append(at_the_boundary)
    # The first worker caches nothing: each workflow task replays the run from its history.
    async with floating_worker(client, task_queue, rules, registry, cache=0, keep=True):
        handle = await _register(
            client, task_queue, rules.active.version, registration(member_id, unit=2)
        )
        anchor = (await until(handle, _active)).state.invite_anchors["themed_party_day"]
        first_run = await handle.fetch_history()
        for number in range(1, 3):
            await month(handle, anchor, number)
    # An event sent while no worker runs waits in Temporal until one is back.
    await visit(handle, "while-down")
    async with floating_worker(client, task_queue, rules, registry):
        for number in range(3, 25):
            await month(handle, anchor, number)
        final = await until(handle, lambda v: v.state.cycles >= 24)
        contacted = [e for e in store.timeline(_case(member_id)) if e.kind == "contacted"]
        assert len([n for n in sent if n.startswith("seq")]) >= 24
        assert sorted(e.detail["note"] for e in contacted) == sorted(sent)  # each once
        assert final.snapshot.summary["attendance"]["rate"] >= 0.5
        assert final.state.alerts == []
        assert final.state.lost_contact_at is None
        assert final.snapshot.status == "active"
        assert len(first_run.events) < 200
        assert len((await handle.fetch_history()).events) < 200
