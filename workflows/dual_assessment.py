"""P1 双向考核 — dual assessment: the community Party organisation's opinion on a resident unit
or an in-service cadre, entirely as ``rules/dual_assessment.yaml`` decides.

Scope and the consulted community come from the rules (or a person assigns one); the opinion
task is due a rule-set lead time before the assessment closes, with the rule set's reminders and
escalation ladder; a grade the evidence rules out is refused with its reason; with no opinion by
the due time the rules choose ``close_without_opinion`` or ``hold`` (until the opinion arrives or
an authorised override). The result goes out as ``grassroots.assessment.opinion_ready``.

From case-engine revision ANSWERS_ENGINE on, a case whose community the rules cannot find opens a
task for the person who must name one, due when the opinion would be and under the same deadline
policy, instead of waiting unseen; and a subject out of scope (or unknown to the registry) is
answered too, with ``opinion_ready`` saying ``consulted: false``.
"""

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.case import ANSWERS_ENGINE, RETRY, TIMEOUT, CaseCore, CaseWorkflow
from workflows.case_tasks import CaseDeadlineTask
from workflows.case_text import (
    CLOSED_WORDS,
    due_rule,
    period_year,
    problems,
    role_refused,
    said,
    shown,
)
from workflows.deadline_extension import as_aware
from workflows.deadline_text import CHINA_TIME, show
from workflows.dual_assessment_assignment import ANCHORS, NO_ORG, ConsultedOrgAssignment

with workflow.unsafe.imports_passed_through():
    from activities.registry import RegistryActivities
    from models.case_actions import CaseActionResult, CaseResult, OverrideInput
    from models.deadline import TaskStatus
    from models.dual_assessment import ASSESSMENT_STATUS_LABELS as LABELS
    from models.dual_assessment import (
        AssessmentOpened,
        AssessmentStatus,
        OpinionSubmitted,
        SubjectFactsInput,
    )
    from models.events import CaseStartInput, InboundEvent
    from rules.engine.evaluate import Decision
    from rules.engine.processes.dual_assessment import GradeCheck

S = AssessmentStatus
_OPENED = "grassroots.assessment.opened"
_SUBMITTED = "grassroots.assessment.opinion_submitted"
_CLOSED = "grassroots.assessment.closed"
_SUBJECT_TYPES = {"unit": "单位", "cadre": "干部"}
LOCAL_FACTS = "local-subject-facts"
"""Patch id: cases started since read the registry facts in a local activity (on the worker,
inside the workflow task); earlier ones in an activity. History records the facts either way."""


