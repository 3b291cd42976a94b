"""The sample registry: a Jishan County slice that reproduces the seed's figures."""

from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import queries
from db.sample import SAMPLE_DIR, load_sample_registry
from db.sample.data import AS_OF, THIS_YEAR
from db.sample.generate import build, write_csv
from db.tables import Organisation, PartyMember, Street
from db.vocab import MemberKind, OrgType

BLIND_SPOTS = {
    OrgType.INDIVIDUAL_BUSINESS,
    OrgType.OWNERS_COMMITTEE,
    OrgType.PROPERTY_COMPANY,
    OrgType.COMMERCIAL_BUILDING,
    OrgType.NEW_SECTOR_ORG,
}


def test_checked_in_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    """The sample files in the repository come from db/sample/generate.py, byte for byte."""
    write_csv(build(), tmp_path)
    generated = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    checked_in = {p.name: p.read_bytes() for p in SAMPLE_DIR.iterdir()}
    assert generated == checked_in


async def test_sample_registry_reproduces_the_seed(session: AsyncSession) -> None:
    """On first start the demo has 1 street, 3 communities, ~60 orgs, 300 members, 50 workers."""
    report = await load_sample_registry(session)
    assert report is not None

    assert len(await queries.list_communities(session)) == 3
    kinds = Counter((await session.scalars(select(PartyMember.kind))).all())
    assert kinds == {"resident": 230, "in_service_cadre": 30, "floating": 40}
    types = Counter((await session.scalars(select(Organisation.type))).all())
    assert set(types) == set(OrgType)
    assert sum(types.values()) == 60

    figures = await queries.workforce_figures(session, AS_OF)
    assert figures.workers == 50
    assert figures.bachelor_or_above == 0.10
    assert figures.party_members == 0.30
    assert figures.social_work_certificate == 0.04
    assert figures.secretaries == 3
    assert figures.secretaries_average_age is not None
    assert figures.secretaries_average_age > 60

    rows = await queries.coverage(session, AS_OF, since=date(THIS_YEAR, 1, 1))
    outside = [org for row in rows for org in row.outside]
    assert 15 <= len(outside) <= 30
    assert sum(org.type in BLIND_SPOTS for org in outside) > 0.8 * len(outside)
    assert sum(len(row.joined_since) for row in rows) >= 5, "joins this year show progress"

    cadres = await queries.find_members(session, kind=MemberKind.IN_SERVICE_CADRE)
    counts = [await queries.activity_count(session, c.id, THIS_YEAR) for c in cadres]
    assert 5 <= sum(count < 4 for count in counts) < len(counts)
    floating = await queries.find_members(session, kind=MemberKind.FLOATING)
    assert {m.credential for m in floating} == {
        "introduction_letter",
        "certificate",
        "activity_card",
    }
    assert {"快递员", "外卖骑手"} <= {m.occupation for m in floating}
    assert all(m.building_id and m.unit and m.phone and m.phone.startswith("100") for m in floating)
    loads = await queries.households_with_capacity(session, AS_OF)
    assert 0 < len(loads) < 22, "some central households are full, others have room"


async def test_sample_load_is_idempotent(session: AsyncSession) -> None:
    """Restarting the service never loads the sample twice."""
    assert await load_sample_registry(session) is not None
    members = await session.scalar(select(func.count()).select_from(PartyMember))
    assert await load_sample_registry(session) is None
    assert await session.scalar(select(func.count()).select_from(PartyMember)) == members
    assert await session.scalar(select(func.count()).select_from(Street)) == 1
