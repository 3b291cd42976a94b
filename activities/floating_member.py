"""Registry work for P3 流动党员: save and look up the member, resolve an address to its building,
grid and community, list households with their load and mentor candidates, and record the
placement and the member's state. One session per activity call."""

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from db import floating, queries
from db.errors import RegistryError
from db.records import HouseholdAssignmentRecord, MemberRecord
from db.tables import CentralHousehold, PartyMember
from models.floating_member import (
    REGISTRY_CREDENTIALS,
    CandidatesInput,
    CandidatesResult,
    Home,
    HouseholdCandidate,
    LocateInput,
    MemberFactsResult,
    MemberStatusInput,
    MemberStatusResult,
    Places,
    RecordPlacementInput,
    RecordPlacementResult,
    RegisterMemberInput,
    StoredTimelineInput,
    StoredTimelineResult,
    credential_name,
)
from rules.engine.facts import MemberFacts, MentorFacts

SessionFactory = Callable[[], AsyncSession]
_UNIT = re.compile(r"(\d+)\s*单元")


class FloatingMemberActivities:
    """Reads and writes the registry for the floating-member workflow."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self._sessions = session_factory

    @activity.defn
    async def register_floating_member(self, request: RegisterMemberInput) -> MemberFactsResult:
        """Save the member from the event (if it carries the record) and gather the facts."""
        data = request.record
        async with self._sessions() as session:
            problem = None
            if data:
                problem = await _save(session, request)
            member = await queries.get_member(session, request.member_id)
            if member is not None and not data:
                member.status = request.status
            home = await _locate(
                session,
                LocateInput(
                    address=str(data.get("address") or (member.address if member else "") or ""),
                    building_id=data.get("building_id") or (member.building_id if member else None),
                    unit=data.get("unit") or (member.unit if member else None),
                ),
            )
            if not home.community_id:
                home.community_id = str(
                    data.get("community_id") or (member.community_id if member else "") or ""
                )
            await session.commit()
        facts, sources = _facts(request, member, home)
        return MemberFactsResult(
            known=member is not None,
            problem=problem,
            facts=facts,
            label=_masked(member.name if member else str(data.get("name") or "")) or None,
            home=home,
            sources=sources,
        )

    @activity.defn
    async def locate_address(self, request: LocateInput) -> Home:
        """Where an address (or a building id) is: building, grid and community."""
        async with self._sessions() as session:
            return await _locate(session, request)

    @activity.defn
    async def placement_candidates(self, request: CandidatesInput) -> CandidatesResult:
        """The households of the member's grid with their load and nearby mentor candidates."""
        home, on = request.home, request.as_of
        async with self._sessions() as session:
            households = []
            if home.grid_id:
                rows = await floating.grid_households(session, home.grid_id, on, request.member_id)
                households = [
                    HouseholdCandidate(
                        id=row.household.id,
                        grid_id=row.building.grid_id,
                        building_id=row.building.id,
                        unit=row.household.unit or "",
                        capacity=row.household.capacity,
                        assigned=row.assigned,
                        label=_household_label(row.household, row.host_name),
                    )
                    for row in rows
                ]
            mentors = []
            if home.community_id:
                rows_m = await floating.mentor_candidates(
                    session,
                    home.community_id,
                    request.member_id,
                    home.grid_id,
                    home.building_id,
                    request.mentor_limit,
                )
                counts = await floating.mentee_counts(session, [r.member.id for r in rows_m])
                mentors = [
                    MentorFacts(
                        id=row.member.id,
                        grid_id=row.building.grid_id if row.building else "",
                        building_id=row.member.building_id or "",
                        party_years=_years(row.member.joined_party_on, on),
                        mentees=counts.get(row.member.id, 0),
                        age=_years(row.member.birth_date, on),
                        is_central_household=row.hosts_household,
                    )
                    for row in rows_m
                ]
            current = await floating.member_households(session, request.member_id, on)
        return CandidatesResult(
            households=households,
            mentors=mentors,
            current_household=current[0] if current else None,
        )

    @activity.defn
    async def record_placement(self, request: RecordPlacementInput) -> RecordPlacementResult:
        """Put the member in a household's care if it still has room; end any earlier care."""
        on, member_id = request.on, request.member_id
        async with self._sessions() as session:
            member = await queries.get_member(session, member_id)
            if member is None:
                return RecordPlacementResult(recorded=False, message="登记库中没有该党员")
            if request.home is not None and request.home.building_id:
                home = request.home
                member.community_id = home.community_id or member.community_id
                member.building_id, member.unit = home.building_id, home.unit or member.unit
            label = ""
            if request.household_id is not None:
                household = await session.get(CentralHousehold, request.household_id)
                if household is None:
                    return RecordPlacementResult(
                        recorded=False, message=f"登记库中没有党员中心户 {request.household_id}"
                    )
                host = await session.get(PartyMember, household.host_member_id)
                label = _household_label(household, host.name if host else "")
                if request.household_id not in await floating.member_households(
                    session, member_id, on
                ):
                    load = await floating.household_load(session, household.id, on, member_id)
                    capacity = household.capacity or request.default_capacity
                    if load >= capacity:
                        return RecordPlacementResult(
                            recorded=False,
                            full=True,
                            message=f"党员中心户 {household.id} 已满员（{load}/{capacity}）",
                            label=label,
                        )
                    await floating.end_care(session, member_id, on)
                    await queries.assign_household(
                        session,
                        HouseholdAssignmentRecord(
                            household_id=household.id, member_id=member_id, assigned_on=on
                        ),
                    )
            await floating.end_care(session, member_id, on, keep=request.household_id)
            member.status = "in"
            await session.commit()
        return RecordPlacementResult(recorded=True, label=label)

    @activity.defn
    async def set_member_status(self, request: MemberStatusInput) -> MemberStatusResult:
        """The member's registry state (in, out, lost_contact, refused …)."""
        async with self._sessions() as session:
            member = await queries.get_member(session, request.member_id)
            if member is None:
                return MemberStatusResult(updated=False)
            member.status = request.status
            if request.release:
                await floating.end_care(session, request.member_id, request.on)
            await session.commit()
        return MemberStatusResult(updated=True)

    @activity.defn
    async def stored_timeline(self, request: StoredTimelineInput) -> StoredTimelineResult:
        """How many timeline entries an earlier life of the case left in the case store."""
        async with self._sessions() as session:
            return StoredTimelineResult(
                entries=await floating.stored_entries(session, request.case_id)
            )


