"""The coverage and workforce reports over the API, on the sample registry, within reach: a
community's staff see their community's figures only, an administrator every community's."""

import contextlib
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from db.case_tables import User
from db.sample import load_sample_registry
from db.sample.data import AS_OF, THIS_YEAR
from db.security import hash_password, open_session
from db.vocab import UserRole
from settings import Settings
from tests.api.conftest import RULES
from tests.api.databases import on_each_database

pytestmark = on_each_database

# Who asks: an administrator, the staff of 稷王社区, the 稷峰街道 committee (all three communities).
USERS = {
    "admin": (UserRole.ADMIN, None, None),
    "jiwang": (UserRole.COMMUNITY_STAFF, "jiwang", None),
    "street": (UserRole.STREET_COMMITTEE, None, "jifeng"),
}
COMMUNITIES = {"jiwang", "xinhua", "fenhe"}


@pytest.fixture
async def http(
    time_skipping_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    tmp_path: Path,
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """The app (lifespan running) on the sample registry, and a session token per user."""
    tokens: dict[str, str] = {}
    async with sessions() as session:
        await load_sample_registry(session)
        password = hash_password("sample-pw")
        for username, (role, community, street) in USERS.items():
            user = User(
                username=username,
                password_hash=password,
                role=role.value,
                community_id=community,
                street_id=street,
            )
            session.add(user)
            await session.flush()
            tokens[username], _ = await open_session(session, user, timedelta(hours=1))
        await session.commit()
    settings = Settings(var_dir=tmp_path / "var", database_url=database_url, rules_dir=RULES)
    app = create_app(settings, time_skipping_env.client)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=app)
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://testserver")
        )
        yield client, tokens


async def _get(
    http: tuple[httpx.AsyncClient, dict[str, str]], path: str, who: str, **params: Any
) -> httpx.Response:
    client, tokens = http
    return await client.get(path, params=params, headers={"Authorization": f"Bearer {tokens[who]}"})


def _figures(place: dict[str, Any]) -> dict[str, float | None]:
    return {figure["name"]: figure["actual"] for figure in place["figures"]}


