"""People acting from the UI: the task inbox, answering a task, the notification inbox."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from temporalio.worker import Worker

from activities.cases import CaseActivities
from activities.outbox import OutboxDelivery
from activities.rules import RulesActivities
from db.case_tables import ProcessedEvent, TimelineEvent
from tests.api.conftest import Api
from tests.api.databases import on_each_database
from tests.workflows.case_support import CALENDAR, inbound, rule_registry, start_case, stop
from tests.workflows.floating_support import (
    FakeFloatingRegistry,
    HookedStore,
    new_member,
    registration,
)
from workflows.floating_member import FloatingMemberWorkflow

pytestmark = on_each_database


async def test_staff_answer_a_task_from_the_inbox(api: Api) -> None:
    """Staff see their community's open task and answer it; the case takes it as an event."""
    case_id = await api.open_probe(community="c-a")
    await api.open_probe(community="c-b")
    inbox = await api.http.get("/api/tasks", headers=api.auth("staff_a"))
    assert [(t["case_id"], t["task_id"]) for t in inbox.json()["items"]] == [(case_id, "review")]
    street = await api.http.get("/api/tasks", headers=api.auth("street"))
    assert street.json()["total"] == 2

    url = f"/api/tasks/{case_id}/review/act"
    refused = await api.http.post(url, data={"decision": "refuse"}, headers=api.auth("staff_a"))
    assert refused.status_code == 422
    assert "不予受理" in refused.json()["detail"]
    for who, status in (("viewer", 403), ("staff_b", 404)):
        response = await api.http.post(url, data={"decision": "close"}, headers=api.auth(who))
        assert response.status_code == status, who
    answered = await api.http.post(
        url,
        json={"type": "grassroots.probe.decided", "data": {"decision": "close", "actor": "x"}},
        headers=api.auth("staff_a"),
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["result"] == {"decision": "close"}
    await api.wait_for(case_id, status="closed")
    detail = (await api.http.get(f"/api/cases/{case_id}", headers=api.auth("staff_a"))).json()
    assert detail["tasks"][0]["status"] == "answered"
    decided = [row for row in detail["timeline"] if row["kind"] == "decided"]
    assert decided[0]["actor"] == "staff_a"
    async with api.sessions() as session:
        sources = (await session.scalars(select(ProcessedEvent.source))).all()
        audit = await session.scalar(
            select(TimelineEvent).where(TimelineEvent.summary == "grassroots.probe.decided")
        )
    assert sorted(sources) == [
        "urn:grassroots:ui",
        "urn:test:registry-office",
        "urn:test:registry-office",
    ]
    assert audit is not None
    assert (audit.actor, audit.case_id) == ("staff_a", case_id)
    closed = await api.http.post(url, data={"decision": "close"}, headers=api.auth("staff_a"))
    assert closed.status_code == 409


async def test_notifications_reach_the_in_app_inbox_of_their_community(api: Api) -> None:
    """Without webhooks, reminders land in the in-app inbox of the case's community only."""
    case_id = await api.open_probe(community="c-a")
    await api.wait_for_entries(case_id, 2)
    async with httpx.AsyncClient() as http:
        delivered = await OutboxDelivery(api.sessions, [], http=http).deliver_due()
    assert delivered == 1
    mine = (await api.http.get("/api/notifications", headers=api.auth("staff_a"))).json()
    assert [(n["case_id"], n["destination"]) for n in mine["items"]] == [(case_id, "inbox")]
    assert mine["items"][0]["notification"]["message"] == "请按时审核"
    theirs = (await api.http.get("/api/notifications", headers=api.auth("staff_b"))).json()
    assert theirs["items"] == []


@contextlib.asynccontextmanager
async def _floating_cases(api: Api, task_queue: str, tmp_path: Path) -> AsyncIterator[Any]:
    """A worker for P3 on its own queue: the real workflow, rules and case projection into the
    app's database, over the small 东风社区 registry of the workflow tests; yields the registry."""
    rules = await rule_registry(tmp_path)
    registry = FakeFloatingRegistry(HookedStore())
    rule_files = RulesActivities(rules)
    async with Worker(
        api.env.client,
        task_queue=task_queue,
        workflows=[FloatingMemberWorkflow],
        activities=[
            CALENDAR.resolve_schedule,
            CALENDAR.resolve_schedule_by_rule,
            CALENDAR.shift,
            rule_files.fetch_rules,
            rule_files.dry_run_rules,
            registry.register,
            registry.locate,
            registry.candidates,
            registry.record,
            registry.set_status,
            registry.stored,
            CaseActivities(api.sessions).project_case,
        ],
        graceful_shutdown_timeout=timedelta(seconds=5),
    ):
        try:
            yield rules, registry
        finally:
            for case_id in api.cases:
                await stop(api.env.client.get_workflow_handle(case_id))
            api.cases.clear()


async def _open_task(api: Api, case_id: str, prefix: str) -> str:
    """The id of the case's open task starting with ``prefix``, once projected."""
    for _ in range(200):
        response = await api.http.get(f"/api/cases/{case_id}", headers=api.auth("admin"))
        if response.status_code == 200:
            for task in response.json()["tasks"]:
                if task["task_id"].startswith(prefix) and task["status"] == "open":
                    return str(task["task_id"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case_id} never showed an open {prefix} task")


async def _registered(api: Api, task_queue: str, version: str, data: dict[str, Any]) -> str:
    case_id = f"floating_member/{data['member_id']}"
    await start_case(
        api.env.client, task_queue, case_id, inbound("member.registered", data), version
    )
    api.cases.add(case_id)
    return case_id


async def test_staff_confirm_an_origin_place_a_member_and_log_a_contact_by_acting_on_tasks(
    api: Api, task_queue: str, tmp_path: Path
) -> None:
    """A floating member's origin check, manual placement and contact due are answered with
    ``POST /api/tasks/…/act`` without naming the event: each task kind maps to its own event."""
    queue = f"{task_queue}-floating"
    async with _floating_cases(api, queue, tmp_path) as (rules, registry):
        version = rules.active.version
        checked = await _registered(
            api, queue, version, registration(new_member(), credential="介绍信")
        )
        await _open_task(api, checked, "origin")
        url = f"/api/tasks/{checked}/origin/act"
        bare = await api.http.post(url, data={"confirmed": "false"}, headers=api.auth("admin"))
        assert bare.status_code == 422
        assert "须写明理由" in bare.json()["detail"]
        confirmed = await api.http.post(url, data={"confirmed": "true"}, headers=api.auth("admin"))
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["result"]["message"] == "已记录原党组织确认"
        await api.wait_for(checked, status="active")

        contact = await _open_task(api, checked, "contact-")
        now = await api.env.get_current_time()
        logged = await api.http.post(
            f"/api/tasks/{checked}/{contact}/act",
            data={"by": "admin", "channel": "电话", "date": now.isoformat()},
            headers=api.auth("admin"),
        )
        assert logged.status_code == 202, logged.text
        for _ in range(200):
            detail = (await api.http.get(f"/api/cases/{checked}", headers=api.auth("admin"))).json()
            answered = [t for t in detail["tasks"] if t["task_id"] == contact]
            if answered and answered[0]["status"] == "answered":
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"{contact} was never answered")

        registry.fill("hh-b9")
        unplaced = await _registered(api, queue, version, registration(new_member(), building=9))
        assign = await _open_task(api, unplaced, "assign-")
        placed = await api.http.post(
            f"/api/tasks/{unplaced}/{assign}/act",
            data={"branch": "grid", "grid_id": "df-g1", "household_id": "hh-b2"},
            headers=api.auth("admin"),
        )
        assert placed.status_code == 200, placed.text
        assert "hh-b2" in placed.json()["result"]["message"]
        await api.wait_for(unplaced, status="active")
        again = await api.http.post(
            f"/api/tasks/{unplaced}/{assign}/act", data={}, headers=api.auth("admin")
        )
        assert again.status_code == 409
