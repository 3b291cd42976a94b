"""Who may see and do what: community reach, logins, sessions and the login lock."""

import asyncio
from datetime import timedelta

from sqlalchemy import select

from db.base import utcnow
from db.case_tables import TimelineEvent, User
from db.security import revoke_client
from tests.api.conftest import PASSWORD, Api, event
from tests.api.databases import on_each_database

pytestmark = on_each_database


async def test_community_staff_cannot_see_another_communitys_case(api: Api) -> None:
    """Staff of one community get 404 for another community's case, as if it did not exist."""
    case_id = await api.open_probe(community="c-b")
    await api.wait_for_entries(case_id, 2)
    before = await api.counts()
    hidden = await api.http.get(f"/api/cases/{case_id}", headers=api.auth("staff_a"))
    assert hidden.status_code == 404
    missing = await api.http.get("/api/cases/community_worker/nope", headers=api.auth("staff_a"))
    assert hidden.json()["title"] == missing.json()["title"] == "Not Found"
    listed = await api.http.get("/api/cases", headers=api.auth("staff_a"))
    assert listed.json()["total"] == 0
    tasks = await api.http.get("/api/tasks", headers=api.auth("staff_a"))
    assert tasks.json()["items"] == []
    assert await api.counts() == before
    for who in ("staff_b", "street", "admin", "viewer"):
        response = await api.http.get(f"/api/cases/{case_id}", headers=api.auth(who))
        assert response.status_code == 200, who
    clients = await api.http.get("/api/cases", headers=api.auth("client"))
    assert clients.status_code == 403


async def test_the_organisation_department_reads_the_county_but_administers_nothing(
    api: Api,
) -> None:
    """The county organisation department reaches every community's cases, but the rules, the
    dead letters and a community's registry entries stay with administrators (and the
    community's own staff)."""
    case_id = await api.open_probe(community="c-x")
    me = await api.http.get("/api/me", headers=api.auth("zuzhibu"))
    assert me.json()["role"] == "organisation_department"
    assert me.json()["communities"] is None
    seen = await api.http.get(f"/api/cases/{case_id}", headers=api.auth("zuzhibu"))
    assert seen.status_code == 200
    who = api.auth("zuzhibu")
    rules = {"base": "any", "file": "dual_assessment.yaml", "text": "", "reason": "试试"}
    for method, url, body in (
        ("POST", "/api/rules/activate", rules),
        ("POST", "/api/rules/rollback", {"version": "v", "base": "v", "reason": "试试"}),
        ("GET", "/api/dead-letters", None),
        ("PUT", "/api/registry/organisations/org-a", {"has_liaison": True}),
    ):
        response = await api.http.request(method, url, json=body, headers=who)
        assert response.status_code == 403, (url, response.text)


async def test_a_revoked_client_token_stops_working_within_moments(api: Api) -> None:
    """Revoking a sender's token (grassroots clients revoke) shuts it out within the cache time."""
    body = event("grassroots.parcel.delivered", {})
    assert (await api.send(body, who="narrow")).status_code == 403
    async with api.sessions() as session:
        assert await revoke_client(session, "narrow", actor="test")
        await session.commit()
    await asyncio.sleep(0.35)
    assert (await api.send(body, who="narrow")).status_code == 401


async def test_case_list_filters_and_pages(api: Api) -> None:
    """The case list filters by community, due date, overdue and text, and says the total."""
    soon = await api.open_probe(community="c-a", due_in_days=1, label="快递驿站")
    later = await api.open_probe(community="c-b", due_in_days=30)
    admin = api.auth("admin")

    async def ids(**params: str) -> list[str]:
        response = await api.http.get("/api/cases", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return [item["case_id"] for item in response.json()["items"]]

    assert await ids() == [soon, later]
    assert await ids(community="c-b") == [later]
    in_a_week = (utcnow() + timedelta(days=7)).isoformat()
    assert await ids(due_before=in_a_week) == [soon]
    assert await ids(due_after=in_a_week) == [later]
    assert await ids(q="驿站") == [soon]
    assert await ids(overdue="true") == []
    assert await ids(process="community_worker", status="open", limit="1", offset="1") == [later]
    page = await api.http.get("/api/cases", params={"limit": "1"}, headers=admin)
    assert page.json()["total"] == 2
    bad = await api.http.get("/api/cases", params={"limit": "0"}, headers=admin)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "limit"


async def test_login_gives_a_cookie_and_a_bearer_until_logout(api: Api) -> None:
    """A person logs in with a password, is recognised by cookie or token, and can log out."""
    response = await api.http.post("/api/login", json={"username": "staff_a", "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"] == {
        "username": "staff_a",
        "role": "community_staff",
        "community_id": "c-a",
        "communities": ["c-a"],
    }
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    me = await api.http.get("/api/me")  # the client keeps the cookie
    assert me.json()["username"] == "staff_a"
    token = body["token"]
    cross_site = await api.http.put(
        "/api/registry/organisations/org-a",
        json={"has_liaison": True},
        headers={"origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403
    out = await api.http.post("/api/logout", headers={"Authorization": f"Bearer {token}"})
    assert out.status_code == 204
    api.http.cookies.clear()
    again = await api.http.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401
    async with api.sessions() as session:
        kinds = (await session.scalars(select(TimelineEvent.kind).order_by(TimelineEvent.id))).all()
    assert [kind for kind in kinds if kind in ("login", "logout")] == ["login", "logout"]


async def test_five_failed_logins_lock_the_account(api: Api) -> None:
    """After five wrong passwords the account is locked for 15 minutes, even for the right one."""
    wrong = {"username": "staff_b", "password": "guess"}
    for _ in range(4):
        assert (await api.http.post("/api/login", json=wrong)).status_code == 401
    locked = await api.http.post("/api/login", json=wrong)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) == 15 * 60
    right = await api.http.post("/api/login", json={"username": "staff_b", "password": PASSWORD})
    assert right.status_code == 429
    assert 0 < int(right.headers["retry-after"]) <= 15 * 60
    unknown = await api.http.post("/api/login", json={"username": "nobody", "password": "x"})
    assert unknown.status_code == 401
    async with api.sessions() as session:
        user = await session.scalar(select(User).where(User.username == "staff_b"))
        assert user is not None
        assert user.locked_until is not None
        user.locked_until = utcnow() - timedelta(seconds=1)
        await session.commit()
    right = await api.http.post("/api/login", json={"username": "staff_b", "password": PASSWORD})
    assert right.status_code == 200
