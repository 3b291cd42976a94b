"""Party life for a floating member: invitations to the rule set's activities (主题党日 and
三会一课, each at its own period), ``member.attended``, and the attendance rate over the rule
set's window against its rules, escalated to the organisations they name."""

from datetime import datetime
from typing import Any

from temporalio import workflow

from workflows.deadline_text import show
from workflows.floating_member_case import LongCase
from workflows.floating_member_contact import routes
from workflows.floating_member_time import resolve, times

with workflow.unsafe.imports_passed_through():
    from models.deadline import CardLevel
    from models.floating_member import Invitation, MemberState
    from models.notification import Notification
    from rules.engine.dates import DueDate
    from rules.engine.facts import AttendanceFacts
    from rules.engine.processes import FloatingMember
    from rules.engine.schema.floating_member import Activity

INVITED = "grassroots.member.invited"
ATTENDANCE_ALERT = "grassroots.member.attendance_alert"


class PartyLife:
    """Invitations and attendance of one member; its state lives in ``MemberState``."""

    def __init__(self, case: LongCase, state: MemberState) -> None:
        self._case = case
        self._state = state
        self._times: dict[tuple[str, int], datetime] = {}

    @property
    def _rules(self) -> FloatingMember:
        return FloatingMember.of(self._case.rules)

    def _activities(self) -> tuple[Activity, ...]:
        return self._rules.model.party_life.activities

    def begin(self, at: datetime) -> None:
        """Invitations start at ``at`` for every activity not yet scheduled."""
        for activity in self._activities():
            self._state.invite_anchors.setdefault(activity.id, at)
            self._state.invite_rounds.setdefault(activity.id, 0)

    async def _at(self, activity: Activity) -> datetime:
        """When the activity's next invitation goes out (anchor + period × rounds, no drift)."""
        state = self._state
        rounds = state.invite_rounds[activity.id]
        key = (activity.id, rounds)
        if key not in self._times:
            anchor = state.invite_anchors[activity.id]
            offset = times(activity.every, rounds) if rounds else None
            due = DueDate("invite_anchor", anchor, offset) if offset else None
            self._times[key] = await resolve(self._case, due) if due else anchor
        return self._times[key]

    async def next_at(self) -> datetime | None:
        self.begin(workflow.now())  # activities a rule move added start now
        return min([await self._at(a) for a in self._activities()], default=None)

    async def tick(self) -> bool:
        """Close the invitations whose period ended, send the next ones, check attendance."""
        state, now = self._state, workflow.now()
        sent: list[Invitation] = []
        closed: list[Invitation] = []
        for activity in self._activities():
            while (at := await self._at(activity)) <= now:
                for open_one in self._open(activity.id):
                    open_one.closed = True
                    closed.append(open_one)
                invitation = Invitation(activity=activity.id, label=activity.label, at=at)
                state.invitations.append(invitation)
                state.invite_rounds[activity.id] += 1
                sent.append(invitation)
        if not sent:
            return False
        await self._prune(now)
        self._announce(sent, closed)
        await self._check(now)
        return True

    def _open(self, activity_id: str) -> list[Invitation]:
        return [i for i in self._state.invitations if i.activity == activity_id and not i.closed]

    def _announce(self, sent: list[Invitation], closed: list[Invitation]) -> None:
        c = self._case
        names = "、".join(dict.fromkeys(i.label for i in sent))
        last = "；".join(f"{i.label}{'已参加' if i.attended_at else '未参加'}" for i in closed)
        c.note(
            "invited",
            f"组织生活通知：{names}" + (f"（上期：{last}）" if last else ""),
            detail={
                "activities": [i.activity for i in sent],
                "closed": [i.model_dump(mode="json") for i in closed],
            },
        )
        c.emit(
            "invited",
            INVITED,
            {
                "member_id": c.subject_id,
                "activities": [{"id": i.activity, "label": i.label} for i in sent],
                "branch": c.summary.get("branch_owner"),
            },
        )

    def attended(self, activity: str, at: datetime, actor: str) -> None:
        """Record attendance at an activity (by id or name); it counts as Party life."""
        c, state = self._case, self._state
        known = next((a for a in self._activities() if activity in (a.id, a.label)), None)
        state.last_party_life_at = max(state.last_party_life_at or at, at)
        invitation = None
        if known is not None:
            candidates = [
                i
                for i in state.invitations
                if i.activity == known.id and i.attended_at is None and i.at <= at
            ]
            invitation = max(candidates, key=lambda i: i.at, default=None)
        if invitation is not None:
            invitation.attended_at = at
        label = known.label if known else activity
        tail = "" if invitation else "（无对应的组织生活通知，计入组织生活）"
        c.note(
            "attended",
            f"{show(at)} 参加{label}{tail}",
            actor=actor,
            detail={"activity": known.id if known else activity, "at": at.isoformat()},
        )
        self._summarise()

    async def _cutoff(self, now: datetime) -> datetime:
        window = self._rules.model.party_life.attendance_window
        return await resolve(self._case, DueDate("now", now, window, before=True))

    async def _prune(self, now: datetime) -> None:
        cutoff = await self._cutoff(now)
        state = self._state
        state.invitations = [i for i in state.invitations if not i.closed or i.at >= cutoff]

    def facts(self) -> dict[str, Any]:
        """Attendance over the window: invitations already judged (closed, or attended)."""
        judged = sorted(
            (i for i in self._state.invitations if i.closed or i.attended_at is not None),
            key=lambda i: i.at,
        )
        attended = sum(i.attended_at is not None for i in judged)
        missed = 0
        for invitation in reversed(judged):
            if invitation.attended_at is not None:
                break
            missed += 1
        rate = attended / len(judged) if judged else 0.0
        return AttendanceFacts(
            invited=len(judged), attended=attended, rate=round(rate, 4), consecutive_missed=missed
        ).model_dump()

    def _summarise(self) -> None:
        self._case.summary["attendance"] = self.facts()
        self._case.inputs["attendance"] = self._case.summary["attendance"]
        self._case.publish()

    async def _check(self, now: datetime) -> None:
        """Escalate each attendance rule that starts firing (once, until it stops)."""
        c, state = self._case, self._state
        self._summarise()
        decision = self._rules.attendance_escalations(state.member, self.facts())
        fired = decision.result
        new = [(rule_id, role) for rule_id, role in fired if rule_id not in state.alerts]
        state.alerts = [rule_id for rule_id, _ in fired]
        if not new:
            return
        labels = {r.id: r.label for r in self._rules.model.party_life.attendance_rules}
        orgs = routes(state.placement) if state.placement else {}
        text = "；".join(labels.get(rule_id, rule_id) for rule_id, _ in new)
        c.decided("attendance_escalated", f"组织生活参加情况预警：{text}", decision)
        for rule_id, role in new:
            to = orgs.get(role, role)
            c.notify(
                Notification(
                    case_id=c.case_id,
                    task_id="party_life",
                    kind="escalation",
                    level=CardLevel.YELLOW,
                    to=to,
                    title=f"流动党员组织生活：{c.subject_label or c.subject_id}",
                    due_at=now,
                    at=now,
                    message=f"{labels.get(rule_id, rule_id)}，请{c.party(to)}督促参加组织生活",
                )
            )
            c.emit(
                "attendance_alert",
                ATTENDANCE_ALERT,
                {"member_id": c.subject_id, "rule": rule_id, "to": to, **self.facts()},
            )