async def _save(session: AsyncSession, request: RegisterMemberInput) -> str | None:
    """Upsert the member from the event's data; the problem, if it could not be saved."""
    data: dict[str, Any] = dict(request.record)
    credential = credential_name(str(data.get("credential") or ""))
    data["credential"] = REGISTRY_CREDENTIALS[credential] if credential else None
    located = await _locate(
        session,
        LocateInput(
            address=str(data.get("address") or ""),
            building_id=data.get("building_id"),
            unit=data.get("unit"),
        ),
    )
    if located.building_id:
        data.update(building_id=located.building_id, unit=located.unit or data.get("unit"))
        data["community_id"] = located.community_id
    try:
        record = MemberRecord.model_validate(
            {**data, "member_id": request.member_id, "kind": "floating", "status": request.status}
        )
        async with session.begin_nested():
            await queries.upsert_member(session, record)
    except (ValidationError, RegistryError) as err:
        return f"登记库未能保存该党员：{err}"
    return None


async def _locate(session: AsyncSession, request: LocateInput) -> Home:
    building = None
    if request.building_id:
        building = await floating.place_of(session, request.building_id)
    if building is None and request.address:
        found = await floating.building_at(session, request.address)
        building = await floating.place_of(session, found.id) if found else None
    if building is None:
        return Home()
    unit = request.unit or ""
    if not unit and request.address:
        rest = request.address.strip()[len(building.building.address) :]
        match = _UNIT.search(rest)
        unit = f"{match.group(1)}单元" if match else ""
    return Home(
        community_id=building.community.id,
        grid_id=building.grid.id,
        building_id=building.building.id,
        unit=unit,
        located="building",
        places=Places(
            community=building.community.name,
            grid_branch=building.grid.branch_name or f"{building.grid.name}党支部",
            building_group=f"{building.building.number}党小组",
        ),
    )


def _facts(
    request: RegisterMemberInput, member: PartyMember | None, home: Home
) -> tuple[MemberFacts, dict[str, str]]:
    """The deciders' member facts: the event's data first, the registry where it is silent."""
    data, sources = request.record, {}
    values: dict[str, Any] = {
        "id": request.member_id,
        "community_id": home.community_id,
        "grid_id": home.grid_id,
        "building_id": home.building_id,
        "unit": home.unit,
    }
    registry: dict[str, Any] = {}
    if member is not None:
        registry = {
            "credential": member.credential or "",
            "occupation": member.occupation or "",
            "age": _years(member.birth_date, request.as_of),
            "arrived_on": member.arrived_on,
        }
    for name in ("credential", "occupation", "expected_months", "abroad", "age", "arrived_on"):
        if data.get(name) not in (None, ""):
            values[name], sources[name] = data[name], "event"
        elif registry.get(name) not in (None, ""):
            values[name], sources[name] = registry[name], "registry"
    credential = credential_name(str(values.get("credential") or ""))
    values["credential"] = credential or ""
    arrived = values.pop("arrived_on", None)
    if arrived:
        values["months_settled"] = _months(date.fromisoformat(str(arrived)), request.as_of)
    return MemberFacts(**values), sources


def _household_label(household: CentralHousehold, host_name: str) -> str:
    return f"党员中心户（{_masked(host_name)}，{household.unit or ''}）".replace("，）", "）")


def _years(since: date | None, on: date) -> int:
    if since is None:
        return 0
    return max(on.year - since.year - ((on.month, on.day) < (since.month, since.day)), 0)


def _months(since: date, on: date) -> int:
    months = (on.year - since.year) * 12 + on.month - since.month
    return max(months - (on.day < since.day), 0)


def _masked(name: str) -> str:
    """The surname and a star per other character: names stay out of case lists."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
