"""Helpers for P3 on the time-skipping server: a small community held in memory as the registry
activities would see it, a worker with the real rules and calendar, and event builders."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError
from temporalio.worker import Worker

from activities.rules import RulesActivities
from models.case import ProjectCaseInput, ProjectCaseResult
from models.case_actions import CaseResult
from models.floating_member import (
    CandidatesInput,
    CandidatesResult,
    FloatingView,
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
from rules.engine.registry import RuleRegistry
from tests.workflows.case_support import CALENDAR, CaseStore, inbound, stop, unique
from workflows.floating_member import FloatingMemberWorkflow

COMMUNITY = "dongfeng"
STREET = "稷山县稷峰街道东风路8号东风小区"


@dataclass
class Household:
    id: str
    grid_id: str
    building_id: str
    unit: str
    capacity: int
    members: set[str] = field(default_factory=set)


Hook = Callable[[ProjectCaseInput], Awaitable[None]]


class HookedStore(CaseStore):
    """A case store that runs the test's hooks on every projection (before storing it)."""

    def __init__(self) -> None:
        super().__init__()
        self.hooks: list[Hook] = []

    @activity.defn(name="project_case")
    async def project_case(self, step: ProjectCaseInput) -> ProjectCaseResult:
        for hook in self.hooks:
            await hook(step)
        return await super().project_case(step)


class FakeFloatingRegistry:
    """东风社区: two grids, three buildings, central households and resident mentors."""

    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.homes = {
            f"{STREET}1号楼": Home(community_id=COMMUNITY, grid_id="df-g1", building_id="df-b1"),
            f"{STREET}2号楼": Home(community_id=COMMUNITY, grid_id="df-g1", building_id="df-b2"),
            f"{STREET}9号楼": Home(community_id=COMMUNITY, grid_id="df-g2", building_id="df-b9"),
            "稷山县新华街1号新华小区1号楼": Home(
                community_id="xinhua", grid_id="xh-g1", building_id="xh-b1"
            ),
        }
        self.households = {
            h.id: h
            for h in (
                Household("hh-b1-u1", "df-g1", "df-b1", "1单元", 2),
                Household("hh-b1-u2", "df-g1", "df-b1", "2单元", 3),
                Household("hh-b2", "df-g1", "df-b2", "1单元", 4),
                Household("hh-b9", "df-g2", "df-b9", "1单元", 1),
            )
        }
        self.mentors = [
            MentorFacts(id="r-old", grid_id="df-g1", building_id="df-b1", party_years=40, age=75),
            MentorFacts(id="r-b1", grid_id="df-g1", building_id="df-b1", party_years=12, age=50),
            MentorFacts(
                id="r-host",
                grid_id="df-g1",
                building_id="df-b2",
                party_years=20,
                age=58,
                is_central_household=True,
            ),
        ]
        self.mentees: dict[str, int] = {}
        self.taken_meanwhile: set[str] = set()
        self.members: dict[str, dict[str, Any]] = {}
        self.statuses: dict[str, list[str]] = {}

    def home(self, address: str, building_id: str | None = None) -> Home:
        for prefix, home in self.homes.items():
            if (building_id and home.building_id == building_id) or address.startswith(prefix):
                unit = address[len(prefix) :].split("单元")[0] if "单元" in address else ""
                return home.model_copy(
                    update={
                        "unit": f"{unit}单元" if unit else "",
                        "located": "building",
                        "places": Places(
                            community="东风社区" if home.community_id == COMMUNITY else "新华社区",
                            grid_branch=f"{home.grid_id}网格党支部",
                            building_group=f"{home.building_id}党小组",
                        ),
                    }
                )
        return Home()

    @activity.defn(name="register_floating_member")
    async def register(self, request: RegisterMemberInput) -> MemberFactsResult:
        if request.record:
            self.members[request.member_id] = dict(request.record)
        data = self.members.get(request.member_id)
        self.statuses.setdefault(request.member_id, []).append(request.status)
        if data is None:
            return MemberFactsResult(known=False, facts=MemberFacts(id=request.member_id))
        home = self.home(str(data.get("address", "")), data.get("building_id"))
        facts = MemberFacts(
            id=request.member_id,
            credential=credential_name(str(data.get("credential", ""))) or "",
            occupation=str(data.get("occupation", "")),
            community_id=home.community_id,
            grid_id=home.grid_id,
            building_id=home.building_id,
            unit=home.unit,
            expected_months=int(data.get("expected_months") or 0),
            abroad=bool(data.get("abroad", False)),
            age=35,
        )
        return MemberFactsResult(known=True, facts=facts, label="王*", home=home)

    @activity.defn(name="locate_address")
    async def locate(self, request: LocateInput) -> Home:
        return self.home(request.address, request.building_id)

    @activity.defn(name="placement_candidates")
    async def candidates(self, request: CandidatesInput) -> CandidatesResult:
        member = request.member_id
        households = [
            HouseholdCandidate(
                id=h.id,
                grid_id=h.grid_id,
                building_id=h.building_id,
                unit=h.unit,
                capacity=h.capacity,
                assigned=len(h.members - {member}),
            )
            for h in self.households.values()
            if h.grid_id == request.home.grid_id
        ]
        mentors = [
            m.model_copy(update={"mentees": self.mentees.get(m.id, 0)}) for m in self.mentors
        ]
        current = next((h.id for h in self.households.values() if member in h.members), None)
        return CandidatesResult(households=households, mentors=mentors, current_household=current)

    @activity.defn(name="record_placement")
    async def record(self, request: RecordPlacementInput) -> RecordPlacementResult:
        target = self.households.get(request.household_id or "")
        if target is not None and target.id in self.taken_meanwhile:
            self.taken_meanwhile.discard(target.id)
            self.fill(target.id)  # another member was placed there since the look-up
        if request.household_id and target is None:
            return RecordPlacementResult(recorded=False, message="没有该中心户")
        joining = target is not None and request.member_id not in target.members
        if target is not None and joining and len(target.members) >= target.capacity:
            return RecordPlacementResult(recorded=False, full=True, message="已满员")
        for household in self.households.values():
            household.members.discard(request.member_id)
        member = self.members.get(request.member_id)
        if request.home is not None and member is not None:
            member.update(building_id=request.home.building_id, address="")
        if target is not None:
            target.members.add(request.member_id)
        self.statuses.setdefault(request.member_id, []).append("in")
        label = f"党员中心户 {request.household_id}" if request.household_id else ""
        return RecordPlacementResult(recorded=True, label=label)

    @activity.defn(name="set_member_status")
    async def set_status(self, request: MemberStatusInput) -> MemberStatusResult:
        self.statuses.setdefault(request.member_id, []).append(request.status)
        if request.release:
            for household in self.households.values():
                household.members.discard(request.member_id)
        return MemberStatusResult(updated=request.member_id in self.members)

    @activity.defn(name="stored_timeline")
    async def stored(self, request: StoredTimelineInput) -> StoredTimelineResult:
        return StoredTimelineResult(entries=len(self.store.timeline(request.case_id)))

    def fill(self, household_id: str) -> None:
        """Fill a household up with other members."""
        household = self.households[household_id]
        household.members |= {f"other-{household_id}-{i}" for i in range(household.capacity)}