@workflow.defn(name="dual_assessment")
class DualAssessmentWorkflow(ConsultedOrgAssignment, CaseWorkflow):
    """One subject's assessment on one occasion and period, until the opinion is delivered."""

    @workflow.init
    def __init__(self, params: CaseStartInput) -> None:
        data = params.event.data
        title = (
            f"双向考核：{_SUBJECT_TYPES.get(str(data.get('subject_type')), '')}"
            f"{data.get('subject_id', '')}（{data.get('occasion', '')} {data.get('period', '')}）"
        )
        self._case = CaseCore(
            "dual_assessment",
            params,
            title=title,
            status=S.OPENING,
            status_labels=LABELS,
            patches=(LOCAL_FACTS,),
        )
        self._opened: AssessmentOpened | None = None
        self._subject: dict[str, Any] = {}
        self._known = True  # whether the registry knows the subject
        self._evidence: dict[str, Any] = {}
        self._task: CaseDeadlineTask | None = None
        self._assign_task: CaseDeadlineTask | None = None
        self._assigned: str | None = None
        self._closing = False
        self._override: OverrideInput | None = None
        self._early: list[InboundEvent] = []

    @workflow.run
    async def run(self, params: CaseStartInput) -> CaseResult:
        await self._case.start()
        await self._assess(params.event)
        return await self._case.finish()

    # --- The process ----------------------------------------------------------------------------

    async def _assess(self, event: InboundEvent) -> None:
        c = self._case
        try:
            opened = AssessmentOpened.model_validate(event.data)
        except ValidationError as err:
            c.note("rejected", f"考核开启事件数据有误：{problems(err)}")
            c.set_status(S.REJECTED)
            return
        self._opened = opened
        occasion, period = opened.occasion, opened.period
        closes_at, opened_at = as_aware(opened.closes_at), c.event_time
        c.subject_id = opened.subject_id
        c.title = (
            f"双向考核：{_SUBJECT_TYPES[opened.subject_type]}{opened.subject_id}"
            f"（{self._rules.model.occasions.get(occasion, occasion)} {period}）"
        )
        c.summary.update(
            subject_type=opened.subject_type,
            occasion=occasion,
            period=period,
            closes_at=closes_at.isoformat(),
        )
        await self._gather_facts(opened)
        c.inputs.update(occasion=occasion, period=period, opened_at=opened_at, closes_at=closes_at)
        d, now = self._rules, workflow.now()
        scope = d.in_scope(self._subject, occasion, period, now)
        if not c.decided("scope_decided", said("属于征求社区意见范围", scope), scope):
            if c.engine >= ANSWERS_ENGINE:
                self._out_of_scope(
                    "不属于规则规定的征求意见范围"
                    if self._known
                    else "登记库中无此考核对象，按事件所附信息不属于规则规定的征求意见范围"
                )
                return
            c.summary["reason"] = "不属于规则规定的征求意见范围"
            c.note("case_closed", "考核对象不属于征求社区意见范围，案件结束")
            c.set_status(S.OUT_OF_SCOPE)
            return
        consulted = d.consulted_org(self._subject, occasion, period, now)
        found = f"征求{c.party(consulted.result)}的意见" if consulted.result else NO_ORG
        org = c.decided("consulted_org_decided", said(found, consulted), consulted)
        if org is None:
            org = await self._manual_assignment(opened_at, closes_at)
            if org is None:
                return
        c.community_id = c.summary["consulted_org"] = org
        evidence = d.evidence(self._subject, occasion, period, now)
        labels = {item.id: item.label for item in d.model.evidence}
        listed = "；".join(f"{labels.get(k, k)}：{shown(v)}" for k, v in evidence.result.items())
        self._evidence = c.decided("evidence_gathered", f"意见参考证据：{listed}", evidence)
        rule = d.opinion_due(opened_at, closes_at)
        self._task = task = await c.open_task_due(
            rule.result,
            d.model.opinion_task,
            task_id="opinion",
            owner=org,
            opened_at=opened_at,
            decided=lambda due: c.decided(
                "opinion_due_decided",
                f"意见期限：{show(due)}（{due_rule(rule.result, ANCHORS)}）",
                rule,
            ),
        )
        c.set_status(S.AWAITING_OPINION)
        for early in self._early:
            self._apply_opinion(early)
        self._early.clear()
        await self._await_opinion(task, closes_at)

    async def _gather_facts(self, opened: AssessmentOpened) -> None:
        c = self._case
        asked = SubjectFactsInput(
            subject_type=opened.subject_type,
            subject_id=opened.subject_id,
            year=period_year(opened.period, c.event_time.astimezone(CHINA_TIME).year),
            as_of=workflow.now().astimezone(CHINA_TIME).date(),
            hints=opened.hints,
        )
        if c.patched(LOCAL_FACTS):
            found = await c.read_locally(RegistryActivities.subject_facts, asked)
        else:
            found = await workflow.execute_activity_method(
                RegistryActivities.subject_facts,
                asked,
                start_to_close_timeout=TIMEOUT,
                retry_policy=RETRY,
            )
        self._subject = found.facts.model_dump()
        self._known = found.known
        c.subject_label = found.label
        c.inputs["subject"] = self._subject
        c.note(
            "facts_gathered",
            "已从登记库取得考核对象信息"
            if found.known
            else "登记库中无此考核对象，按事件所附信息办理",
            detail={"known": found.known, "facts": self._subject, "sources": found.sources},
        )

    async def _await_opinion(self, task: CaseDeadlineTask, closes_at: datetime) -> None:
        c = self._case

        def answered() -> bool:
            return task.status is TaskStatus.ANSWERED

        await c.until_due(task, lambda: answered() or self._closing)
        if not answered() and not await self._past_due(
            task,
            answered,
            late="考核已结束，社区尚未出具意见" if self._closing else "意见逾期未出具",
            reason="考核结束时社区党组织尚未出具意见"
            if self._closing
            else "社区党组织逾期未出具意见",
            held="未出具意见：按规则挂起，待社区补交意见或经授权放行后方可结案",
            missing="未出具意见",
        ):
            return
        await self._deliver(task, closes_at)

    # --- Opinions -------------------------------------------------------------------------------

    def _vet(
        self, event: InboundEvent
    ) -> tuple[str | None, OpinionSubmitted | None, Decision[GradeCheck] | None]:
        """Why the opinion is refused (None if it is accepted), the opinion and its grade check."""
        task = self._task
        if task is None:
            return "尚未向社区发出意见任务，暂不能受理意见", None, None
        try:
            task.validate_answer()
            opinion = OpinionSubmitted.model_validate(event.data)
        except ValidationError as err:
            return f"意见数据有误：{problems(err)}", None, None
        except ValueError:
            return f"意见任务已{CLOSED_WORDS.get(task.status, '结束')}，不再受理意见", None, None
        opened = self._opened
        assert opened is not None  # the task exists only after a valid opening event
        check = self._rules.check_grade(
            self._subject, self._evidence, opinion.grade, opened.occasion, opened.period
        )
        if not check.result.allowed:
            best = (
                f"（按规则最高可评“{check.result.best_allowed}”）"
                if check.result.best_allowed
                else ""
            )
            return "；".join(check.result.reasons) + best, opinion, check
        return None, opinion, check

    def _apply_opinion(self, event: InboundEvent) -> str | None:
        """Record the opinion, or the refusal and why; returns the refusal."""
        c = self._case
        problem, opinion, check = self._vet(event)
        if self._task is None:
            self._early.append(event)  # applied when the task opens
            return None
        actor = opinion.actor if opinion else str(event.data.get("actor") or event.source)
        if problem is not None:
            trace = check.trace.to_dict() if check is not None else None
            c.note("opinion_refused", f"社区意见未受理：{problem}", actor=actor, trace=trace)
            return problem
        assert opinion is not None
        assert check is not None
        c.decided("grade_checked", f"等次“{opinion.grade}”符合规则", check)
        c.inputs["grade"] = opinion.grade
        self._task.answer({"grade": opinion.grade, "comment": opinion.comment}, opinion.actor)
        return None

    @workflow.update
    def submit_opinion(self, event: InboundEvent) -> CaseActionResult:
        """The community's opinion; a grade the rules rule out is refused with the reason."""
        if self._case.seen(event):
            return self._case.result("该意见已受理（重复提交）")
        problem = self._apply_opinion(event)
        if problem is not None:
            raise ApplicationError(problem, type="OpinionRefused", non_retryable=True)
        self._case.first_time(event)
        return self._case.result("社区意见已受理")

    @submit_opinion.validator
    def _validate_opinion(self, event: InboundEvent) -> None:
        if self._case.seen(event):
            return
        problem, _, _ = self._vet(event)
        if problem is not None:
            raise ValueError(problem)

    @workflow.signal
    def assessment_closed(self, event: InboundEvent) -> None:
        """The assessing system closed the assessment."""
        if self._case.first_time(event):
            self._on_closed(event)

    def _on_closed(self, event: InboundEvent) -> None:
        c = self._case
        self._closing = True
        waiting = self._task if self._task is not None else self._assign_task
        held = c.status == S.HELD or (
            waiting is not None
            and waiting.status is TaskStatus.OPEN
            and self._rules.model.opinion_task.on_deadline == "hold"
        )
        missing = (
            "尚未指定征求意见的社区，按规则挂起，须指定社区"
            if waiting is not None and waiting is self._assign_task
            else "社区意见未出具，按规则挂起，须补交意见"
        )
        tail = f"；{missing}或授权放行后方可结案" if held else ""
        c.note("assessment_closed", f"考核单位通知考核已结束{tail}", actor=event.source)

    def _on_event(self, event: InboundEvent) -> None:
        if event.type == _SUBMITTED:
            self._apply_opinion(event)
        elif event.type == _CLOSED:
            self._on_closed(event)
        elif event.type == _OPENED:
            self._case.note("event_ignored", "重复的考核开启事件，案件已在办理", actor=event.source)
        else:
            self._case.note("event_ignored", f"本案件不处理 {event.type} 事件", actor=event.source)

    # --- People's actions -----------------------------------------------------------------------

    @workflow.update
    def override_hold(self, request: OverrideInput) -> CaseActionResult:
        """An authorised role lets a held assessment close without the opinion."""
        self._override = request
        self._case.note(
            "override_recorded",
            f"授权放行：{request.reason}",
            actor=request.actor,
            detail={"role": request.role, "reason": request.reason},
        )
        return self._case.result("已记录授权放行，案件将结案")

    @override_hold.validator
    def _validate_override(self, request: OverrideInput) -> None:
        roles = self._rules.model.opinion_task.override_roles
        if self._case.status != S.HELD or self._override is not None:
            raise ValueError("只有逾期挂起的考核才能授权放行")
        if self._task is None and self._assigned is not None:
            raise ValueError("已指定征求意见的社区，将向社区发出意见任务，不能再授权放行")
        if request.role not in roles:
            raise role_refused(request.role, roles, "授权放行", "可授权", self._case.role_label)
        if not request.reason.strip() or not request.actor.strip():
            raise ValueError("授权放行须写明操作人和理由")
