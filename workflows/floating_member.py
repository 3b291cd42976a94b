"""P3 流动党员联动帮带 — a floating member's onboarding and linked mentoring, for years, entirely
as ``rules/floating_member.yaml`` decides.

``member.registered`` opens the case: the credential is checked, the home organisation asked to
confirm when the rules say so (with a deadline), then the member is placed down the four levels
by address, household capacity and occupation (a person places the member when no rule can) and
paired with a 帮带 mentor. Each level then keeps in touch at its cadence (deadline tasks with a
reminder and escalation up the levels); Party-life invitations go out and attendance is watched;
six months unheard of is 失联, six months settled prompts the transfer of the membership relation.
``member.moved_out`` closes the case (a move within the community re-places the member);
``member.returned`` resumes it. Each Party-life cycle ends in continue-as-new.
"""

from collections.abc import Callable

from pydantic import ValidationError
from temporalio import workflow
from temporalio.exceptions import ApplicationError

# The process's own modules are deterministic and keep no module state: passing them through
# shares them between cached workflows instead of re-importing them into each one's sandbox, which
# halves the worker's memory per cached case (bench/README.md).
with workflow.unsafe.imports_passed_through():
    from db.vocab import USER_ROLE_LABELS, UserRole
    from models.case_actions import CaseActionResult, CaseResult
    from models.deadline import TaskStatus
    from models.events import InboundEvent
    from models.floating_member import MEMBER_STATUS_LABELS as LABELS
    from models.floating_member import (
        FloatingCarry,
        FloatingMemberInput,
        FloatingView,
        MemberState,
        MemberStatus,
        OriginReplyInput,
        PlaceInput,
        RefuseInput,
    )
    from workflows.case import CaseWorkflow
    from workflows.case_tasks import CaseDeadlineTask
    from workflows.case_text import role_refused
    from workflows.deadline_text import show
    from workflows.floating_member_answers import origin_request, place_request
    from workflows.floating_member_case import LongCase
    from workflows.floating_member_contact import Contacts
    from workflows.floating_member_life import PartyLife
    from workflows.floating_member_placement import Placer, chain
    from workflows.floating_member_steps import TRANSFER, MemberSteps, errors

S = MemberStatus
PERSON_ROLES = ("admin", "community_staff", "street_committee")
"""Who records the home organisation's reply, places a member by hand or refuses a registration."""
REFUSED = "PlacementRefused"
HISTORY_LIMIT = 4_000
"""Continue as new early if a flood of events makes one cycle's history this long (the
server suggests continue-as-new at about this length; the Java test server never does)."""


