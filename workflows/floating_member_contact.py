"""Periodic contact with a floating member, per level at the rule set's cadence, as deadline
tasks (reminder, then escalation up the levels); 失联 after the rule set's time without contact
or Party life; the prompt to transfer the membership relation after settling."""

from datetime import datetime

from temporalio import workflow

from workflows.case_tasks import CaseDeadlineTask
from workflows.deadline_text import show
from workflows.floating_member_case import LongCase
from workflows.floating_member_time import resolve

with workflow.unsafe.imports_passed_through():
    from models.deadline import DeadlineSpec, TaskStatus
    from models.floating_member import LevelContact, MemberState, Placement
    from rules.engine.processes import FloatingMember
    from rules.engine.tasks import deadline_spec

LEVELS = ("central_household", "building_group", "grid_branch", "big_committee")
"""The four levels, nearest the member first."""
LEVEL_LABELS = {
    "central_household": "党员中心户",
    "building_group": "楼栋党小组",
    "grid_branch": "网格党支部",
    "big_committee": "社区大党委",
}


def new_sector_branch(community_id: str) -> str:
    """The id the new-sector branch of a community goes by in tasks and notifications."""
    return f"{community_id or 'community'}/new_sector"


def owners(placement: Placement) -> dict[str, str]:
    """The organisation at each level the member belongs to (levels it lacks are absent)."""
    branch = placement.grid_id
    if placement.branch == "new_sector":
        branch = new_sector_branch(placement.community_id)
    found = {
        "central_household": placement.household_id,
        "building_group": placement.building_id if placement.branch == "grid" else "",
        "grid_branch": branch,
        "big_committee": placement.community_id,
    }
    return {level: org for level, org in found.items() if org}


def routes(placement: Placement) -> dict[str, str]:
    """Roles in reminder and escalation rules → this member's organisations."""
    found = owners(placement)
    if "big_committee" in found:
        found["community_party_org"] = found["big_committee"]
    return found


