"""People acting from the UI: the task inbox, answering a task, the notification inbox."""

import httpx
from sqlalchemy import select

from activities.outbox import OutboxDelivery
from db.case_tables import ProcessedEvent, TimelineEvent
from tests.api.conftest import Api
from tests.api.databases import on_each_database

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
