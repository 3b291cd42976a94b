"""``POST /events`` as other systems use it: the three modes, and every kind of bad input."""

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.casekeys import render_case_key
from db.case_tables import DeadLetter, ProcessedEvent
from rules.engine.schema.events import StartRoute
from tests.api.conftest import Api, event, probe_data
from tests.api.databases import on_each_database

pytestmark = on_each_database


async def test_start_event_opens_a_case_people_can_read(api: Api) -> None:
    """A started case shows its task, its timeline with the rule trace and its rule version.

    The case's own entries come first in its order; the API's audit row of the start event is
    stamped by the API's clock after the start returns, the opening by the case's first workflow
    task, so under load the audit row may rightly come first. The live state is the case's
    answer to a query (``Api.answered`` reads until it comes).
    """
    case_id = await api.open_probe(label="稷王社区 网格员")
    detail = await api.answered(case_id)
    assert detail["case"]["subject_label"] == "稷王社区 网格员"
    assert detail["rule_version"] == detail["case"]["rule_version"]
    assert [task["task_id"] for task in detail["tasks"]] == ["review"]
    numbered = [row for row in detail["timeline"] if row["seq"] is not None]
    assert [row["seq"] for row in numbered] == list(range(len(numbered)))
    assert numbered[0]["trace"]["rule"] == "grassroots.probe.opened"
    audited = [row for row in detail["timeline"] if row["seq"] is None]
    assert [(row["kind"], row["actor"]) for row in audited] == [("event", "client:all")]
    assert detail["live"] == {
        "source": "temporal",
        "state": {"events": ["event:grassroots.probe.opened"], "decision": None},
    }


async def test_binary_mode_is_accepted_like_structured(api: Api) -> None:
    """A CloudEvents SDK's default (ce-* headers, JSON body) starts the case the same way."""
    probe_id = uuid.uuid4().hex[:12]
    response = await api.http.post(
        "/events",
        content=json.dumps(probe_data(probe_id)),
        headers={
            **api.auth("client"),
            "content-type": "application/json",
            "ce-specversion": "1.0",
            "ce-id": "b-1",
            "ce-source": "urn:test:sdk",
            "ce-type": "grassroots.probe.opened",
        },
    )
    assert response.status_code == 202, response.text
    assert response.json() == {"status": "accepted", "case_id": f"community_worker/{probe_id}"}
    await api.wait_for(f"community_worker/{probe_id}")


async def test_batch_answers_each_event_on_its_own(api: Api) -> None:
    """In a batch, a bad event is refused with its reasons and the good ones still go through."""
    good = event("grassroots.probe.opened", probe_data(uuid.uuid4().hex[:12]))
    bad = event("grassroots.probe.opened", {"probe_id": "x"})
    del bad["id"]
    response = await api.send([good, bad], content_type="application/cloudevents-batch+json")
    assert response.status_code == 207
    first, second = response.json()["results"]
    assert first["status"] == 202
    assert first["result"]["status"] == "accepted"
    assert second["status"] == 400
    assert second["problem"]["errors"] == [{"field": "id", "message": "required"}]
    assert (await api.counts())["processed_events"] == 1


async def test_malformed_json_is_refused_and_changes_nothing(api: Api) -> None:
    """Broken JSON gets 400 with where it broke, and nothing is recorded."""
    before = await api.counts()
    response = await api.http.post(
        "/events",
        content=b'{"specversion": "1.0", "id": ',
        headers={**api.auth("client"), "content-type": "application/cloudevents+json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/malformed-json"
    assert problem["title"] == "Bad Request"
    assert problem["errors"][0]["field"] == "body"
    assert "line 1" in problem["errors"][0]["message"]
    assert await api.counts() == before


async def test_missing_attributes_are_each_named(api: Api) -> None:
    """Each missing or wrong attribute is named, in structured and in binary mode."""
    before = await api.counts()
    response = await api.send({"specversion": "0.3"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "id", "message": "required"},
        {"field": "source", "message": "required"},
        {"field": "type", "message": "required"},
        {"field": "specversion", "message": "must be 1.0"},
        {"field": "data", "message": "required"},
    ]
    response = await api.http.post(
        "/events",
        content=b"[1]",
        headers={**api.auth("client"), "content-type": "application/json", "ce-specversion": "1.0"},
    )
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [
        "id",
        "source",
        "type",
        "data",
    ]
    assert response.json()["errors"][0]["message"] == "required (ce-id header)"
    no_key = event("grassroots.probe.opened", {"community_id": "c-a"}, time="yesterday")
    response = await api.send(no_key)
    assert response.json()["errors"] == [
        {"field": "time", "message": "must be an RFC 3339 timestamp with an offset"}
    ]
    response = await api.send(event("grassroots.probe.opened", {"community_id": "c-a"}))
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "data.probe_id", "message": "required"}]
    assert await api.counts() == before