class Contacts:
    """The contact schedule of one member; its state lives in ``MemberState`` for the carry."""

    def __init__(self, case: LongCase, state: MemberState) -> None:
        self._case = case
        self._state = state
        self._lost: tuple[datetime, datetime] | None = None
        self._transfer: datetime | None = None

    @property
    def _rules(self) -> FloatingMember:
        return FloatingMember.of(self._case.rules)

    # --- Tasks ----------------------------------------------------------------------------------

    async def arrange(self, reason: str | None = None) -> None:
        """(Re)build the schedule for the current placement: a level whose organisation stays
        keeps its task; another one's task is replaced, counting from the level's last contact."""
        state, placement = self._state, self._state.placement
        assert placement is not None  # contact is arranged once the member is placed
        before = {lc.cadence_id: lc for lc in state.contacts}
        orgs = owners(placement)
        cadences = self._rules.model.contact.cadence
        wanted = [c for c in cadences if c.by in orgs]
        nearest = next(level for level in LEVELS if level in orgs)
        if not wanted or state.member.get("abroad"):
            # No cadence for the member's levels, or abroad: the nearest level keeps in touch.
            wanted = [next((c for c in wanted if c.by == nearest), cadences[0])]
        contacts = []
        for cadence in wanted:
            owner = orgs.get(cadence.by) or orgs[nearest]
            old = before.get(cadence.id)
            task = self._case.task(old.task_id) if old and old.task_id else None
            if old is not None and old.owner == owner and task and task.status is TaskStatus.OPEN:
                contacts.append(old)
                continue
            level = cadence.by if cadence.by in orgs else nearest
            last = old.last_contact_at if old is not None else state.last_contact_at
            contacts.append(
                LevelContact(cadence_id=cadence.id, level=level, owner=owner, last_contact_at=last)
            )
        state.contacts = contacts
        kept = {lc.task_id for lc in state.contacts if lc.task_id}
        for open_task in self._case.open_tasks():
            task_id = open_task.state.spec.task_id
            if task_id.startswith("contact-") and task_id not in kept:
                open_task.cancel("system", reason or "编入关系变更")
        for lc in state.contacts:
            if lc.task_id is None:
                await self._open(lc)

    async def _open(self, lc: LevelContact) -> None:
        c, state, d = self._case, self._state, self._rules
        placement = state.placement
        assert placement is not None
        due = await resolve(
            c,
            c.decided(
                "contact_due",
                f"{LEVEL_LABELS[lc.level]}下次联系期限",
                d.contact_due(lc.last_contact_at, lc.level, bool(state.member.get("abroad"))),
            ),
        )
        cadence = next((x for x in d.model.contact.cadence if x.id == lc.cadence_id), None)
        state.serial += 1
        lc.task_id = f"contact-{lc.cadence_id}-{state.serial}"
        spec = deadline_spec(
            c.rules,
            task_id=lc.task_id,
            title=f"{cadence.label if cadence else '联系流动党员'}：{c.subject_label or ''}",
            owner=lc.owner,
            due_at=due,
            reminders=d.model.contact.reminders,
            escalation=d.model.contact.escalation,
        )
        c.open_task(_routed(spec, routes(placement)), opened_at=lc.last_contact_at)
        self._publish()

    def _tasks(self) -> list[CaseDeadlineTask]:
        ids = {lc.task_id for lc in self._state.contacts}
        return [t for t in self._case.open_tasks() if t.state.spec.task_id in ids]

    def cancel(self, reason: str) -> None:
        for task in self._tasks():
            task.cancel("system", reason)

    async def contacted(self, at: datetime, by: str, channel: str, note: str) -> None:
        """Log a contact: it answers the contact due at its level and below, moving them on."""
        c, state = self._case, self._state
        level = self._level_of(by)
        payload = {"by": by, "channel": channel, "at": at.isoformat(), "note": note}
        where = f"（{channel}）" if channel else ""
        c.note(
            "contacted",
            f"{by} 于 {show(at)} 联系了党员{where}" + (f"：{note}" if note else ""),
            actor=by,
            detail={**payload, "level": level},
        )
        state.last_contact_at = max(state.last_contact_at, at)
        c.inputs["last_contact_at"] = state.last_contact_at
        covered = LEVELS[: LEVELS.index(level) + 1] if level in LEVELS else LEVELS
        for lc in state.contacts:
            if lc.level not in covered or at <= lc.last_contact_at:
                continue
            lc.last_contact_at = at
            task = c.task(lc.task_id) if lc.task_id else None
            if task is not None and task.status is TaskStatus.OPEN:
                task.answer(payload, by)
            await self._open(lc)

    def _level_of(self, by: str) -> str:
        """The level a contact was made at: named, or the organisation's, else the nearest."""
        if by in LEVELS:
            return by
        for lc in self._state.contacts:
            if by == lc.owner:
                return lc.level
        return min((lc.level for lc in self._state.contacts), key=LEVELS.index, default=LEVELS[0])

    def next_due(self) -> datetime | None:
        return min((t.due_at for t in self._tasks() if t.due_at is not None), default=None)

    def _publish(self) -> None:
        due = self.next_due()
        self._case.summary["next_contact_due"] = due.isoformat() if due else None
        self._case.publish()

    def refresh(self) -> None:
        """Keep the summary's next contact due in step after tasks were answered or scheduled."""
        due = self.next_due()
        if self._case.summary.get("next_contact_due") != (due.isoformat() if due else None):
            self._publish()

    # --- 失联 and the transfer prompt -----------------------------------------------------------

    def _anchor(self) -> datetime:
        """The last sign of the member: a contact or Party life, whichever is later."""
        state = self._state
        life = state.last_party_life_at
        return max(state.last_contact_at, life) if life else state.last_contact_at

    async def lost_due(self) -> datetime | None:
        """When the member counts as 失联 unless heard of; None once flagged."""
        if self._state.lost_contact_at is not None:
            return None
        anchor = self._anchor()
        if self._lost is None or self._lost[0] != anchor:
            due = self._rules.lost_contact_at(anchor).result
            self._lost = (anchor, await resolve(self._case, due))
        return self._lost[1]

    def lose(self) -> dict[str, str]:
        """Flag 失联 with its reasons (the decision and its trace go on the timeline)."""
        c, state, now = self._case, self._state, workflow.now()
        state.lost_contact_at = now
        decision = self._rules.lost_contact_at(self._anchor())
        life = state.last_party_life_at
        reasons = {
            "contact": f"自 {show(state.last_contact_at)} 起无联系记录",
            "party_life": f"自 {show(life)} 起未参加组织生活" if life else "流入后未参加组织生活",
        }
        after = self._rules.model.contact.lost_contact_after
        c.decided(
            "lost_contact",
            f"失联：{'；'.join(reasons.values())}（满 {after}）",
            decision,
            detail={"reasons": reasons},
        )
        c.summary.update(lost_contact_at=now.isoformat(), lost_reasons=list(reasons.values()))
        return reasons

    def regain(self) -> None:
        self._state.lost_contact_at = None
        self._case.summary.update(lost_contact_at=None, lost_reasons=[])

    async def transfer_due(self) -> datetime | None:
        """When to prompt the transfer of the membership relation; None once prompted."""
        state = self._state
        if state.transfer_prompted_at is not None:
            return None
        if self._transfer is None:
            due = self._rules.transfer_prompt_at(state.settled_since).result
            self._transfer = await resolve(self._case, due)
        return self._transfer

    def prompt_transfer(self) -> None:
        c, state, now = self._case, self._state, workflow.now()
        state.transfer_prompted_at = now
        after = self._rules.model.contact.transfer_prompt_after
        c.decided(
            "transfer_prompted",
            f"自 {show(state.settled_since)} 起在本地固定居住已满 {after}，提示办理组织关系转接"
            "（组织关系已随介绍信转入的，请核对确认）",
            self._rules.transfer_prompt_at(state.settled_since),
        )
        c.summary["transfer_prompted_at"] = now.isoformat()


def _routed(spec: DeadlineSpec, orgs: dict[str, str]) -> DeadlineSpec:
    """The spec with role names in its reminders and ladder replaced by the member's orgs."""
    return spec.model_copy(
        update={
            "reminders": tuple(
                r.model_copy(update={"to": orgs.get(r.to, r.to)}) for r in spec.reminders
            ),
            "escalation": tuple(
                s.model_copy(update={"to": orgs.get(s.to, s.to)}) for s in spec.escalation
            ),
        }
    )
