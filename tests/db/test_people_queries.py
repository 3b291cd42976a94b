"""People queries: member lookup, cadres' evidence, central households' capacity, workforce."""

from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from db import queries
from db.records import (
    BuildingRecord,
    GridRecord,
    HouseholdAssignmentRecord,
    HouseholdRecord,
    MemberActivityRecord,
    MemberRecord,
    ReportInRecord,
    WorkerRecord,
)
from db.vocab import Credential, MemberKind, OrgType
from tests.db.builders import organisation, two_communities


async def _building(session: AsyncSession) -> None:
    await two_communities(session)
    await queries.upsert_grid(session, GridRecord(grid_id="g", community_id="A", name="第一网格"))
    await session.flush()
    for number in ("1", "2"):
        record = BuildingRecord(
            building_id=f"b{number}", grid_id="g", number=f"{number}号楼", address="东城路1号"
        )
        await queries.upsert_building(session, record)
    await session.flush()


async def _member(session: AsyncSession, member_id: str, **fields: object) -> None:
    values = {"member_id": member_id, "name": f"党员{member_id}", "kind": "resident"} | fields
    await queries.upsert_member(session, MemberRecord.model_validate(values))
    await session.flush()


async def test_cadre_evidence_counts_this_years_report_ins_and_activities(
    session: AsyncSession,
) -> None:
    """A cadre's assessment sees where they reported in and how often they served this year."""
    await two_communities(session)
    await organisation(session, "bureau", OrgType.AGENCY)
    await _member(session, "c", kind="in_service_cadre", employer_org_id="bureau")
    for day, community in ((date(2025, 3, 2), "A"), (date(2026, 3, 5), "B")):
        report_in = ReportInRecord(member_id="c", community_id=community, reported_on=day)
        await queries.record_report_in(session, report_in)
        await queries.record_report_in(session, report_in)
    for day, hours in ((date(2025, 12, 30), 2.0), (date(2026, 1, 8), 1.5), (date(2026, 5, 1), 3)):
        activity = MemberActivityRecord(
            member_id="c", community_id="B", held_on=day, activity="义务劳动", hours=hours
        )
        await queries.record_member_activity(session, activity)
    await session.commit()

    evidence = await queries.cadre_evidence(session, "c", 2026)
    assert evidence.community_id == "B"
    assert evidence.report_ins == (date(2026, 3, 5),)
    assert (evidence.activities, evidence.hours) == (2, 4.5)
    assert await queries.activity_count(session, "c", 2025) == 1
    assert len(await queries.cadre_report_ins(session, "c")) == 2


async def test_member_lookup_and_kind_rules(session: AsyncSession) -> None:
    """Members are found by community, kind, name or phone; a floating one needs papers."""
    await _building(session)
    await _member(
        session,
        "f",
        kind="floating",
        name="王快递",
        phone="10000000001",
        home_org="万荣县某村党支部",
        credential=Credential.INTRODUCTION_LETTER,
        community_id="A",
        building_id="b1",
    )
    await _member(session, "r", community_id="A", name="李居民")
    await session.commit()
    assert [m.id for m in await queries.find_members(session, name="快递")] == ["f"]
    assert [m.id for m in await queries.find_members(session, phone="10000000001")] == ["f"]
    found = await queries.find_members(session, community_id="A", kind=MemberKind.RESIDENT)
    assert [m.id for m in found] == ["r"]
    member = await queries.get_member(session, "f")
    assert member is not None
    assert (member.credential, member.home_organisation) == (
        "introduction_letter",
        "万荣县某村党支部",
    )
    with pytest.raises(ValidationError, match="credential"):
        MemberRecord(member_id="x", name="无证明", kind=MemberKind.FLOATING, home_org="某党支部")


async def test_households_with_capacity_count_current_assignments(session: AsyncSession) -> None:
    """Assignment by capacity sees only households with places left on the day."""
    await _building(session)
    for member_id in ("h1", "h2", "m1", "m2", "m3"):
        await _member(session, member_id, community_id="A", building_id="b1")
    for household, building, host, capacity in (("hh1", "b1", "h1", 2), ("hh2", "b2", "h2", 3)):
        record = HouseholdRecord(
            household_id=household, building_id=building, host_member_id=host, capacity=capacity
        )
        await queries.upsert_household(session, record)
    await session.flush()
    for household, member, start, end in (
        ("hh1", "m1", date(2026, 1, 1), None),
        ("hh1", "m2", date(2026, 1, 1), None),
        ("hh2", "m3", date(2026, 1, 1), date(2026, 6, 30)),
    ):
        await queries.assign_household(
            session,
            HouseholdAssignmentRecord(
                household_id=household, member_id=member, assigned_on=start, ended_on=end
            ),
        )
    await session.commit()

    loads = await queries.households_with_capacity(session, date(2026, 3, 1), grid_id="g")
    assert [(h.household.id, h.assigned, h.spare) for h in loads] == [("hh2", 1, 2)]
    loads = await queries.households_with_capacity(session, date(2025, 12, 31), building_id="b1")
    assert [(h.household.id, h.spare) for h in loads] == [("hh1", 2)]
    loads = await queries.households_with_capacity(session, date(2026, 7, 1))
    assert [(h.household.id, h.spare) for h in loads] == [("hh2", 3)]


async def test_workforce_figures_by_community(session: AsyncSession) -> None:
    """The workforce report gives the shares the seed measured and the secretaries' average age."""
    await two_communities(session)
    workers = [
        ("w1", "A", "head", date(1962, 6, 1), "associate", True, False),
        ("w2", "A", "staff", date(1990, 1, 1), "bachelor", False, True),
        ("w3", "B", "head", date(1966, 1, 1), "master", True, False),
        ("w4", "B", "staff", date(1995, 1, 1), "senior_high", False, False),
    ]
    for worker_id, community, post, born, education, party, cert in workers:
        record = WorkerRecord.model_validate(
            {
                "worker_id": worker_id,
                "community_id": community,
                "name": worker_id,
                "birth_date": born,
                "post": post,
                "education": education,
                "is_party_member": party,
                "has_social_work_cert": cert,
                "grade": 8,
                "hired_on": date(2015, 1, 1),
            }
        )
        await queries.upsert_worker(session, record)
    await session.commit()

    figures = await queries.workforce_figures(session, date(2026, 6, 1))
    assert (figures.workers, figures.bachelor_or_above, figures.party_members) == (4, 0.5, 0.5)
    assert (figures.social_work_certificate, figures.secretaries) == (0.25, 2)
    assert figures.secretaries_average_age == (64 + 60) / 2
    in_a = await queries.workforce_figures(session, date(2026, 6, 1), community_id="A")
    assert (in_a.workers, in_a.secretaries_average_age) == (2, 64)
    assert [w.id for w in await queries.workers_by_community(session, "B")] == ["w3", "w4"]
