"""Placement down the four levels — community 大党委 → grid branch → building group → central
household — by the rules' assignment and the registry's households with room, and the 帮带
mentor paired by rule. The registry records the placement, so the next member sees the
household's new load; a household that filled up in the meantime is passed over."""

from datetime import datetime

from temporalio import workflow

from workflows.case import RETRY, TIMEOUT
from workflows.floating_member_case import LongCase
from workflows.floating_member_contact import LEVEL_LABELS, new_sector_branch
from workflows.floating_member_time import today

with workflow.unsafe.imports_passed_through():
    from activities.floating_member import FloatingMemberActivities
    from models.floating_member import (
        CandidatesInput,
        CandidatesResult,
        Home,
        MemberState,
        PlaceInput,
        Placement,
        RecordPlacementInput,
        RecordPlacementResult,
    )
    from rules.engine.processes import FloatingMember

PLACED = "grassroots.member.placed"
ATTEMPTS = 3
"""Households tried in turn when each fills up between the look-up and the recording."""


class Placer:
    """Decides and records where a member belongs; ``MemberState.placement`` holds the result."""

    def __init__(self, case: LongCase, state: MemberState) -> None:
        self._case = case
        self._state = state
        self.candidates = CandidatesResult()

    @property
    def _rules(self) -> FloatingMember:
        return FloatingMember.of(self._case.rules)

    async def fetch(self) -> CandidatesResult:
        """Households of the member's grid with their load, and mentor candidates nearby."""
        c, state = self._case, self._state
        self.candidates = await workflow.execute_activity_method(
            FloatingMemberActivities.placement_candidates,
            CandidatesInput(
                member_id=c.subject_id or "", home=state.home, as_of=today(workflow.now())
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        c.inputs["households"] = [h.model_dump() for h in self.candidates.households]
        c.inputs["mentors"] = [m.model_dump() for m in self.candidates.mentors]
        return self.candidates

    async def automatic(self, *, moving: bool) -> Placement | None:
        """Place by the rules and record it; None when a person must place the member."""
        c, state = self._case, self._state
        for _ in range(ATTEMPTS):
            found = await self.fetch()
            if found.current_household and not moving:
                c.note(
                    "placement_kept",
                    f"登记库中该党员已由党员中心户 {found.current_household} 联系，沿用",
                    detail={"household_id": found.current_household},
                )
                kept = self._placement("grid", found.current_household, "registry", False)
                await self.record(kept)
                return kept
            households = [h.model_dump() for h in found.households]
            decision = self._rules.assign(state.member, households)
            result = decision.result
            text = "规则未能编入，转人工" if result.manual else _describe(result.branch, result)
            c.decided("assigned", f"编入决定：{text}", decision)
            if result.manual:
                return None
            branch = "new_sector" if result.branch == "new_sector" else "grid"
            placement = self._placement(branch, result.household_id or "", result.match, False)
            recorded = await self.record(placement, state.home if moving else None)
            if not recorded.full:
                return placement
            c.note("household_full", f"党员中心户 {result.household_id} 已满员，重新编入")
        return None

    def _placement(self, branch: str, household: str, match: str | None, manual: bool) -> Placement:
        home = self._state.home
        return Placement(
            branch="new_sector" if branch == "new_sector" else "grid",
            community_id=home.community_id,
            grid_id=home.grid_id if branch == "grid" else "",
            building_id=home.building_id if branch == "grid" else "",
            household_id=household if branch == "grid" else "",
            match=match,
            manual=manual,
            placed_at=workflow.now(),
        )

    def by_hand(self, request: PlaceInput) -> Placement:
        """A person's placement; another grid than the address's drops the building."""
        placement = self._placement(request.branch, request.household_id or "", "manual", True)
        placement.community_id = request.community_id or placement.community_id
        if request.branch == "grid" and request.grid_id and request.grid_id != placement.grid_id:
            placement.grid_id, placement.building_id = request.grid_id, ""
        return placement

    def bare(self, home: Home) -> Placement:
        """The grid branch of ``home`` without a household, until a person finds one."""
        placement = self._placement("grid", "", None, False)
        placement.community_id, placement.grid_id = home.community_id, home.grid_id
        placement.building_id = home.building_id
        return placement

    async def record(self, placement: Placement, home: Home | None = None) -> RecordPlacementResult:
        """Write the placement to the registry (ending an earlier household's care)."""
        result = await workflow.execute_activity_method(
            FloatingMemberActivities.record_placement,
            RecordPlacementInput(
                member_id=self._case.subject_id or "",
                household_id=placement.household_id or None,
                on=today(workflow.now()),
                default_capacity=self._rules.model.assignment.household_capacity,
                home=home,
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        if result.recorded:
            self._state.home.places.household = result.label
        return result

    def pair(self, placement: Placement, chosen: str | None = None) -> None:
        """The 帮带 mentor: a person's choice, or the rules' among the candidates."""
        c = self._case
        if chosen:
            placement.mentor_id = chosen
            c.note("mentor_paired", f"人工指定帮带人 {chosen}", detail={"mentor_id": chosen})
            return
        mentors = [m.model_dump() for m in self.candidates.mentors]
        decision = self._rules.pair_mentor(self._state.member, mentors)
        placement.mentor_id = decision.result
        text = f"帮带人 {decision.result}" if decision.result else "暂无符合条件的帮带人"
        c.decided("mentor_paired", f"结对帮带：{text}", decision)

    def adopt(self, placement: Placement, now: datetime) -> None:
        """Make ``placement`` the member's, on the case's face and in its outbound event."""
        c, state = self._case, self._state
        state.placement = placement
        c.community_id = placement.community_id or c.community_id
        branch = (
            new_sector_branch(placement.community_id)
            if placement.branch == "new_sector"
            else placement.grid_id
        )
        c.summary.update(
            branch=placement.branch,
            branch_owner=branch,
            community_id=placement.community_id,
            grid_id=placement.grid_id,
            building_id=placement.building_id,
            household_id=placement.household_id,
            mentor_id=placement.mentor_id,
            placed_at=now.isoformat(),
            places=state.home.places.model_dump(),
        )
        c.inputs.pop("households", None)
        c.inputs.pop("mentors", None)
        c.emit(
            "placed",
            PLACED,
            {
                "member_id": c.subject_id,
                "branch": placement.branch,
                "community_id": placement.community_id,
                "grid_id": placement.grid_id,
                "building_id": placement.building_id,
                "household_id": placement.household_id,
                "mentor_id": placement.mentor_id,
                "manual": placement.manual,
            },
        )
        c.publish()


def chain(placement: Placement, state: MemberState) -> str:
    """社区大党委 → 网格党支部 → 楼栋党小组 → 党员中心户, as far as the member goes."""
    places = state.home.places
    if placement.branch == "new_sector":
        return f"{places.community or placement.community_id}大党委 → 新兴领域党支部"
    steps = [
        f"{places.community or placement.community_id}大党委",
        places.grid_branch or f"{placement.grid_id} {LEVEL_LABELS['grid_branch']}",
    ]
    if placement.building_id:
        steps.append(places.building_group or f"{placement.building_id} 楼栋党小组")
    if placement.household_id:
        steps.append(places.household or f"党员中心户 {placement.household_id}")
    return " → ".join(steps)


def _describe(branch: str | None, result: object) -> str:
    household = getattr(result, "household_id", None)
    match = {"same_unit": "同单元", "same_building": "同楼栋", "same_grid": "同网格"}
    if branch == "new_sector":
        return "编入新兴领域党支部"
    where = match.get(str(getattr(result, "match", "")), "")
    return f"按住址编入网格党支部，{where}党员中心户 {household}" if household else "编入网格党支部"
