"""P2 年检登记 sign-offs on the time-skipping server: a condition with a field the case does not
know is refused on the spot, naming the field, rather than followed up under the default time
limit; a condition in the fields it knows is followed up as written."""

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from tests.workflows.case_support import (
    DAY,
    FakeRegistry,
    case_worker,
    entries,
    eventually,
    inbound,
    rule_registry,
    stop,
    view,
)
from tests.workflows.test_annual_inspection import _asked, _march_monday, _org, _request, _signoff
from workflows.annual_inspection import AnnualInspectionWorkflow

_JOIN = "10日内加入社区大党委"


async def test_a_condition_with_an_unknown_field_is_refused_naming_it(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A condition's time limit written as ``due`` is not silently dropped for the rules' 30
    days: the sign-off is refused with the unknown field and the fields a condition takes, the
    case is unchanged, and the same condition with ``within`` is then accepted."""
    monday = await _march_monday(time_skipping_env)
    org, year = _org(), monday.year
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    async with case_worker(client, task_queue, rules, registry):
        handle = await _request(client, task_queue, rules.active.version, org, year, monday)
        try:
            before = await eventually(handle, _asked)
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await handle.execute_update(
                    AnnualInspectionWorkflow.signoff,
                    inbound(
                        "inspection.signoff",
                        _signoff(org, year, "conditional", conditions={"text": _JOIN, "due": "x"}),
                    ),
                )
            unchanged = await view(handle)
            fixed = {"text": _JOIN, "within": "10d"}
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound("inspection.signoff", _signoff(org, year, "conditional", conditions=fixed)),
            )
            signed = await time_skipping_env.get_current_time()
            following = await eventually(
                handle,
                lambda v: v.snapshot.status == "conditional" and v.snapshot.due_at is not None,
            )
        finally:
            await stop(handle)

    reason = str(refused.value.cause)
    assert "签署数据有误" in reason
    assert "条件含无法识别的字段 due（可用：text、kind、within）" in reason
    assert unchanged == before
    assert following.snapshot.due_at is not None
    assert abs(following.snapshot.due_at - (signed + 10 * DAY)) < timedelta(seconds=5)


async def test_conditions_in_the_fields_the_case_knows_are_followed_up(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """The inbox's sign-off (text, kind and time limit per condition, a plain-text condition,
    and the task, case key and actor it adds at the top) is accepted: each condition gets its
    task, the 大党委 one with its own time limit and the other with the rules' 30 days."""
    monday = await _march_monday(time_skipping_env)
    org, year = _org(), monday.year
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    conditions = [{"text": _JOIN, "kind": "join_big_committee", "within": "10d"}, "明确党建联络员"]
    async with case_worker(client, task_queue, rules, registry):
        handle = await _request(client, task_queue, rules.active.version, org, year, monday)
        try:
            await eventually(handle, _asked)
            data = _signoff(org, year, "conditional", conditions=conditions, task_id="signoff-1")
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff, inbound("inspection.signoff", data)
            )
            signed = await time_skipping_env.get_current_time()
            following = await eventually(
                handle, lambda v: len(v.tasks) == 3 and all(t.schedule for t in v.tasks)
            )
        finally:
            await stop(handle)

    join, other = following.tasks[1:]
    assert join.spec.title == f"落实签署条件：{_JOIN}"
    assert other.spec.title == "落实签署条件：明确党建联络员"
    assert join.schedule is not None
    assert other.schedule is not None
    assert abs(join.schedule.due_at - (signed + 10 * DAY)) < timedelta(seconds=5)
    assert abs(other.schedule.due_at - (signed + 30 * DAY)) < timedelta(seconds=5)
    [received] = entries(following.timeline, "signoff_received")
    assert [c["kind"] for c in received.detail["conditions"]] == ["join_big_committee", "other"]


async def test_a_sign_off_sent_while_the_org_asks_again_says_the_new_task_is_coming(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Between a remediation and the next sign-off task (the registry being read again), a
    sign-off is refused with a reason that says the new task is on its way, not that the
    inspection's sign-off is over; once the task is out, the same sign-off is accepted."""
    monday = await _march_monday(time_skipping_env)
    org, year = _org(), monday.year
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    async with case_worker(client, task_queue, rules, registry):
        handle = await _request(client, task_queue, rules.active.version, org, year, monday)
        try:
            await eventually(handle, _asked)
            denied = _signoff(org, year, "denied", reasons="未加入大党委")
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff, inbound("inspection.signoff", denied)
            )
            await eventually(handle, lambda v: v.snapshot.status == "denied")
            registry.org_reads_open.clear()
            joined = {"org_id": org.id, "community_id": "c-east", "date": monday.date().isoformat()}
            await handle.signal(
                AnnualInspectionWorkflow.org_joined_big_committee,
                inbound("org.joined_big_committee", joined),
            )
            await eventually(handle, lambda v: bool(entries(v.timeline, "joined_big_committee")))
            granted = inbound("inspection.signoff", _signoff(org, year, "granted"))
            with pytest.raises(WorkflowUpdateFailedError) as early:
                await handle.execute_update(AnnualInspectionWorkflow.signoff, granted)
            registry.org_reads_open.set()
            await eventually(
                handle, lambda v: _asked(v) and v.tasks[-1].spec.task_id == "signoff-2"
            )
            again = inbound("inspection.signoff", _signoff(org, year, "granted"))
            accepted = await handle.execute_update(AnnualInspectionWorkflow.signoff, again)
        finally:
            registry.org_reads_open.set()
            await stop(handle)

    assert "第 2 次申请的签署任务即将发出，请稍候再提交" in str(early.value.cause)
    assert accepted.message == "签署意见已受理"