async def test_workforce_report_shows_the_seed_baseline_against_the_targets(
    http: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    """Secretaries over 60, 10% with a degree, 30% Party members, 4% certified; targets missed."""
    response = await _get(http, "/api/reports/workforce", "admin", year=THIS_YEAR, as_of=AS_OF)
    assert response.status_code == 200, response.text
    report = response.json()
    assert _figures(report["overall"]) == {
        "secretary_average_age": 63.0,
        "bachelor_share": 0.1,
        "party_member_share": 0.3,
        "certificate_share": 0.04,
        "workers_per_10k_residents": 16.23,
    }
    targets = {f["name"]: f["target"] for f in report["overall"]["figures"]}
    assert targets["bachelor_share"] == 0.5
    assert targets["secretary_average_age"] == 50
    assert not any(f["meets"] for f in report["overall"]["figures"])
    assert {(c["community_id"], c["workers"]) for c in report["communities"]} == {
        ("jiwang", 17),
        ("xinhua", 17),
        ("fenhe", 16),
    }
    assert [p["year"] for p in report["trend"]] == list(range(THIS_YEAR - 4, THIS_YEAR + 1))
    assert report["trend"][-1]["workers"] == 50


async def test_workforce_report_of_a_community_user_is_their_community_only(
    http: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    """稷王's staff see 稷王 alone, overall and in the trend; other communities are not found."""
    response = await _get(http, "/api/reports/workforce", "jiwang", year=THIS_YEAR, as_of=AS_OF)
    assert response.status_code == 200, response.text
    report = response.json()
    assert [c["community_id"] for c in report["communities"]] == ["jiwang"]
    jiwang = report["communities"][0]
    assert report["overall"]["workers"] == jiwang["workers"] == 17
    assert report["overall"]["residents"] == jiwang["residents"]
    assert _figures(report["overall"]) == _figures(jiwang)
    assert report["trend"][-1]["workers"] == 17
    elsewhere = await _get(http, "/api/reports/workforce", "jiwang", community="fenhe")
    assert elsewhere.status_code == 404


async def test_workforce_report_of_an_unknown_community_is_not_found(
    http: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    """Even for an administrator, a mistyped community is a 404 worded as for the coverage
    report, not an empty report of no workers."""
    response = await _get(http, "/api/reports/workforce", "admin", community="fenghe")
    assert response.status_code == 404, response.text
    assert response.json()["detail"] == "no community fenghe within your reach"
    known = await _get(http, "/api/reports/workforce", "admin", community="fenhe", as_of=AS_OF)
    assert [c["community_id"] for c in known.json()["communities"]] == ["fenhe"]


async def test_coverage_report_lists_blind_spots_and_this_years_joins(
    http: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    """Per community and type: resident units mostly inside, the blind-spot types mostly outside,
    and the organisations that joined since 1 January."""
    response = await _get(http, "/api/reports/coverage", "admin", at=AS_OF.isoformat())
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["since"] == date(THIS_YEAR, 1, 1).isoformat()
    lines = report["lines"]
    assert {line["community_id"] for line in lines} == COMMUNITIES
    by_type: dict[str, list[int]] = {}
    for line in lines:
        total, members = by_type.setdefault(line["org_type"], [0, 0])
        by_type[line["org_type"]] = [total + line["total"], members + line["members"]]
        assert len(line["outside"]) == line["total"] - line["members"]
    # The seed's blind spots: agencies and institutions all inside, owners' committees,
    # property companies, commercial buildings and new-sector organisations mostly outside.
    assert by_type["agency"] == by_type["institution"] == [6, 6]
    assert by_type["owners_committee"] == [5, 1]
    assert by_type["property_company"] == [5, 2]
    assert by_type["commercial_building"] == [3, 1]
    assert by_type["new_sector_org"] == [4, 1]
    assert report["totals"] == {"total": 60, "members": 37, "joined_since": 13, "left_since": 1}
    fenhe = {line["org_type"]: line for line in lines if line["community_id"] == "fenhe"}
    assert len(fenhe["owners_committee"]["joined_since"]) == 1
    assert len(fenhe["owners_committee"]["outside"]) == 1
    assert fenhe["individual_business"]["left_since"] == [{"org_id": "org31", "name": "惠民便利店"}]


async def test_coverage_report_refuses_a_period_ending_before_it_starts(
    http: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    """``since`` after ``at`` is a 400 problem naming ``since``, not a report of nonsense."""
    response = await _get(
        http, "/api/reports/coverage", "admin", at=f"{THIS_YEAR}-03-01", since=f"{THIS_YEAR}-06-01"
    )
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["detail"] == f"since {THIS_YEAR}-06-01 is after at {THIS_YEAR}-03-01"
    assert problem["errors"] == [
        {"field": "since", "message": f"must be on or before at ({THIS_YEAR}-03-01)"}
    ]


async def test_coverage_report_of_an_unknown_community_is_not_found(
    http: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    """Even for an administrator, a mistyped community is a 404, not an empty "100%" report."""
    response = await _get(http, "/api/reports/coverage", "admin", community="fenghe")
    assert response.status_code == 404, response.text
    assert "fenghe" in response.json()["detail"]


async def test_coverage_report_is_scoped_to_the_callers_communities(
    http: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    """Staff of 稷王 get 稷王's lines and totals, the same as an administrator asking for 稷王; the
    street committee gets its three communities; a community out of reach is not found."""
    at = AS_OF.isoformat()
    mine = (await _get(http, "/api/reports/coverage", "jiwang", at=at)).json()
    asked = (await _get(http, "/api/reports/coverage", "admin", at=at, community="jiwang")).json()
    everyone = (await _get(http, "/api/reports/coverage", "admin", at=at)).json()
    assert {line["community_id"] for line in mine["lines"]} == {"jiwang"}
    assert mine["lines"] == asked["lines"]
    assert mine["totals"] == asked["totals"]
    assert mine["totals"]["total"] < everyone["totals"]["total"]
    street = (await _get(http, "/api/reports/coverage", "street", at=at)).json()
    assert street["totals"] == everyone["totals"]
    refused = await _get(http, "/api/reports/coverage", "jiwang", at=at, community="xinhua")
    assert refused.status_code == 404
