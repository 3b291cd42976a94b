"""P2 年检登记 cases of case-engine revision ANSWERS_ENGINE on the time-skipping server: an
organisation of unknown type waits for a sign-off, a block that becomes final is sent again, a
join before a conditional sign-off meets its 大党委 condition, and the inbox confirms one
condition at a time. A case of an earlier revision keeps its path."""

from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from rules.engine.facts import OrgFacts
from tests.workflows.case_support import (
    CaseStore,
    FakeRegistry,
    case_worker,
    entries,
    eventually,
    finish,
    inbound,
    rule_registry,
    start_case,
    stop,
    unique,
)
from tests.workflows.test_annual_inspection import _asked, _march_monday, _org, _request, _signoff
from workflows.annual_inspection import AnnualInspectionWorkflow
from workflows.case import ANSWERS_ENGINE


def _types(store: CaseStore, case_id: str) -> list[str]:
    return [event.type.rsplit(".", 1)[1] for event in store.events(case_id)]


def _joined(org: OrgFacts, on: str) -> dict[str, Any]:
    return {"org_id": org.id, "community_id": "c-east", "date": on}


async def test_org_the_registry_does_not_know_waits_for_a_street_signoff(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A mistyped or unregistered org id is not waved through: the case says the registry does
    not know it, asks the street committee to sign off by the year-end fallback, and clears the
    gate only once signed."""
    monday = await _march_monday(time_skipping_env)
    org = OrgFacts(id=unique("typo"))  # not in the registry
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await _request(client, task_queue, rules.active.version, org, monday.year, monday)
        try:
            asked = await eventually(handle, _asked)
            gate_before = _types(store, handle.id)
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound("inspection.signoff", _signoff(org, monday.year, "granted")),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert gate_before == []
    assert asked.tasks[0].spec.owner == "street_committee"
    [unknown] = entries(result.timeline, "scope_unknown")
    assert "登记库中无此组织，不掌握其组织类型" in unknown.summary
    assert "须经社区党组织签署意见" in unknown.summary
    assert entries(result.timeline, "scope_decided") == []
    assert entries(result.timeline, "window_missing") != []
    assert result.summary["window_closes"].startswith(f"{monday.year}-12-31T23:59:59")
    assert result.status == "cleared"
    [cleared] = store.events(handle.id)
    assert (cleared.data["signoff_required"], cleared.data["decision"]) == (True, "granted")


async def test_org_of_a_type_the_rules_do_not_know_needs_a_signoff(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A registered org whose type is missing waits for its community's sign-off."""
    org = _org(org_type="")
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    year = (await time_skipping_env.get_current_time()).year + 1
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await _request(client, task_queue, rules.active.version, org, year)
        try:
            asked = await eventually(handle, _asked)
        finally:
            await stop(handle)

    assert asked.tasks[0].spec.owner == "c-east"
    [unknown] = entries(asked.timeline, "scope_unknown")
    assert unknown.summary.startswith("登记库未登记该组织的类型")
    assert store.events(handle.id) == []


async def test_a_case_of_an_earlier_engine_revision_keeps_clearing_an_unknown_org(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """Cases started before ANSWERS_ENGINE keep their recorded path (released at once)."""
    org = OrgFacts(id=unique("typo"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    year = (await time_skipping_env.get_current_time()).year + 1
    event = inbound("inspection.requested", {"org_id": org.id, "year": year})
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await start_case(
            client,
            task_queue,
            f"annual_inspection/{org.id}/{year}",
            event,
            rules.active.version,
            engine=ANSWERS_ENGINE - 1,
        )
        try:
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert result.status == "not_required"
    [cleared] = store.events(handle.id)
    assert cleared.data["signoff_required"] is False


async def test_a_denial_that_may_not_be_asked_again_is_sent_as_final(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """At the rules' limit of requests a denial blocks for good, and the registrar hears it:
    a second ``inspection.blocked`` with ``final`` and why it is final."""
    monday = await _march_monday(time_skipping_env)
    org, year = _org(), monday.year
    edits = {"annual_inspection.yaml": [("max_requests: 3", "max_requests: 1")]}
    registry, rules = FakeRegistry(), await rule_registry(tmp_path, edits)
    registry.orgs[org.id] = org
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await _request(client, task_queue, rules.active.version, org, year, monday)
        try:
            await eventually(handle, _asked)
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound("inspection.signoff", _signoff(org, year, "denied", reasons="无党组织")),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert result.status == "blocked"
    assert _types(store, handle.id) == ["blocked", "blocked"]
    denied, final = store.events(handle.id)
    assert (denied.data["final"], final.data["final"]) == (False, True)
    assert final.data["reasons"] == ["无党组织", "不能再次申请：已申请 1 次，达到上限"]
    assert final.id == f"{handle.id}/blocked/2"
    assert entries(result.timeline, "case_closed")[0].summary.startswith("年检登记被阻断：无党组织")


async def test_a_join_before_a_conditional_signoff_meets_its_big_committee_condition(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """The org joins the 大党委 while the sign-off is pending; the conditional sign-off that
    asks it to join is met at once and the inspection is cleared with its conditions met."""
    monday = await _march_monday(time_skipping_env)
    org, year = _org(), monday.year
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    condition = {"kind": "join_big_committee", "text": "30日内加入社区大党委", "within": "30d"}
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await _request(client, task_queue, rules.active.version, org, year, monday)
        try:
            await eventually(handle, _asked)
            await handle.signal(
                AnnualInspectionWorkflow.event,
                inbound("org.joined_big_committee", _joined(org, monday.date().isoformat())),
            )
            await eventually(handle, lambda v: bool(entries(v.timeline, "joined_big_committee")))
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound(
                    "inspection.signoff", _signoff(org, year, "conditional", conditions=condition)
                ),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    assert result.status == "cleared"
    assert _types(store, handle.id) == ["cleared", "cleared"]
    assert store.events(handle.id)[1].data["conditions_met"] is True
    [met] = entries(result.timeline, "conditions_confirmed")
    assert "已加入社区大党委" in met.summary
    assert met.detail["task_id"] == "condition-1-1"
    assert [t.task_id for t in store.snapshot(handle.id).tasks] == ["signoff-1"]


async def test_the_inbox_confirms_the_condition_of_its_task_only(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A confirmation naming a condition's task meets that condition; the other stays open
    until it is confirmed too, and only then is the gate's follow-up done."""
    monday = await _march_monday(time_skipping_env)
    org, year = _org(), monday.year
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.orgs[org.id] = org
    conditions = ["明确党建联络员", "参加一次大党委活动"]
    async with case_worker(client, task_queue, rules, registry) as store:
        handle = await _request(client, task_queue, rules.active.version, org, year, monday)
        try:
            await eventually(handle, _asked)
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound(
                    "inspection.signoff",
                    _signoff(org, year, "conditional", conditions=conditions),
                ),
            )
            await eventually(handle, lambda v: v.snapshot.status == "conditional")
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound(
                    "inspection.signoff", _signoff(org, year, "granted", task_id="condition-1-2")
                ),
            )
            one = await eventually(
                handle, lambda v: bool(entries(v.timeline, "conditions_confirmed"))
            )
            await handle.execute_update(
                AnnualInspectionWorkflow.signoff,
                inbound(
                    "inspection.signoff", _signoff(org, year, "granted", task_id="condition-1-1")
                ),
            )
            result = await finish(time_skipping_env, handle)
        finally:
            await stop(handle)

    status = {t.spec.task_id: t.status.value for t in one.tasks}
    assert status == {"signoff-1": "answered", "condition-1-1": "open", "condition-1-2": "answered"}
    assert one.snapshot.status == "conditional"
    first, second = entries(result.timeline, "conditions_confirmed")
    assert first.summary == "社区确认签署条件已落实：参加一次大党委活动"
    assert second.summary == "社区确认签署条件已落实：明确党建联络员"
    assert result.status == "cleared"
    assert _types(store, handle.id) == ["cleared", "cleared"]
