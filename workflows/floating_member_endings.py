"""How a floating member's case ends or pauses: refused, moved out, 失联 (and back from it),
with the registry's state of the member kept in step."""

from temporalio import workflow

from workflows.case import RETRY, TIMEOUT
from workflows.floating_member_case import LongCase
from workflows.floating_member_contact import Contacts
from workflows.floating_member_time import moment, today

with workflow.unsafe.imports_passed_through():
    from activities.floating_member import FloatingMemberActivities
    from models.floating_member import (
        ENDED,
        MemberMoved,
        MemberState,
        MemberStatus,
        MemberStatusInput,
    )

S = MemberStatus
CLOSED = "grassroots.member.closed"
LOST = "grassroots.member.lost_contact"


class MemberEndings:
    """Endings and 失联; the workflow's other steps build on these."""

    _case: LongCase
    _s: MemberState
    _contacts: Contacts

    def _ended(self) -> bool:
        return self._case.status in ENDED

    async def _heard_of(self) -> None:
        """A sign of life ends 失联."""
        c = self._case
        if self._s.lost_contact_at is None:
            return
        self._contacts.regain()
        c.note("contact_regained", "已恢复与党员的联系，解除失联")
        if self._s.placement is not None:
            c.set_status(S.ACTIVE)
        await self._registry_status("in")

    async def _close_out(self, moved: MemberMoved, where: str, actor: str) -> None:
        """The member left the community: close the case with the destination and reason."""
        c, now = self._case, workflow.now()
        c.summary.update(
            moved_out_at=moment(moved.date, now).isoformat(),
            destination=where,
            reason=moved.reason,
        )
        for task in c.open_tasks():
            task.cancel("system", "党员已流出")
        await self._registry_status("out", release=True)
        c.emit(
            "closed",
            CLOSED,
            {"member_id": c.subject_id, "ending": "moved_out", "destination": where},
        )
        tail = (f"至 {where}" if where else "") + (
            f"，原因：{moved.reason}" if moved.reason else ""
        )
        c.note("case_closed", f"党员流出{tail}，案件结案", actor=actor)
        c.set_status(S.MOVED_OUT)

    async def _refuse(self, reason: str, *, actor: str | None = None, save: bool = True) -> None:
        c = self._case
        for task in c.open_tasks():
            task.cancel(actor or "system", "不予登记")
        if save:
            await self._registry_status("refused", release=True)
        c.summary["refusal"] = reason
        c.emit("closed", CLOSED, {"member_id": c.subject_id, "ending": "refused", "reason": reason})
        c.note("refused", f"不予登记：{reason}", actor=actor)
        c.set_status(S.REFUSED)

    async def _lose(self) -> None:
        c, s = self._case, self._s
        reasons = self._contacts.lose()
        c.emit(
            "lost_contact",
            LOST,
            {
                "member_id": c.subject_id,
                "reasons": list(reasons.values()),
                "last_contact_at": s.last_contact_at.isoformat(),
            },
        )
        c.set_status(S.LOST_CONTACT)
        await self._registry_status("lost_contact")

    async def _registry_status(self, status: str, *, release: bool = False) -> None:
        await workflow.execute_activity_method(
            FloatingMemberActivities.set_member_status,
            MemberStatusInput(
                member_id=self._case.subject_id or "",
                status=status,
                on=today(workflow.now()),
                release=release,
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
