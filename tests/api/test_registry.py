"""The registry through events and through the UI's endpoints, audited with who changed what."""

import uuid

import pytest
from sqlalchemy import select
from temporalio.client import Client, Interceptor, OutboundInterceptor, SignalWorkflowInput
from temporalio.service import RPCError, RPCStatusCode

from db.case_tables import ProcessedEvent, TimelineEvent
from db.queries import get_organisation, membership_history
from tests.api.conftest import Api, event
from tests.api.databases import on_each_database

pytestmark = on_each_database


def _org(org_id: str, community_id: str = "c-a") -> dict[str, str]:
    return {
        "org_id": org_id,
        "name": "稷山县快递驿站",
        "type": "new_sector_org",
        "community_id": community_id,
    }


async def test_org_registered_event_writes_the_registry_with_an_audit_row(api: Api) -> None:
    """org.registered adds the organisation; the audit log names the sending system."""
    response = await api.send(event("grassroots.org.registered", _org("org-new")))
    assert response.status_code == 200, response.text
    assert response.json()["change"] == {"org_id": "org-new", "registered": True}
    update = event("grassroots.org.updated", {"org_id": "org-new", "has_liaison": True})
    assert (await api.send(update)).status_code == 200
    async with api.sessions() as session:
        org = await get_organisation(session, "org-new")
        audit = (
            await session.scalars(select(TimelineEvent).where(TimelineEvent.kind == "event"))
        ).all()
    assert org is not None
    assert org.has_liaison
    assert org.name == "稷山县快递驿站"
    assert [(row.case_id, row.actor, row.summary) for row in audit] == [
        (None, "client:all", "grassroots.org.registered"),
        (None, "client:all", "grassroots.org.updated"),
    ]


async def test_registry_event_naming_an_unknown_community_is_dead_lettered(api: Api) -> None:
    """An organisation of a community the registry lacks waits in the dead letters, unapplied."""
    before = await api.counts()
    response = await api.send(event("grassroots.org.registered", _org("org-z", "c-missing")))
    assert response.status_code == 422
    assert "c-missing" in response.json()["detail"]
    assert await api.counts() == {**before, "dead_letters": before["dead_letters"] + 1}
    response = await api.send(event("grassroots.org.registered", {**_org("o"), "type": "bank"}))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "data.type"


async def test_joining_the_big_committee_tells_the_open_cases(api: Api) -> None:
    """After org.joined_big_committee, the organisation's open cases receive the news."""
    org_id = f"org-{uuid.uuid4().hex[:8]}"
    assert (await api.send(event("grassroots.org.registered", _org(org_id)))).status_code == 200
    case_id = await api.open_probe(probe_id=org_id)
    joined = event(
        "grassroots.probe.joined", {"org_id": org_id, "community_id": "c-a", "date": "2026-11-20"}
    )
    response = await api.send(joined)
    assert response.status_code == 200, response.text
    assert response.json()["notified"] == [case_id]
    async with api.sessions() as session:
        spells = await membership_history(session, org_id)
    assert [(s.community_id, s.joined_on.isoformat()) for s in spells] == [("c-a", "2026-11-20")]
    state = await api.env.client.get_workflow_handle(case_id).query("state")
    assert "noted:grassroots.probe.joined" in state["events"]


async def test_joining_another_communitys_big_committee_is_refused(api: Api) -> None:
    """An organisation joins its own community's 大党委: a join naming another community is a 400
    naming data.community_id and the organisation's community, and changes nothing."""
    before = await api.counts()
    joined = event(
        "grassroots.org.joined_big_committee",
        {"org_id": "org-a", "community_id": "c-b", "date": "2026-11-20"},
    )
    response = await api.send(joined)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert "belongs to community 'c-a'" in problem["detail"]
    assert problem["errors"] == [
        {"field": "data.community_id", "message": "must be 'c-a', the organisation's own community"}
    ]
    assert await api.counts() == before
    async with api.sessions() as session:
        assert await membership_history(session, "org-a") == []


async def test_staff_edit_only_their_own_communitys_organisations(api: Api) -> None:
    """Community staff edit their organisations; others' are invisible, viewers read only."""
    response = await api.http.put(
        "/api/registry/organisations/org-a",
        json={"has_party_org": True, "contact_person": "王建国"},
        headers=api.auth("staff_a"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["has_party_org"] is True
    before = await api.counts()
    for who, org_id, status in (
        ("staff_a", "org-b", 404),
        ("street", "org-a", 403),
        ("viewer", "org-a", 403),
    ):
        response = await api.http.put(
            f"/api/registry/organisations/{org_id}",
            json={"has_party_org": True},
            headers=api.auth(who),
        )
        assert response.status_code == status, (who, org_id)
    assert await api.counts() == before
    listed = await api.http.get("/api/registry/organisations", headers=api.auth("staff_a"))
    assert [org["id"] for org in listed.json()["items"]] == ["org-a"]
    hidden = await api.http.get("/api/registry/organisations/org-b", headers=api.auth("staff_a"))
    assert hidden.status_code == 404
    communities = await api.http.get("/api/registry/communities", headers=api.auth("viewer"))
    assert {c["id"] for c in communities.json()} == {"c-a", "c-b", "c-x"}
    async with api.sessions() as session:
        audit = await session.scalar(
            select(TimelineEvent).where(TimelineEvent.kind == "organisation_updated")
        )
    assert audit is not None
    assert (audit.actor, audit.case_id) == ("staff_a", None)
    assert audit.detail == {"has_party_org": True, "contact_person": "王建国"}


class _FirstSignalFails(Interceptor):
    """Temporal unreachable for the first signal a client sends, reachable again after it."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _FailFirstSignal(next, self.failed)


class _FailFirstSignal(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, failed: list[str]) -> None:
        super().__init__(next)
        self._failed = failed

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        if not self._failed:
            self._failed.append(input.id)
            raise RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")
        await super().signal_workflow(input)


async def test_join_whose_signal_failed_reaches_the_case_when_sent_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the open cases cannot be told of a join (503), the sender's retry of the same event is
    not a 'duplicate': it tells them, and only then is the event recorded as processed."""
    org_id = f"org-{uuid.uuid4().hex[:8]}"
    assert (await api.send(event("grassroots.org.registered", _org(org_id)))).status_code == 200
    case_id = await api.open_probe(probe_id=org_id)
    flaky = _FirstSignalFails()
    config = api.router.temporal.config()
    config["interceptors"] = [flaky]
    monkeypatch.setattr(api.router, "temporal", Client(**config))
    joined = event(
        "grassroots.probe.joined", {"org_id": org_id, "community_id": "c-a", "date": "2026-11-20"}
    )
    before = await api.counts()
    response = await api.send(joined)
    assert response.status_code == 503, response.text
    assert "Retry-After" in response.headers
    assert flaky.failed == [case_id]
    assert await api.counts() == before
    state = await api.env.client.get_workflow_handle(case_id).query("state")
    assert "noted:grassroots.probe.joined" not in state["events"]

    again = await api.send(joined)
    assert again.status_code == 200, again.text
    assert again.json()["notified"] == [case_id]
    state = await api.env.client.get_workflow_handle(case_id).query("state")
    assert state["events"].count("noted:grassroots.probe.joined") == 1
    async with api.sessions() as session:
        spells = await membership_history(session, org_id)
        processed = (await session.scalars(select(ProcessedEvent.event_id))).all()
    assert [(s.community_id, s.joined_on.isoformat()) for s in spells] == [("c-a", "2026-11-20")]
    assert processed.count(joined["id"]) == 1
    assert (await api.send(joined)).json() == {"status": "duplicate", "id": joined["id"]}