async def test_wrong_content_type_is_415(api: Api) -> None:
    """A form post or XML gets 415 naming the content types that are accepted."""
    before = await api.counts()
    response = await api.http.post(
        "/events", content=b"<event/>", headers={**api.auth("client"), "content-type": "text/xml"}
    )
    assert response.status_code == 415
    assert "application/cloudevents+json" in response.json()["detail"]
    assert await api.counts() == before


async def test_oversized_body_is_413(api: Api) -> None:
    """A body over the limit is refused before it is read as an event."""
    before = await api.counts()
    huge = event("grassroots.probe.opened", {"probe_id": "p", "blob": "x" * 20_000})
    response = await api.send(huge)
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/body-too-large"
    assert await api.counts() == before


async def test_duplicate_event_is_applied_once(api: Api) -> None:
    """Sending the same event again is answered 'duplicate' and changes nothing."""
    case_id = await api.open_probe()
    noted = event("grassroots.probe.noted", {"probe_id": case_id.split("/")[1]})
    assert (await api.send(noted)).status_code == 202
    await api.wait_for_entries(case_id, 3)
    before = await api.counts()
    again = await api.send(noted)
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "id": noted["id"]}
    assert await api.counts() == before
    handle = api.env.client.get_workflow_handle(case_id)
    state = await handle.query("state")
    assert state["events"].count("noted:grassroots.probe.noted") == 1


async def test_unknown_type_is_dead_lettered(api: Api) -> None:
    """An event type no rule routes gets 422 and waits in the dead letters, nothing else."""
    before = await api.counts()
    unknown = event("grassroots.parcel.delivered", {"parcel": "p-1"})
    response = await api.send(unknown)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/unknown-event-type"
    after = await api.counts()
    assert after == {**before, "dead_letters": before["dead_letters"] + 1}
    again = await api.send(unknown)
    assert again.json()["dead_letter"] == problem["dead_letter"]
    assert await api.counts() == after
    async with api.sessions() as session:
        letter = await session.scalar(select(DeadLetter))
    assert letter is not None
    assert letter.id == problem["dead_letter"]
    assert (letter.type, letter.event_id, letter.sender) == (
        "grassroots.parcel.delivered",
        unknown["id"],
        "client:all",
    )
    assert letter.body["data"] == {"parcel": "p-1"}
    url = f"/api/dead-letters/{letter.id}/discard"
    discarded = await api.http.post(url, headers=api.auth("admin"))
    assert discarded.status_code == 200
    assert (discarded.json()["status"], discarded.json()["replayed_by"]) == ("discarded", "admin")
    assert (await api.http.post(url, headers=api.auth("admin"))).status_code == 409


async def test_unknown_case_is_dead_lettered_and_replays_once_it_exists(api: Api) -> None:
    """A signal for a case that does not exist is kept; replayed later, it reaches the case."""
    probe_id = uuid.uuid4().hex[:12]
    early = event("grassroots.probe.noted", {"probe_id": probe_id})
    before = await api.counts()
    response = await api.send(early)
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/unknown-case"
    assert await api.counts() == {**before, "dead_letters": before["dead_letters"] + 1}
    letter_id = response.json()["dead_letter"]

    assert (await api.http.get("/api/dead-letters", headers=api.auth("staff_a"))).status_code == 403
    listed = await api.http.get("/api/dead-letters", headers=api.auth("admin"))
    assert [item["id"] for item in listed.json()["items"]] == [letter_id]

    start = event("grassroots.probe.opened", probe_data(probe_id))
    assert (await api.send(start)).status_code == 202
    url = f"/api/dead-letters/{letter_id}/replay"
    replayed = await api.http.post(url, headers=api.auth("admin"))
    assert replayed.status_code == 202, replayed.text
    letter = (
        await api.http.get(f"/api/dead-letters/{letter_id}", headers=api.auth("admin"))
    ).json()
    assert (letter["status"], letter["replayed_by"]) == ("replayed", "admin")
    assert letter["replayed_at"] is not None
    assert (await api.http.post(url, headers=api.auth("admin"))).status_code == 409
    state = await api.env.client.get_workflow_handle(f"community_worker/{probe_id}").query("state")
    assert "noted:grassroots.probe.noted" in state["events"]
    async with api.sessions() as session:
        processed = (await session.scalars(select(ProcessedEvent.event_id))).all()
    assert set(processed) == {start["id"], early["id"]}


