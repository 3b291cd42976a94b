"""P1 双向考核: who gives the opinion when the rules find no community organisation to consult.

A person names one (``assign_consulted_org``). From case-engine revision ANSWERS_ENGINE on that
wait is a task in the street committee's inbox, due when the opinion would be, with the opinion
task's reminders, escalation and deadline policy; earlier cases wait without a task until the
assessment closes.
"""

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow

from workflows.case import ANSWERS_ENGINE
from workflows.case_tasks import CaseDeadlineTask
from workflows.case_text import due_rule, role_refused
from workflows.deadline_text import show
from workflows.dual_assessment_endings import AssessmentEndings

with workflow.unsafe.imports_passed_through():
    from models.case_actions import AssignInput, CaseActionResult, OverrideInput
    from models.deadline import TaskStatus
    from models.dual_assessment import AssessmentStatus
    from rules.engine.processes import DualAssessment

S = AssessmentStatus
ANCHORS = {"closes_at": "考核截止", "opened_at": "考核开始"}
NO_ORG = "规则未能确定征求意见的社区"
_ASSIGN_TITLE = "指定征求意见的社区"
_ASSIGN_OWNER = "street_committee"


class ConsultedOrgAssignment(AssessmentEndings):
    """The manual assignment of the consulted community, and the rule set the case decides by."""

    _task: CaseDeadlineTask | None
    _assign_task: CaseDeadlineTask | None
    _assigned: str | None
    _override: OverrideInput | None

    @property
    def _rules(self) -> DualAssessment:
        return DualAssessment.of(self._case.rules)

    async def _manual_assignment(self, opened_at: datetime, closes_at: datetime) -> str | None:
        c = self._case
        if self._rules.model.no_consulted_org == "out_of_scope":
            if c.engine >= ANSWERS_ENGINE:
                self._out_of_scope(f"{NO_ORG}，按规则不征求意见")
                return None
            c.note("case_closed", "规则未能确定征求意见的社区，按规则不征求意见，案件结束")
            c.set_status(S.OUT_OF_SCOPE)
            return None
        c.note("assignment_needed", "规则未能确定征求意见的社区，待人工指定")
        if c.engine >= ANSWERS_ENGINE:
            return await self._assignment_task(opened_at, closes_at)
        c.set_status(S.AWAITING_ASSIGNMENT)
        await c.wait_until(lambda: self._assigned is not None or self._closing, closes_at)
        if self._assigned is not None:
            return self._assigned
        self._close_without_opinion("考核结束前未指定征求意见的社区")
        return None

    async def _assignment_task(self, opened_at: datetime, closes_at: datetime) -> str | None:
        """The street committee's task to name the community, due when the opinion would be (the
        opinion task's rule: the community must be found in time to give it); past due, the rule
        set's deadline policy applies as to a missing opinion. Returns the community, or None
        when the case ended without one."""
        c, d = self._case, self._rules
        rule = d.opinion_due(opened_at, closes_at)
        self._assign_task = task = await c.open_task_due(
            rule.result,
            d.model.opinion_task.model_copy(update={"title": _ASSIGN_TITLE}),
            task_id="assign",
            owner=_ASSIGN_OWNER,
            opened_at=opened_at,
            decided=lambda due: c.decided(
                "assignment_due_decided",
                f"指定社区期限：{show(due)}（同意见期限，{due_rule(rule.result, ANCHORS)}）",
                rule,
            ),
        )
        c.set_status(S.AWAITING_ASSIGNMENT)
        await c.until_due(task, lambda: self._assigned is not None or self._closing)
        if self._assigned is not None:
            return self._assigned
        late = "考核结束前未指定征求意见的社区" if self._closing else "逾期未指定征求意见的社区"
        if await self._past_due(
            task,
            lambda: self._assigned is not None,
            late=late,
            reason=late,
            held="未指定征求意见的社区：按规则挂起，待指定社区或经授权放行后方可结案",
            missing="未指定征求意见的社区",
        ):
            return self._assigned
        return None

    async def _past_due(
        self,
        task: CaseDeadlineTask,
        done: Callable[[], bool],
        *,
        late: str,
        reason: str,
        held: str,
        missing: str,
    ) -> bool:
        """The rule set's deadline policy for ``task`` gone past due without what it waits for:
        close flagged (``reason``), or hold until it comes (``done``) or an authorised override
        releases the case. True when it came and the case goes on; False when the case ended."""
        c = self._case
        policy = c.decided("deadline_policy_decided", late, self._rules.deadline_policy())
        if policy == "close_without_opinion":
            task.cancel("system", f"{reason}，按规则结案")
            self._close_without_opinion(reason)
            return False
        c.note("held", held)
        c.set_status(S.HELD)
        await workflow.wait_condition(lambda: done() or self._override is not None)
        if done():
            return True
        assert self._override is not None
        self._release(task, self._override, missing=missing)
        return False

    @workflow.update
    def assign_consulted_org(self, request: AssignInput) -> CaseActionResult:
        """Name the community organisation to consult when the rules found none; from
        ANSWERS_ENGINE on this answers the assignment task."""
        self._assigned = request.org_id
        self._case.note(
            "consulted_org_assigned",
            f"人工指定征求意见的社区：{self._case.party(request.org_id)}",
            actor=request.actor,
            detail={"role": request.role, "reason": request.reason},
        )
        if self._assign_task is not None:
            answer = {"org_id": request.org_id, "role": request.role, "reason": request.reason}
            self._assign_task.answer(answer, request.actor)
        return self._case.result(f"已指定{self._case.party(request.org_id)}出具意见")

    @assign_consulted_org.validator
    def _validate_assign(self, request: AssignInput) -> None:
        roles = ("admin", *self._rules.model.opinion_task.override_roles)
        if self._case.engine >= ANSWERS_ENGINE:
            # Waiting for the community or held for it: the assignment task is open till then.
            task = self._assign_task
            waiting = task is not None and task.status is TaskStatus.OPEN and self._override is None
        else:
            waiting = self._case.status == S.AWAITING_ASSIGNMENT
        if not waiting or self._assigned is not None:
            raise ValueError("案件不在待指定社区状态")
        if request.role not in roles:
            raise role_refused(request.role, roles, "指定社区", "可指定", self._case.role_label)
        if not request.org_id.strip() or not request.actor.strip():
            raise ValueError("须写明社区和操作人")
