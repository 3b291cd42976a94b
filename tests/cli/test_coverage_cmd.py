"""The 大党委 coverage report: who is inside and outside per community and type, and who joined."""

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cli.coverage_cmd import render_coverage
from db.coverage import coverage_report
from db.session import create_engine, session_factory
from db.tables import METADATA
from db.vocab import OrgType
from rules.engine.loader import load_folder
from tests.db.builders import organisation, two_communities
from tests.workflows.case_support import RULES_DIR


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[AsyncSession]:
    """Community A: two property companies (one joined in March), an agency and a non-public
    enterprise outside; community B: an owners' committee inside since 2025."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    async with session_factory(engine)() as session:
        await two_communities(session)
        await organisation(session, "p1", OrgType.PROPERTY_COMPANY, joined_on=date(2026, 3, 1))
        await organisation(session, "p2", OrgType.PROPERTY_COMPANY)
        await organisation(session, "gov", OrgType.AGENCY, joined_on=date(2024, 1, 1))
        await organisation(session, "np", OrgType.NON_PUBLIC_ENTERPRISE)
        await organisation(session, "oc", OrgType.OWNERS_COMMITTEE, "B", joined_on=date(2025, 5, 1))
        await session.commit()
        yield session
    await engine.dispose()


async def test_coverage_lists_who_is_outside_and_who_joined_this_year(
    session: AsyncSession,
) -> None:
    """Per community and type: members, the share, new members this year and who is outside."""
    report = await coverage_report(session, load_folder(RULES_DIR), date(2026, 11, 26))
    lines = {(line.community_id, line.org_type): line for line in report.lines}
    property_a = lines[("A", "property_company")]
    assert (property_a.total, property_a.members, property_a.share) == (2, 1, 0.5)
    assert [o.org_id for o in property_a.joined_since] == ["p1"]
    assert [o.org_id for o in property_a.outside] == ["p2"]
    assert lines[("A", "agency")].joined_since == []
    assert [o.org_id for o in lines[("A", "non_public_enterprise")].outside] == ["np"]
    assert lines[("B", "owners_committee")].share == 1.0
    assert (report.totals.total, report.totals.members, report.totals.joined_since) == (5, 3, 1)
    assert report.since == date(2026, 1, 1)
    text = render_coverage(report)
    assert "东城社区" in text
    assert "物业公司" in text
    assert "组织p2（p2）" in text


async def test_coverage_on_an_earlier_date_and_one_community(session: AsyncSession) -> None:
    """Before the March join community A's property companies were all outside."""
    report = await coverage_report(
        session, load_folder(RULES_DIR), date(2026, 2, 1), community_id="A"
    )
    assert {line.community_id for line in report.lines} == {"A"}
    property_a = next(line for line in report.lines if line.org_type == "property_company")
    assert (property_a.members, len(property_a.outside)) == (0, 2)