@asynccontextmanager
async def floating_worker(
    client: Client,
    task_queue: str,
    rules: RuleRegistry,
    registry: "FakeFloatingRegistry | None" = None,
    *,
    cache: int = 1000,
    keep: bool = False,
) -> AsyncIterator[tuple[CaseStore, FakeFloatingRegistry]]:
    """A worker for the floating-member workflow; yields the case store and the registry (pass
    ``registry`` to carry both over to a restarted worker). ``cache=0`` replays every workflow
    task from history and keeps no sticky queue, so another worker can take over at once.

    On the way out the cases it projected are terminated (unless ``keep``), passed or failed,
    while the worker still runs: a case left with timers and no worker would stop the shared
    server's clock for the tests after it."""
    registry = registry or FakeFloatingRegistry(HookedStore())
    store = registry.store
    rules_activities = RulesActivities(rules)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[FloatingMemberWorkflow],
        max_cached_workflows=cache,
        activities=[
            CALENDAR.resolve_schedule,
            CALENDAR.resolve_schedule_by_rule,
            CALENDAR.shift,
            rules_activities.fetch_rules,
            rules_activities.dry_run_rules,
            registry.register,
            registry.locate,
            registry.candidates,
            registry.record,
            registry.set_status,
            registry.stored,
            store.project_case,
        ],
        graceful_shutdown_timeout=timedelta(seconds=5),
    ):
        try:
            yield store, registry
        finally:
            if not keep:
                for case_id in sorted({call.snapshot.case_id for call in store.calls}):
                    await stop(client.get_workflow_handle(case_id))


def registration(
    member_id: str,
    *,
    building: int = 1,
    unit: int = 1,
    occupation: str = "教师",
    credential: str = "流动党员活动证",
    **extra: Any,
) -> dict[str, Any]:
    """``member.registered`` data for a member living at 东风小区 ``building``号楼."""
    return {
        "member_id": member_id,
        "name": "王小明",
        "home_org": "万荣县皇甫乡北甲村党支部",
        "credential": credential,
        "address": f"{STREET}{building}号楼{unit}单元301室",
        "occupation": occupation,
        "phone": "10000000001",
        **extra,
    }


def member_event(kind: str, member_id: str, at: datetime | date, **data: Any) -> Any:
    """A ``member.<kind>`` event dated ``at``."""
    when = at.isoformat()
    return inbound(f"member.{kind}", {"member_id": member_id, "date": when, **data})


def new_member() -> str:
    return unique("fm")


async def member_view(handle: WorkflowHandle[Any, CaseResult]) -> FloatingView:
    return await handle.query(FloatingMemberWorkflow.member_view)


async def until(
    handle: WorkflowHandle[Any, CaseResult], check: Callable[[FloatingView], bool]
) -> FloatingView:
    """Query until ``check`` holds (a signal or timer takes a workflow task or two)."""
    last: FloatingView | None = None
    for _ in range(300):
        try:
            last = await member_view(handle)
        except (RPCError, WorkflowQueryFailedError):
            last = None  # between two runs, a query can find no worker yet
        if last is not None and check(last):
            return last
        await asyncio.sleep(0.03)
    raise AssertionError(f"condition never held; last: {last and last.snapshot.status}")