async def test_bad_token_is_401_and_changes_nothing(api: Api) -> None:
    """Without a valid token the sender is told to authenticate, and nothing is recorded."""
    before = await api.counts()
    body = event("grassroots.probe.opened", {"probe_id": "p", "community_id": "c-a"})
    for headers in (
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
    ):
        response = await api.http.post(
            "/events",
            json=body,
            headers={**headers, "content-type": "application/cloudevents+json"},
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert await api.counts() == before


async def test_token_without_the_event_type_is_403(api: Api) -> None:
    """A sender may send only the event types granted to its token."""
    before = await api.counts()
    response = await api.send(event("grassroots.probe.noted", {"probe_id": "p"}), who="narrow")
    assert response.status_code == 403
    assert "grassroots.probe.noted" in response.json()["detail"]
    assert await api.counts() == before
    response = await api.send(event("grassroots.probe.noted", {"probe_id": "p"}), who="staff_a")
    assert response.status_code == 403
    assert await api.counts() == before


async def test_the_api_documents_itself(api: Api) -> None:
    """The OpenAPI document lists the event modes and the case endpoints for client authors."""
    document = (await api.http.get("/openapi.json")).json()
    content = document["paths"]["/events"]["post"]["requestBody"]["content"]
    assert set(content) == {
        "application/cloudevents+json",
        "application/cloudevents-batch+json",
        "application/json",
    }
    assert {"/api/cases", "/api/cases/{case_id}", "/api/tasks", "/api/login"} <= set(
        document["paths"]
    )
    missing = await api.http.get("/api/nowhere", headers=api.auth("admin"))
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


_OPENED = {
    "subject_type": "unit",
    "subject_id": "org-a",
    "occasion": "annual",
    "period": "2026",
    "closes_at": "2026-12-31T18:00:00+08:00",
}
# A start event of each process, with one field its workflow's start model refuses.
_BAD_STARTS: list[tuple[str, dict[str, Any], str]] = [
    (
        "grassroots.assessment.opened",
        {**_OPENED, "closes_at": "2026-12-40T18:00:00+08:00"},
        "data.closes_at",
    ),
    ("grassroots.assessment.opened", {**_OPENED, "subject_type": "party"}, "data.subject_type"),
    ("grassroots.inspection.requested", {"org_id": "org-a", "year": "last year"}, "data.year"),
    (
        "grassroots.member.registered",
        {
            "member_id": "m-1",
            "name": "李明",
            "home_org": "o-1",
            "credential": "介绍信",
            "address": "稷王小区",
            "occupation": "快递员",
            "phone": "13800000000",
            "arrived_on": "2026-02-30",
        },
        "data.arrived_on",
    ),
    (
        "grassroots.worker.recruited",
        {"worker_id": "w-1", "post": "mayor", "method": "open_exam"},
        "data.post",
    ),
    (
        "grassroots.commitment.submitted",
        {"member_id": "m-1", "year": 2026, "items": "all"},
        "data.items",
    ),
]


@pytest.mark.parametrize(
    ("event_type", "data", "field"), _BAD_STARTS, ids=[bad[2] for bad in _BAD_STARTS]
)
async def test_start_event_with_invalid_data_is_refused_and_starts_nothing(
    api: Api, event_type: str, data: dict[str, Any], field: str
) -> None:
    """A start event whose data its process would reject gets 400 naming the bad field; no case
    is started (it would end as rejected and keep its id from the corrected event)."""
    before = await api.counts()
    response = await api.send(event(event_type, data))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert await api.counts() == before
    route = next(r for t, r in api.router.rules.active.events.events.items() if t == event_type)
    assert isinstance(route, StartRoute)
    case_id = render_case_key(route.case_key, data)
    with pytest.raises(RPCError) as missing:
        await api.env.client.get_workflow_handle(case_id).describe()
    assert missing.value.status == RPCStatusCode.NOT_FOUND


async def test_corrected_start_event_opens_the_case_the_invalid_one_did_not(
    api_without_worker: Api,
) -> None:
    """After a start event with a bad date is refused, the sender's corrected event (a new id)
    opens that case."""
    api = api_without_worker
    subject = f"org-{uuid.uuid4().hex[:8]}"
    opened = {**_OPENED, "subject_id": subject}
    bad = event(
        "grassroots.assessment.opened", {**opened, "closes_at": "2026-12-40T18:00:00+08:00"}
    )
    response = await api.send(bad)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "data.closes_at"
    response = await api.send(event("grassroots.assessment.opened", opened))
    assert response.status_code == 202, response.text
    case_id = f"dual_assessment/{subject}/annual/2026"
    assert response.json() == {"status": "accepted", "case_id": case_id}
    description = await api.env.client.get_workflow_handle(case_id).describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    async with api.sessions() as session:
        processed = (await session.scalars(select(ProcessedEvent.event_id))).all()
    assert bad["id"] not in processed


async def test_batch_refuses_an_invalid_start_event_alone(api: Api) -> None:
    """In a batch, a start event with invalid data is refused with its field; the rest go on."""
    good = event("grassroots.probe.opened", probe_data(uuid.uuid4().hex[:12]))
    bad_type, bad_data, _ = _BAD_STARTS[0]
    response = await api.send(
        [good, event(bad_type, bad_data)], content_type="application/cloudevents-batch+json"
    )
    assert response.status_code == 207
    first, second = response.json()["results"]
    assert first["status"] == 202
    assert second["status"] == 400
    assert [error["field"] for error in second["problem"]["errors"]] == ["data.closes_at"]
    assert (await api.counts())["processed_events"] == 1
