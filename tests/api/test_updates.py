"""Updates: a case accepts or refuses an event on the spot, and a missing worker is a retry."""

import uuid

from temporalio.client import WorkflowExecutionStatus

from db.base import utcnow
from db.cases import upsert_case
from models.case import CaseSnapshot
from models.events import CaseStartInput, InboundEvent
from tests.api.conftest import Api, event
from tests.api.databases import on_each_database

pytestmark = on_each_database


async def test_refused_update_is_422_with_the_reason_and_can_be_sent_again(api: Api) -> None:
    """The case's refusal comes back as 422 with its reason; a corrected event is applied."""
    case_id = await api.open_probe()
    probe_id = case_id.split("/")[1]
    await api.wait_for_entries(case_id, 2)
    before = await api.counts()
    refused = event("grassroots.probe.decided", {"probe_id": probe_id, "decision": "refuse"})
    response = await api.send(refused)
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/refused"
    assert "不予受理" in response.json()["detail"]
    assert await api.counts() == before

    accepted = event("grassroots.probe.decided", {"probe_id": probe_id, "decision": "close"})
    response = await api.send(accepted)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "applied",
        "case_id": case_id,
        "result": {"decision": "close"},
    }
    closed = await api.wait_for(case_id, status="closed")
    assert closed["status"] == "closed"
    result = await api.env.client.get_workflow_handle(case_id).result()
    assert result["decision"] == "close"


async def test_update_without_a_worker_is_503_and_records_nothing(api_without_worker: Api) -> None:
    """Without a worker the sender gets 503 with Retry-After, and the case page its projection."""
    api = api_without_worker
    probe_id = uuid.uuid4().hex[:12]
    case_id = f"community_worker/{probe_id}"
    opened = InboundEvent(id="o", source="urn:test", type="grassroots.probe.opened", data={})
    handle = await api.env.client.start_workflow(
        "community_worker",
        CaseStartInput(event=opened, rule_version="v"),
        id=case_id,
        task_queue=f"nobody-{uuid.uuid4()}",
    )
    api.cases.add(case_id)
    before = await api.counts()
    decided = event("grassroots.probe.decided", {"probe_id": probe_id, "decision": "close"})
    response = await api.send(decided)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "send the event again" in response.json()["detail"]
    assert await api.counts() == before
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING

    async with api.sessions() as session:
        snapshot = CaseSnapshot(
            case_id=case_id, process="community_worker", status="open", opened_at=utcnow()
        )
        await upsert_case(await session.connection(), snapshot)
        await session.commit()
    detail = await api.http.get(f"/api/cases/{case_id}", headers=api.auth("admin"))
    assert detail.status_code == 200
    assert detail.json()["live"] == {"source": "projection", "state": None}
