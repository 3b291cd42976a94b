"""The registry facts activities: what P1 and P2 rules read, from a small registry."""

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.registry import RegistryActivities
from db import queries
from db.commitment_tables import MemberCommitment
from db.records import (
    MemberActivityRecord,
    MemberRecord,
    OrgActivityRecord,
    OrganisationRecord,
    ReportInRecord,
)
from db.session import create_engine, session_factory
from db.tables import METADATA
from db.vocab import MemberKind, OrgType
from models.annual_inspection import OrgFactsInput
from models.dual_assessment import SubjectFactsInput
from tests.db.builders import organisation, two_communities

AS_OF = date(2026, 11, 26)


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A fresh SQLite registry: two communities, a unit in the 大党委, a cadre, a property firm."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    factory = session_factory(engine)
    async with factory() as session:
        await two_communities(session)
        await organisation(session, "bureau", OrgType.AGENCY, joined_on=date(2025, 3, 1))
        await queries.upsert_organisation(
            session,
            OrganisationRecord(
                org_id="property",
                name="安居物业",
                type=OrgType.PROPERTY_COMPANY,
                community_id="B",
                registered_on=date(2026, 7, 15),
                has_liaison=True,
            ),
        )
        for day in (date(2026, 4, 1), date(2026, 9, 1), date(2025, 9, 1)):
            await queries.record_org_activity(
                session,
                OrgActivityRecord(org_id="bureau", community_id="A", held_on=day, activity="共建"),
            )
        await queries.upsert_member(
            session,
            MemberRecord(
                member_id="cadre-1",
                name="王小明",
                kind=MemberKind.IN_SERVICE_CADRE,
                community_id="B",
                employer_org_id="property",
            ),
        )
        await session.flush()
        await queries.record_report_in(
            session,
            ReportInRecord(member_id="cadre-1", community_id="A", reported_on=date(2025, 4, 2)),
        )
        for day, hours in ((date(2026, 5, 1), 2.5), (date(2026, 6, 1), 3.0)):
            await queries.record_member_activity(
                session,
                MemberActivityRecord(
                    member_id="cadre-1", community_id="A", held_on=day, activity="义诊", hours=hours
                ),
            )
        # P5: the 2026 commitment was evaluated 不合格; the 2025 one was published, never graded.
        for year, status, grade in ((2026, "evaluated", "不合格"), (2025, "published", None)):
            session.add(
                MemberCommitment(
                    member_id="cadre-1",
                    year=year,
                    case_id=f"commitment/cadre-1/{year}",
                    status=status,
                    score=52.0 if grade else None,
                    grade=grade,
                )
            )
        await session.commit()
    yield factory
    await engine.dispose()


async def test_unit_facts_come_from_the_registry(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A unit's type, community, 大党委 membership and this year's activities are read."""
    activity = RegistryActivities(sessions).subject_facts
    result = await ActivityEnvironment().run(
        activity,
        SubjectFactsInput(
            subject_type="unit",
            subject_id="bureau",
            year=2026,
            as_of=AS_OF,
            hints={"org_type": "state_enterprise", "volunteer_hours": 1},
        ),
    )
    assert result.known is True
    assert result.label == "组织bureau"
    facts = result.facts
    assert (facts.org_type, facts.community_id) == ("agency", "A")
    assert (facts.big_committee_member, facts.big_committee_activities) == (True, 2)
    assert result.sources["org_type"] == "registry"
    assert (facts.volunteer_hours, result.sources["volunteer_hours"]) == (1, "event")


async def test_cadre_facts_count_report_ins_and_service_and_mask_the_name(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A cadre's report-in community, residence, activities and hours; the name is masked."""
    activity = RegistryActivities(sessions).subject_facts
    result = await ActivityEnvironment().run(
        activity,
        SubjectFactsInput(subject_type="cadre", subject_id="cadre-1", year=2026, as_of=AS_OF),
    )
    facts = result.facts
    assert result.label == "王**"
    assert facts.party_member is True
    assert (facts.reported_in, facts.report_community_id) == (True, "A")
    assert facts.residence_community_id == "B"
    assert (facts.community_activities, facts.volunteer_hours) == (2, 5.5)
    assert (facts.commitment_grade, result.sources["commitment_grade"]) == ("不合格", "registry")


async def test_cadre_commitment_grade_counts_only_once_that_year_is_evaluated(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A commitment not yet evaluated, or none at all, gives no grade for P1 to read."""
    activity = RegistryActivities(sessions).subject_facts
    for year in (2025, 2024):
        result = await ActivityEnvironment().run(
            activity,
            SubjectFactsInput(
                subject_type="cadre", subject_id="cadre-1", year=year, as_of=date(year, 12, 20)
            ),
        )
        assert result.facts.commitment_grade == ""


async def test_unknown_subject_takes_the_event_facts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A cadre the registry does not know is described by the facts the event carried."""
    activity = RegistryActivities(sessions).subject_facts
    result = await ActivityEnvironment().run(
        activity,
        SubjectFactsInput(
            subject_type="cadre",
            subject_id="stranger",
            year=2026,
            as_of=AS_OF,
            hints={"party_member": True, "residence_community_id": "A", "name": "张三"},
        ),
    )
    assert result.known is False
    assert (result.facts.party_member, result.facts.residence_community_id) == (True, "A")
    assert result.sources == {"party_member": "event", "residence_community_id": "event"}


async def test_org_facts_for_the_inspection_checklist(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """An organisation's Party organisation, liaison, staff members and months registered."""
    activity = RegistryActivities(sessions).org_facts
    result = await ActivityEnvironment().run(
        activity, OrgFactsInput(org_id="property", year=2026, as_of=AS_OF)
    )
    facts = result.facts
    assert (result.known, result.label) == (True, "安居物业")
    assert (facts.org_type, facts.community_id) == ("property_company", "B")
    assert (facts.big_committee_member, facts.has_party_org, facts.has_liaison) == (
        False,
        False,
        True,
    )
    assert (facts.party_members, facts.months_registered) == (1, 4)
    unknown = await ActivityEnvironment().run(
        activity, OrgFactsInput(org_id="nobody", year=2026, as_of=AS_OF)
    )
    assert (unknown.known, unknown.facts.org_type) == (False, "")
