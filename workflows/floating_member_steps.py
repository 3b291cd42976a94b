"""The steps of a floating member's case: registration (credential, origin confirmation),
placement (by rule or by hand), and the events of its life (contact, attendance, moves, return)."""

from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from pydantic import ValidationError
from temporalio import workflow

from workflows.case import RETRY, TIMEOUT
from workflows.case_tasks import CaseDeadlineTask
from workflows.deadline_text import CHINA_TIME
from workflows.floating_member_endings import MemberEndings
from workflows.floating_member_life import PartyLife
from workflows.floating_member_placement import Placer, chain
from workflows.floating_member_time import moment, resolve, today

with workflow.unsafe.imports_passed_through():
    from activities.floating_member import FloatingMemberActivities
    from models.events import InboundEvent
    from models.floating_member import (
        Home,
        LocateInput,
        MemberAttended,
        MemberContacted,
        MemberFactsResult,
        MemberMoved,
        MemberRegistered,
        MemberStatus,
        PlaceInput,
        Placement,
        RefuseInput,
        RegisterMemberInput,
        StoredTimelineInput,
        credential_name,
    )
    from rules.engine.dates import DueDate
    from rules.engine.processes import FloatingMember
    from rules.engine.tasks import task_spec

S = MemberStatus
_PREFIX = "grassroots.member."
TRANSFER = "grassroots.member.transfer_prompted"


