"""P2 年检登记: the community's sign-offs and the organisation's joins of the 大党委, as the
case receives them. A sign-off is vetted (refused with the reason, or applied to the open
sign-off task), held until that task opens, or, while a conditional sign-off is followed up,
taken as confirming its conditions met; a join remediates a denial or meets a 大党委 condition."""

from typing import Any

from pydantic import ValidationError
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.case import ANSWERS_ENGINE, CaseCore
from workflows.case_tasks import CaseDeadlineTask
from workflows.case_text import problems

with workflow.unsafe.imports_passed_through():
    from models.annual_inspection import (
        STRICT_CONDITIONS,
        Condition,
        InspectionStatus,
        SignoffSubmitted,
    )
    from models.case_actions import CaseActionResult
    from models.deadline import TaskStatus
    from models.events import InboundEvent

S = InspectionStatus
JOINED = "grassroots.org.joined_big_committee"
_DECISIONS = {"granted": "同意", "denied": "不予通过", "conditional": "附条件通过"}
_FOLLOWING = (S.CONDITIONAL, S.CONDITION_OVERDUE)


class InspectionSignoffs:
    """The sign-off and 大党委 handlers of an annual inspection, and the conditions they meet."""

    _case: CaseCore
    _requests: int
    _task: CaseDeadlineTask | None
    _signoff: SignoffSubmitted | None
    _again: str | None
    _conditions: list[Condition]
    _early: list[InboundEvent]
    _joined: InboundEvent | None

    def _met_before(self, condition: Condition) -> bool:
        """Meet a 大党委 condition at once (noting it) when the organisation joined before the
        sign-off; True if it did."""
        joined = self._joined
        if joined is None or condition.kind != "join_big_committee":
            return False
        condition.status = "met"
        self._case.note(
            "conditions_confirmed",
            f"签署条件“{condition.text}”已落实：组织在签署前已加入社区大党委",
            actor=joined.source,
            detail={"met_by": JOINED, **joined.data, "task_id": condition.task_id},
        )
        return True

    def _vet(
        self, event: InboundEvent, *, strict: bool = False
    ) -> tuple[str | None, SignoffSubmitted | None]:
        """Why the sign-off is refused (None if accepted), and the sign-off; ``strict`` also
        refuses a condition with a field it does not know (``STRICT_CONDITIONS``)."""
        context = STRICT_CONDITIONS if strict else None
        try:
            signoff = SignoffSubmitted.model_validate(event.data, context=context)
        except ValidationError as err:
            return f"签署数据有误：{problems(err)}", None
        if self._case.status in _FOLLOWING:
            if signoff.decision != "granted":
                return "附条件通过正在跟踪落实，只能以“同意”确认条件已落实", signoff
            return None, signoff
        task = self._task
        if task is None:
            return "尚未向社区发出签署任务，暂不能受理", signoff
        if task.status is not TaskStatus.OPEN and self._again is not None:
            return (
                f"组织已再次申请，第 {self._requests + 1} 次申请的签署任务即将发出，请稍候再提交",
                signoff,
            )
        if task.status is not TaskStatus.OPEN:
            return f"第 {self._requests} 次申请的签署任务已结束，不再受理", signoff
        return None, signoff

    def _apply_signoff(self, event: InboundEvent) -> str | None:
        """Record the sign-off, or the refusal and why; returns the refusal."""
        c = self._case
        if self._task is None and c.status not in _FOLLOWING:
            self._early.append(event)  # applied when the task opens
            return None
        problem, signoff = self._vet(event)
        actor = signoff.actor if signoff else str(event.data.get("actor") or event.source)
        if problem is not None:
            c.note("signoff_refused", f"签署意见未受理：{problem}", actor=actor)
            return problem
        assert signoff is not None
        payload = signoff.model_dump(mode="json")
        if c.status in _FOLLOWING:
            self._confirm(event.data.get("task_id"), payload, signoff.actor)
            return None
        self._signoff = signoff
        c.note(
            "signoff_received",
            f"社区签署意见：{_DECISIONS[signoff.decision]}"
            + (f"（{'；'.join(signoff.reasons)}）" if signoff.reasons else ""),
            actor=signoff.actor,
            detail=payload,
        )
        assert self._task is not None
        self._task.answer(payload, signoff.actor)
        return None

    def _confirm(self, task_id: object, payload: dict[str, Any], actor: str) -> None:
        """The community confirms conditions met: from ANSWERS_ENGINE on, the one whose task
        the confirmation names (the inbox's form on that task) if it names one; else all."""
        named = [cd for cd in self._conditions if cd.task_id == task_id]
        if self._case.engine >= ANSWERS_ENGINE and named:
            summary = f"社区确认签署条件已落实：{named[0].text}"
            self._meet(lambda cd: cd.task_id == task_id, payload, actor, summary)
            return
        self._meet(lambda _: True, payload, actor, "社区确认签署条件已落实")

    def _meet(self, which: Any, payload: dict[str, Any], actor: str, summary: str) -> None:
        met = 0
        for condition in self._conditions:
            task = self._case.task(condition.task_id)
            if task is not None and task.status is TaskStatus.OPEN and which(condition):
                condition.status = "met"
                task.answer(payload, actor)
                met += 1
        if met:
            self._case.note("conditions_confirmed", summary, actor=actor, detail=payload)

    def _on_joined(self, event: InboundEvent) -> None:
        c = self._case
        c.note(
            "joined_big_committee", "组织已加入社区大党委", actor=event.source, detail=event.data
        )
        self._joined = self._joined or event  # a later 大党委 condition is met by it
        if c.status == S.DENIED and self._again is None:
            self._again = "已整改：加入社区大党委"
        elif c.status in _FOLLOWING or (c.engine >= ANSWERS_ENGINE and self._conditions):
            # also while the conditions' tasks are being opened: those still to open are met
            # by ``_met_before``, those open already here
            self._meet(
                lambda cd: cd.kind == "join_big_committee",
                {"met_by": JOINED, **event.data},
                event.source,
                "加入大党委的签署条件已落实",
            )

    @workflow.update
    def signoff(self, event: InboundEvent) -> CaseActionResult:
        """The community's sign-off: granted, denied (reasons) or conditional (conditions)."""
        if self._case.seen(event):
            return self._case.result("该签署意见已受理（重复提交）")
        problem = self._apply_signoff(event)
        if problem is not None:
            raise ApplicationError(problem, type="SignoffRefused", non_retryable=True)
        self._case.first_time(event)
        return self._case.result("签署意见已受理")

    @signoff.validator
    def _validate_signoff(self, event: InboundEvent) -> None:
        if self._case.seen(event):
            return
        # Only here: validators do not run on replay, so sign-offs that running cases accepted
        # with such a field (and dropped it) keep replaying as they were.
        problem, _ = self._vet(event, strict=True)
        if problem is not None:
            raise ValueError(problem)

    @workflow.signal
    def org_joined_big_committee(self, event: InboundEvent) -> None:
        """The organisation joined the community 大党委 (remediation, or a condition met)."""
        if self._case.first_time(event):
            self._on_joined(event)