@workflow.defn(name="floating_member")
class FloatingMemberWorkflow(MemberSteps, CaseWorkflow):
    """One floating member in one community, from registration until they move out."""

    _case: LongCase

    @workflow.init
    def __init__(self, params: FloatingMemberInput) -> None:
        carried = params.carried
        member_id = str(params.event.data.get("member_id", ""))
        self._case = LongCase(
            params,
            carried.case if carried else None,
            title=f"流动党员：{member_id}",
            status=S.REGISTERING,
            status_labels=LABELS,
            details=self._details,
        )
        at = self._case.event_time
        self._s = (
            carried.state
            if carried
            else MemberState(registered_at=at, settled_since=at, last_contact_at=at)
        )
        self._inbox: list[InboundEvent] = list(carried.pending) if carried else []
        self._contacts = Contacts(self._case, self._s)
        self._life = PartyLife(self._case, self._s)
        self._placer = Placer(self._case, self._s)
        self._refusal: RefuseInput | None = None
        self._by_hand: PlaceInput | None = None
        self._manual: CaseDeadlineTask | None = None

    @workflow.run
    async def run(self, params: FloatingMemberInput) -> CaseResult:
        c = self._case
        if params.carried is not None:
            await c.resume(params.carried.case.tasks)
            manual = [t for t in c.open_tasks() if t.state.spec.task_id.startswith("assign-")]
            self._manual = manual[0] if manual else None
            await self._live()
        elif await self._open(params.event):
            await self._live()
        return await c.finish()

    # --- Living with the member -----------------------------------------------------------------

    async def _live(self) -> None:
        """Contact, Party life, 失联 and the transfer prompt, until the member moves out; each
        Party-life cycle (after the first invitations) ends in continue-as-new."""
        c, s = self._case, self._s
        while not self._ended():
            wakes = [
                await self._life.next_at(),
                await self._contacts.lost_due(),
                await self._contacts.transfer_due(),
            ]
            await c.wait_until(self._interrupted, min((w for w in wakes if w), default=None))
            await self._apply_inbox()
            if self._ended():
                return
            now = workflow.now()
            transfer = await self._contacts.transfer_due()
            if transfer is not None and transfer <= now:
                self._contacts.prompt_transfer()
                c.emit("transfer_prompted", TRANSFER, {"member_id": c.subject_id})
                c.publish()
            lost = await self._contacts.lost_due()
            if lost is not None and lost <= now and s.lost_contact_at is None:
                await self._lose()
            ticked = await self._life.tick()
            if (ticked or self._history_full()) and await self._continue():
                return

    async def _continue(self) -> bool:
        """Let handlers and the projection finish, apply what came meanwhile, then continue as
        new with the state; True if the member moved out while draining."""
        c = self._case
        while True:
            await c.settle()
            if not self._interrupted():
                break
            await self._apply_inbox()
            if self._ended():
                return True
        self._s.cycles += 1
        carry = FloatingCarry(case=c.carry(), state=self._s, pending=list(self._inbox))
        workflow.continue_as_new(
            FloatingMemberInput(
                event=c.start_event, rule_version=c.version, engine=c.engine, carried=carry
            )
        )

    def _history_full(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested() or info.get_current_history_length() > HISTORY_LIMIT
        )

    # --- People's actions -----------------------------------------------------------------------

    @workflow.update
    def confirm_origin(self, request: OriginReplyInput) -> CaseActionResult:
        """Record the home organisation's reply: confirmed, or not (the registration is refused)."""
        return self._reply_origin(request)

    @confirm_origin.validator
    def _validate_origin(self, request: OriginReplyInput) -> None:
        _check_person(request.role, request.actor, self._case.role_label)
        self._vet_origin(request)

    @workflow.update
    def origin_confirmed(self, event: InboundEvent) -> CaseActionResult:
        """``member.origin_confirmed``: the reply as an event (from the inbox or another system);
        a repeat of the same event is accepted and applied once."""
        c = self._case
        if c.seen(event):
            return c.result("原党组织核实结果已受理（重复提交）")
        result = self._reply_origin(origin_request(event))
        c.first_time(event)
        return result

    @origin_confirmed.validator
    def _validate_origin_event(self, event: InboundEvent) -> None:
        if self._case.seen(event):
            return
        try:
            request = origin_request(event)
        except ValidationError as err:
            raise ValueError(f"原党组织核实结果数据有误：{errors(err)}") from err
        self._vet_origin(request)

    def _vet_origin(self, request: OriginReplyInput) -> None:
        task = self._case.task("origin")
        if task is None or task.status is not TaskStatus.OPEN:
            raise ValueError("本案件没有待回复的原党组织核实")
        if not request.confirmed and not request.reason.strip():
            raise ValueError("原党组织不予确认的，须写明理由")

    def _reply_origin(self, request: OriginReplyInput) -> CaseActionResult:
        c, s = self._case, self._s
        task = c.task("origin")
        assert task is not None  # checked by the validator
        task.answer(request.model_dump(include={"confirmed", "reason"}), request.actor)
        if request.confirmed:
            s.origin = "confirmed"
            c.summary["origin"] = "confirmed"
            c.note("origin_confirmed", "原党组织已确认党员身份", actor=request.actor)
            c.publish()
            return c.result("已记录原党组织确认")
        s.origin = "refused"
        self._refusal = RefuseInput(
            actor=request.actor, role=request.role, reason=f"原党组织不予确认：{request.reason}"
        )
        return c.result("已记录原党组织不予确认，登记将不予受理")

    @workflow.update
    async def place(self, request: PlaceInput) -> CaseActionResult:
        """A person places the member the rules could not (and may name the mentor)."""
        return await self._place_by_hand(request)

    @place.validator
    def _validate_place(self, request: PlaceInput) -> None:
        _check_person(request.role, request.actor, self._case.role_label)
        self._vet_place(request)

    @workflow.update
    async def assigned(self, event: InboundEvent) -> CaseActionResult:
        """``member.assigned``: a manual placement as an event; a household that is full is
        refused with the reason, and a repeat of the same event is applied once."""
        c = self._case
        if c.seen(event):
            return c.result("人工编入已受理（重复提交）")
        result = await self._place_by_hand(place_request(event))
        c.first_time(event)
        return result

    @assigned.validator
    def _validate_assigned(self, event: InboundEvent) -> None:
        if self._case.seen(event):
            return
        try:
            request = place_request(event)
        except ValidationError as err:
            raise ValueError(f"人工编入数据有误：{errors(err)}") from err
        self._vet_place(request)

    def _vet_place(self, request: PlaceInput) -> None:
        if self._manual is None or self._manual.status is not TaskStatus.OPEN:
            raise ValueError("案件不在待人工编入状态")
        if request.branch == "grid" and not (request.grid_id or self._s.home.grid_id):
            raise ValueError("编入网格党支部须指定网格")
        if not (request.community_id or self._s.home.community_id):
            raise ValueError("无法确定党员所在社区，须指定社区")

    async def _place_by_hand(self, request: PlaceInput) -> CaseActionResult:
        task = self._manual
        if task is None or task.status is not TaskStatus.OPEN:
            raise ApplicationError("人工编入任务已结束", type=REFUSED, non_retryable=True)
        placement = self._placer.by_hand(request)
        recorded = await self._placer.record(placement)
        if not recorded.recorded:
            raise ApplicationError(recorded.message, type=REFUSED, non_retryable=True)
        task.answer(request.model_dump(exclude={"actor", "role"}), request.actor)
        self._by_hand = request
        return self._case.result(f"已人工编入：{chain(placement, self._s)}")

    @workflow.update
    def refuse(self, request: RefuseInput) -> CaseActionResult:
        """Refuse the registration with the reason (before the member is placed)."""
        self._refusal = request
        return self._case.result("已记录不予登记，案件将结案")

    @refuse.validator
    def _validate_refuse(self, request: RefuseInput) -> None:
        if self._s.placement is not None or self._ended():
            raise ValueError("党员已编入或案件已结束，不能再不予登记")
        _check_person(request.role, request.actor, self._case.role_label)
        if not request.reason.strip():
            raise ValueError("不予登记须写明理由")

    # --- Events and the case's face -------------------------------------------------------------

    @workflow.signal
    def contacted(self, event: InboundEvent) -> None:
        """``member.contacted``: a contact is logged and the schedule moves on."""
        self._receive(event)

    @workflow.signal
    def attended(self, event: InboundEvent) -> None:
        """``member.attended``: attendance at a Party-life activity."""
        self._receive(event)

    @workflow.signal
    def moved_out(self, event: InboundEvent) -> None:
        """``member.moved_out``: the case closes (a move within the community re-places)."""
        self._receive(event)

    @workflow.signal
    def returned(self, event: InboundEvent) -> None:
        """``member.returned``: the member is back (after 失联, or away)."""
        self._receive(event)

    def _receive(self, event: InboundEvent) -> None:
        if self._case.first_time(event):
            self._inbox.append(event)

    def _on_event(self, event: InboundEvent) -> None:
        self._inbox.append(event)

    @workflow.query
    def member_view(self) -> FloatingView:
        """The case with the member's placement, contact schedule and Party life."""
        return FloatingView(
            snapshot=self._case.snapshot(), state=self._s, run_cycles=self._s.cycles
        )

    def _details(self) -> list[str]:
        """The Web UI's lines about the member (the case core adds status and tasks)."""
        c, s = self._case, self._s
        due = self._contacts.next_due()
        c.summary["next_contact_due"] = due.isoformat() if due else None
        lines = [f"党员：{c.subject_label or '—'}（{c.subject_id or '—'}）"]
        if s.placement is not None:
            lines.append(f"编入：{chain(s.placement, s)}")
            lines.append(f"帮带人：{s.placement.mentor_id or '暂无'}")
        lines.append(f"下次联系：{show(due) if due else '—'}")
        attendance = c.summary.get("attendance") or {}
        if attendance.get("invited"):
            lines.append(
                f"组织生活（近期）：应参加 {attendance['invited']} 次，"
                f"参加 {attendance['attended']} 次（{attendance['rate']:.0%}）"
            )
        if s.lost_contact_at is not None:
            lines.append("失联：" + "；".join(c.summary.get("lost_reasons") or []))
        return lines


def _check_person(role: str, actor: str, rule_label: Callable[[str], str]) -> None:
    def label(name: str) -> str:
        # community_staff is an account role, not one of the rules'.
        staff = name == UserRole.COMMUNITY_STAFF
        return USER_ROLE_LABELS[UserRole.COMMUNITY_STAFF] if staff else rule_label(name)

    if role not in PERSON_ROLES:
        raise role_refused(role, PERSON_ROLES, "办理", "可办理", label)
    if not actor.strip():
        raise ValueError("须写明操作人")