class MemberSteps(MemberEndings):
    """What the floating-member workflow does; it owns the handlers and the loop."""

    _inbox: list[InboundEvent]
    _life: PartyLife
    _placer: Placer
    _refusal: RefuseInput | None
    _by_hand: PlaceInput | None
    _manual: CaseDeadlineTask | None

    @property
    def _rules(self) -> FloatingMember:
        return FloatingMember.of(self._case.rules)

    # --- Waiting while events arrive ------------------------------------------------------------

    def _interrupted(self) -> bool:
        return bool(self._inbox) or self._refusal is not None or self._by_hand is not None

    async def _await(self, done: Callable[[], bool], task: CaseDeadlineTask | None = None) -> bool:
        """Wait for ``done`` (True), applying events meanwhile; False once ``task`` falls due
        (an extension moves it) or the case ends."""
        while not self._ended():
            if done():
                return True
            due = task.due_at if task is not None else None
            if due is not None and workflow.now() >= due:
                return False

            def woken(due: datetime | None = due) -> bool:
                return done() or self._interrupted() or (task is not None and task.due_at != due)

            await self._case.wait_until(woken, due)
            await self._apply_inbox()
        return False

    async def _apply_inbox(self) -> None:
        """Apply received events in order, then a refusal or a person's placement."""
        while self._inbox and not self._ended():
            await self._apply(self._inbox.pop(0))
        refusal, self._refusal = self._refusal, None
        if refusal is not None and not self._ended():
            await self._refuse(refusal.reason, actor=refusal.actor)
        if self._by_hand is not None and self._s.placement is not None and not self._ended():
            placed, self._by_hand = self._by_hand, None
            await self._settle_in(self._placer.by_hand(placed), placed.mentor_id)

    # --- Opening --------------------------------------------------------------------------------

    async def _open(self, event: InboundEvent) -> bool:
        """Register the member (or take back one who returned); True once placed."""
        c = self._case
        if event.type == f"{_PREFIX}returned":
            stored = await workflow.execute_activity_method(
                FloatingMemberActivities.stored_timeline,
                StoredTimelineInput(case_id=c.case_id),
                start_to_close_timeout=TIMEOUT,
                retry_policy=RETRY,
            )
            c.seq_base = self._s.serial = stored.entries  # number on after the earlier stay
        await c.start()
        if event.type == f"{_PREFIX}returned":
            return await self._come_back(event)
        if event.type != f"{_PREFIX}registered":
            await self._refuse(f"{event.type} 不能开启流动党员案件", save=False)
            return False
        return await self._register(event)

    async def _register(self, event: InboundEvent) -> bool:
        c, s = self._case, self._s
        try:
            data = MemberRegistered.model_validate(event.data)
        except ValidationError as err:
            await self._refuse(f"登记信息不完整：{errors(err)}", save=False)
            return False
        c.subject_id = data.member_id
        found = await self._member(event.data, "to_report")
        credential = credential_name(data.credential)
        if data.arrived_on is not None:
            arrived = datetime.combine(data.arrived_on, time(12), tzinfo=CHINA_TIME)
            s.settled_since = min(arrived, s.registered_at)
        c.summary.update(
            member_id=data.member_id,
            home_org=data.home_org,
            occupation=data.occupation,
            registered_at=s.registered_at.isoformat(),
            settled_since=s.settled_since.isoformat(),
        )
        c.inputs.update(registered_at=s.registered_at, settled_since=s.settled_since)
        if found.problem:
            c.note("registry_problem", found.problem)
        if credential is None:
            await self._refuse(
                f"无法识别的证明材料“{data.credential}”（应为介绍信、证明信或流动党员活动证）"
            )
            return False
        if not await self._check_credential(data, credential):
            return False
        return await self._confirm_origin(credential) and await self._place_first()

    async def _member(self, record: dict[str, Any], status: str) -> MemberFactsResult:
        """Save and look up the member; the facts, home and label go on the case."""
        c, s = self._case, self._s
        found = await workflow.execute_activity_method(
            FloatingMemberActivities.register_floating_member,
            RegisterMemberInput(
                member_id=c.subject_id or "", record=record, status=status, as_of=today(c.opened_at)
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        s.member, s.home = found.facts.model_dump(), found.home
        c.subject_label = found.label
        c.community_id = found.home.community_id or None
        c.title = f"流动党员：{found.label or c.subject_id}（{c.subject_id}）"
        c.inputs["member"] = s.member
        where = {"building": "已按住址定位到楼栋", "community": "已定位到社区"}
        saved = "已写入登记库" if record and found.known else "登记库已有该党员"
        c.note(
            "facts_gathered",
            f"{saved if found.known else '登记库中没有该党员'}；"
            + where.get(found.home.located, "住址未能在登记库中定位"),
            detail={"facts": s.member, "home": found.home.model_dump(), "sources": found.sources},
        )
        c.publish()
        return found

    async def _check_credential(self, data: MemberRegistered, credential: str) -> bool:
        """Whether the credential fits the absence (flagged if not) and is still valid."""
        c, d = self._case, self._rules
        spec = d.model.credentials[credential]  # type: ignore[index]
        c.summary.update(credential=credential, voting_rights=spec.voting_rights)
        if data.expected_months is not None:
            member = {**self._s.member, "expected_months": data.expected_months}
            expected = d.credential_for(member, workflow.now())
            wanted = expected.result
            label = d.model.credentials[wanted].label if wanted else "无需证明材料"  # type: ignore[index]
            fits = wanted in (None, credential)
            text = f"持{spec.label}" + ("，与外出时长相符" if fits else f"，按外出时长应为{label}")
            c.decided("credential_checked", text, expected)
            if not fits:
                c.summary["credential_expected"] = wanted
        if spec.valid_for is not None and data.credential_issued_on is not None:
            issued = datetime.combine(data.credential_issued_on, time(12), tzinfo=CHINA_TIME)
            expires = await resolve(self._case, DueDate("issued_on", issued, spec.valid_for))
            if expires < self._s.registered_at:
                valid = spec.valid_for
                issued_on = data.credential_issued_on
                await self._refuse(f"{spec.label}开具于 {issued_on}，有效期 {valid}，已过期")
                return False
        return True

    async def _confirm_origin(self, credential: str) -> bool:
        """Ask the home organisation when the rules say so; wait for the reply or the deadline."""
        c, s, d = self._case, self._s, self._rules
        needed = d.needs_origin_confirmation(credential)
        if not c.decided("origin_confirmation_decided", "是否向原党组织核实身份", needed):
            return True
        s.origin = "pending"
        due = await resolve(
            c, c.decided("confirmation_due", "核实期限", d.confirmation_due(s.registered_at))
        )
        owner = s.home.community_id or "community_party_org"
        spec = task_spec(
            c.rules, d.model.origin_confirmation, task_id="origin", owner=owner, due_at=due
        )
        task = c.open_task(spec, opened_at=s.registered_at)
        c.set_status(S.CONFIRMING)
        if await self._await(lambda: s.origin != "pending", task) or self._ended():
            return not self._ended()
        policy = d.model.origin_confirmation.on_deadline
        if policy == "proceed":
            c.note("origin_overdue", "原党组织逾期未回复：按规则先行编入，继续核实")
            return True
        c.note("origin_overdue", "原党组织逾期未回复：按规则暂缓编入，待回复")
        return await self._await(lambda: s.origin != "pending") and not self._ended()

    async def _come_back(self, event: InboundEvent) -> bool:
        """A member who moved out is back: the case resumes with a fresh placement."""
        c, s = self._case, self._s
        c.subject_id = str(event.data.get("member_id") or "")
        found = await self._member({}, "in")
        if not found.known:
            await self._refuse("登记库中没有该党员，请先办理流入登记（member.registered）")
            return False
        back = MemberMoved.model_validate({"date": s.registered_at, **event.data})
        if back.address:
            await self._relocate(back.address)
        s.settled_since = moment(back.date, workflow.now())
        c.note("returned", "流出党员返回本社区，恢复管理（身份此前已核实，不再重复核实）")
        return await self._place_first()

    # --- Placement ------------------------------------------------------------------------------

    async def _place_first(self) -> bool:
        c = self._case
        c.set_status(S.REGISTERING)
        placement = await self._placer.automatic(moving=False)
        mentor = None
        if placement is None:
            await self._open_manual(self._s.registered_at)
            c.set_status(S.AWAITING_ASSIGNMENT)
            if not await self._await(lambda: self._by_hand is not None):
                return False
            request, self._by_hand = self._by_hand, None
            assert request is not None
            placement, mentor = self._placer.by_hand(request), request.mentor_id
        await self._settle_in(placement, mentor)
        return True

    async def _open_manual(self, opened_at: datetime) -> None:
        c, s, d = self._case, self._s, self._rules
        due = await resolve(
            c, c.decided("manual_due", "人工编入期限", d.manual_assignment_due(opened_at))
        )
        s.serial += 1
        owner = s.home.community_id or "community_party_org"
        rule = d.model.assignment.manual_task
        spec = task_spec(c.rules, rule, task_id=f"assign-{s.serial}", owner=owner, due_at=due)
        self._manual = c.open_task(spec, opened_at=opened_at)

    async def _settle_in(self, placement: Placement, mentor: str | None) -> None:
        """Take up a placement: mentor, the case's face, contact schedule, Party life."""
        c, s, now = self._case, self._s, workflow.now()
        self._placer.pair(placement, mentor)
        first = s.placement is None
        self._placer.adopt(placement, now)
        c.note("placed", f"编入：{chain(placement, s)}", detail=placement.model_dump(mode="json"))
        if c.status != S.LOST_CONTACT:
            c.set_status(S.ACTIVE)
        await self._contacts.arrange(None if first else "编入关系变更，联系任务重新安排")
        if first:
            self._life.begin(now)
            await self._life.tick()

    async def _relocate(self, address: str) -> Home:
        home = await workflow.execute_activity_method(
            FloatingMemberActivities.locate_address,
            LocateInput(address=address),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        if home.building_id:
            s = self._s
            s.home = home
            s.member.update(
                community_id=home.community_id,
                grid_id=home.grid_id,
                building_id=home.building_id,
                unit=home.unit,
            )
            self._case.inputs["member"] = s.member
        return home

    # --- Events ---------------------------------------------------------------------------------

    async def _apply(self, event: InboundEvent) -> None:
        c, now, kind = self._case, workflow.now(), event.type.removeprefix(_PREFIX)
        try:
            if kind == "contacted":
                contact = MemberContacted.model_validate(event.data)
                at = moment(contact.date, now)
                await self._contacts.contacted(at, contact.by, contact.channel, contact.note)
                await self._heard_of()
            elif kind == "attended":
                attended = MemberAttended.model_validate(event.data)
                self._life.attended(attended.activity, moment(attended.date, now), event.source)
                await self._heard_of()
            elif kind == "moved_out":
                await self._moved(MemberMoved.model_validate(event.data), event.source)
            elif kind == "returned":
                back = MemberMoved.model_validate(event.data)
                self._s.last_contact_at = max(self._s.last_contact_at, moment(back.date, now))
                c.note("returned", "党员返回本社区", actor=event.source, detail=event.data)
                await self._heard_of()
            else:
                text = "重复的流入登记，案件已在办理" if kind == "registered" else "本案件不处理"
                c.note("event_ignored", f"{event.type}：{text}", actor=event.source)
        except ValidationError as err:
            c.note("event_refused", f"{event.type} 数据有误：{errors(err)}", actor=event.source)

    async def _moved(self, moved: MemberMoved, actor: str) -> None:
        """Out of the community closes the case; within it, the member is placed anew."""
        c, s, now = self._case, self._s, workflow.now()
        where = moved.destination or moved.address
        if where and s.placement is not None:
            old = s.home
            home = await self._relocate(where)
            if home.community_id and home.community_id == s.placement.community_id:
                c.note("moved_within", f"党员在社区内搬迁至 {where}", actor=actor)
                placement = await self._placer.automatic(moving=True)
                if placement is None:
                    placement = self._placer.bare(home)
                    await self._placer.record(placement, home)
                    await self._open_manual(now)
                await self._settle_in(placement, None)
                return
            s.home = old
        await self._close_out(moved, where, actor)


def errors(err: ValidationError) -> str:
    return "；".join(
        f"{'.'.join(str(p) for p in e['loc']) or '数据'}: {e['msg']}" for e in err.errors()
    )
