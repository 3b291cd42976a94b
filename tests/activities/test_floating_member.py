"""The floating-member registry activities on the sample Jishan County registry (SQLite)."""

import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.floating_member import FloatingMemberActivities
from db import floating, queries
from db.case_tables import Case, TimelineEvent
from db.sample import load_sample_registry
from db.session import create_engine, session_factory
from db.tables import METADATA, HouseholdAssignment
from models.floating_member import (
    CandidatesInput,
    Home,
    LocateInput,
    MemberStatusInput,
    RecordPlacementInput,
    RegisterMemberInput,
    StoredTimelineInput,
)

AS_OF = date(2026, 11, 26)
ADDRESS = "稷山县稷峰街道稷王路166号丰泽苑小区1号楼"
"""The sample's building jiwang-g1-b01 (grid jiwang-g1 of 稷王社区)."""


@pytest.fixture(scope="module")
async def sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample registry, imported once into a SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("sample") / "registry.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    async with session_factory(engine)() as session:
        await load_sample_registry(session)
    await engine.dispose()
    return path


@pytest.fixture
async def sessions(
    sample_file: Path, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    copy = tmp_path / "registry.db"
    shutil.copy(sample_file, copy)
    engine = create_engine(f"sqlite+aiosqlite:///{copy}")
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def acts(sessions: async_sessionmaker[AsyncSession]) -> FloatingMemberActivities:
    return FloatingMemberActivities(sessions)


async def _run(method: Any, request: Any) -> Any:
    return await ActivityEnvironment().run(method, request)


def _newcomer(**changes: Any) -> dict[str, Any]:
    return {
        "member_id": "fm-new",
        "name": "孙立华",
        "home_org": "万荣县皇甫乡北甲村党支部",
        "credential": "证明信",
        "address": f"{ADDRESS}2单元402室",
        "occupation": "教师",
        "phone": "10099990001",
        "arrived_on": "2026-05-10",
        **changes,
    }


async def test_a_newcomer_is_saved_and_located_down_to_building_and_unit(
    acts: FloatingMemberActivities, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A registration's address finds 稷王社区, its first grid, building 1 and unit 2."""
    request = RegisterMemberInput(
        member_id="fm-new", record=_newcomer(), status="to_report", as_of=AS_OF
    )
    found = await _run(acts.register_floating_member, request)
    assert found.known
    assert found.problem is None
    home = found.home
    assert (home.community_id, home.grid_id, home.building_id, home.unit) == (
        "jiwang",
        "jiwang-g1",
        "jiwang-g1-b01",
        "2单元",
    )
    assert home.places.community == "稷王社区"
    assert home.places.grid_branch == "稷王社区第一网格党支部"
    assert home.places.building_group == "1号楼党小组"
    facts = found.facts
    assert (facts.credential, facts.occupation, facts.months_settled) == (
        "certificate_letter",
        "教师",
        6,
    )
    assert found.label == "孙**"
    async with sessions() as session:
        member = await queries.get_member(session, "fm-new")
        assert member is not None
        assert (member.kind, member.credential, member.status) == (
            "floating",
            "certificate",
            "to_report",
        )
        assert member.building_id == "jiwang-g1-b01"


async def test_an_address_the_registry_does_not_know_still_registers_the_member(
    acts: FloatingMemberActivities,
) -> None:
    """An unknown street leaves the member unplaced (a person places them), not unregistered."""
    record = _newcomer(address="北京市朝阳区某街道1号")
    found = await _run(
        acts.register_floating_member,
        RegisterMemberInput(member_id="fm-new", record=record, status="to_report", as_of=AS_OF),
    )
    assert found.known
    assert found.home == Home()
    assert (await _run(acts.locate_address, LocateInput(address="无此地址"))).located == "none"


async def test_a_known_member_without_the_event_record_is_read_from_the_registry(
    acts: FloatingMemberActivities,
) -> None:
    """A returning sample member is found by id with the address on file."""
    found = await _run(
        acts.register_floating_member,
        RegisterMemberInput(member_id="m0264", status="in", as_of=AS_OF),
    )
    assert found.known
    assert found.home.building_id == "jiwang-g3-b01"
    assert found.facts.occupation == "快递员"
    assert found.facts.credential == "activity_card"


async def test_candidates_count_each_household_and_rank_mentors_nearest_first(
    acts: FloatingMemberActivities, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Households of the grid come with their load; mentors with their current mentees."""
    home = (
        await _run(acts.locate_address, LocateInput(address=f"{ADDRESS}1单元101室"))
    ).model_copy()
    async with sessions() as session:
        session.add(
            Case(
                case_id="floating_member/other",
                process="floating_member",
                status="active",
                summary={"mentor_id": "m0001"},
            )
        )
        await session.commit()
        rows = await floating.grid_households(session, "jiwang-g1", AS_OF, "nobody")
    found = await _run(
        acts.placement_candidates, CandidatesInput(member_id="fm-new", home=home, as_of=AS_OF)
    )
    assert [h.id for h in found.households] == [r.household.id for r in rows]
    assert {h.grid_id for h in found.households} == {"jiwang-g1"}
    assert [h.assigned for h in found.households] == [r.assigned for r in rows]
    assert all(h.capacity >= 4 for h in found.households)
    first = found.mentors[0]
    assert first.building_id == "jiwang-g1-b01"
    assert next(m for m in found.mentors if m.id == "m0001").mentees == 1
    hosts = [m for m in found.mentors if m.is_central_household]
    assert hosts
    assert all(m.party_years >= 0 and m.age > 18 for m in found.mentors)
    assert found.current_household is None


async def test_placement_respects_capacity_and_moves_the_member_between_households(
    acts: FloatingMemberActivities, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A full household refuses; a free one takes the member, ending the earlier care."""
    await _run(
        acts.register_floating_member,
        RegisterMemberInput(
            member_id="fm-new", record=_newcomer(), status="to_report", as_of=AS_OF
        ),
    )
    async with sessions() as session:
        rows = await floating.grid_households(session, "jiwang-g1", AS_OF, "fm-new")
        rows += await floating.grid_households(session, "jiwang-g2", AS_OF, "fm-new")
    # The sample fills the first household of grids 1 and 3 and leaves room in the others.
    full = next(r for r in rows if r.assigned >= r.household.capacity)
    free = [r for r in rows if r.assigned < r.household.capacity]
    refused = await _run(
        acts.record_placement,
        RecordPlacementInput(
            member_id="fm-new", household_id=full.household.id, on=AS_OF, default_capacity=5
        ),
    )
    assert (refused.recorded, refused.full) == (False, True)
    assert "已满员" in refused.message
    for row in (free[0], free[1], free[1]):
        placed = await _run(
            acts.record_placement,
            RecordPlacementInput(
                member_id="fm-new", household_id=row.household.id, on=AS_OF, default_capacity=5
            ),
        )
        assert placed.recorded
        assert placed.label.startswith("党员中心户（")
    async with sessions() as session:
        assert await floating.member_households(session, "fm-new", AS_OF) == [free[1].household.id]
        member = await queries.get_member(session, "fm-new")
        assert member is not None
        assert member.status == "in"
    await _run(
        acts.set_member_status,
        MemberStatusInput(member_id="fm-new", status="out", on=AS_OF, release=True),
    )
    async with sessions() as session:
        assert await floating.member_households(session, "fm-new", AS_OF) == []
        ended = await session.scalars(
            select(HouseholdAssignment).where(HouseholdAssignment.member_id == "fm-new")
        )
        assert all(row.ended_on == AS_OF for row in ended)


async def test_stored_timeline_and_first_run_registrations(
    acts: FloatingMemberActivities, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A returning case numbers on after its stored entries; every sample member gets a case."""
    async with sessions() as session:
        for seq in range(3):
            session.add(TimelineEvent(case_id="floating_member/m0261", seq=seq, kind="note"))
        await session.commit()
        registrations = await floating.floating_registrations(session)
    stored = await _run(acts.stored_timeline, StoredTimelineInput(case_id="floating_member/m0261"))
    assert stored.entries == 3
    assert len(registrations) == 40
    first = next(r for r in registrations if r["member_id"] == "m0261")
    assert (first["credential"], first["occupation"], first["building_id"]) == (
        "introduction_letter",
        "快递员",
        "fenhe-g4-b03",
    )
    assert all(r["name"] and r["home_org"] and r["address"] for r in registrations)
