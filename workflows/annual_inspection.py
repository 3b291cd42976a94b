"""P2 年检登记 — annual inspection gated on the community's sign-off, entirely as
``rules/annual_inspection.yaml`` decides.

Scope (the blind-spot types included by rule, exemptions), the statutory window and a checklist
against the registry (each item with its trace) come first; then a sign-off task with the rule
set's due date, reminders and escalation. Granted releases the gate (``inspection.cleared``);
denied blocks it (``inspection.blocked`` with reasons) until the organisation remediates
(``org.joined_big_committee``) or asks again, up to the rules' limit and the statutory deadline;
conditional releases it while each condition is followed up until met or lapsed (then blocked,
if the rules say so).
"""

from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from temporalio import workflow

from workflows.annual_inspection_signoffs import JOINED, InspectionSignoffs
from workflows.annual_inspection_steps import follow_up, record_checklist
from workflows.case import ANSWERS_ENGINE, RETRY, TIMEOUT, CaseCore, CaseWorkflow
from workflows.case_tasks import CaseDeadlineTask
from workflows.case_text import due_rule, problems, said
from workflows.deadline_text import CHINA_TIME, show

with workflow.unsafe.imports_passed_through():
    from activities.registry import RegistryActivities
    from models.annual_inspection import INSPECTION_STATUS_LABELS as LABELS
    from models.annual_inspection import (
        Condition,
        InspectionRequested,
        InspectionStatus,
        OrgFactsInput,
        SignoffSubmitted,
    )
    from models.case_actions import CaseResult
    from models.deadline import TaskStatus
    from models.events import CaseStartInput, InboundEvent
    from rules.engine.processes import AnnualInspection

S = InspectionStatus
CLEARED = "grassroots.inspection.cleared"
BLOCKED = "grassroots.inspection.blocked"
_REQUESTED = "grassroots.inspection.requested"
_SIGNOFF = "grassroots.inspection.signoff"
_ANCHORS = {"requested_at": "申请", "window_closes": "法定期限截止"}
_OVERDUE = "社区党组织逾期未签署意见"


@workflow.defn(name="annual_inspection")
class AnnualInspectionWorkflow(InspectionSignoffs, CaseWorkflow):
    """One organisation's inspection in one year, until the gate is cleared or blocked."""

    @workflow.init
    def __init__(self, params: CaseStartInput) -> None:
        data = params.event.data
        title = f"年检登记：{data.get('org_id', '')}（{data.get('year', '')} 年度）"
        self._case = CaseCore(
            "annual_inspection", params, title=title, status=S.OPENING, status_labels=LABELS
        )
        self._request: InspectionRequested | None = None
        self._org: dict[str, Any] = {}
        self._requests = 0
        self._task: CaseDeadlineTask | None = None
        self._signoff: SignoffSubmitted | None = None
        self._again: str | None = None  # why the organisation asks again, once it does
        self._conditions: list[Condition] = []
        self._checklist: list[dict[str, Any]] = []
        self._window: dict[str, Any] = {}
        self._early: list[InboundEvent] = []
        self._known = False  # whether the registry knows the organisation
        self._joined: InboundEvent | None = None  # the organisation's join of the 大党委

    @workflow.run
    async def run(self, params: CaseStartInput) -> CaseResult:
        await self._case.start()
        await self._inspect(params.event)
        return await self._case.finish()

    # --- The process ----------------------------------------------------------------------------

    async def _inspect(self, event: InboundEvent) -> None:
        c = self._case
        try:
            request = InspectionRequested.model_validate(event.data)
        except ValidationError as err:
            c.note("rejected", f"年检申请事件数据有误：{problems(err)}")
            c.set_status(S.REJECTED)
            return
        self._request, c.subject_id = request, request.org_id
        c.summary.update(org_id=request.org_id, year=request.year)
        requested_at = c.event_time
        await self._gather_facts()
        c.inputs.update(year=request.year, requested_at=requested_at)
        d = self._rules
        if c.engine >= ANSWERS_ENGINE and self._org["org_type"] not in c.rules.shared.org_types:
            self._type_unknown()
        elif not self._in_scope(request.year):
            return
        found = d.statutory_window(self._org, request.year)
        window = found.result
        line = f"{window.label}，{show(window.closes_at)} 截止" if window else "无适用的法定期限"
        c.decided("window_decided", said(f"法定期限：{line}", found), found)
        if window is not None:
            closes, self._window = window.closes_at, {"label": window.label}
            self._window["authority"] = window.authority
        else:
            closes = datetime(request.year + 1, 1, 1, tzinfo=CHINA_TIME) - timedelta(seconds=1)
            c.note("window_missing", "规则未规定该类型的法定期限，按年底计")
        self._window["closes_at"] = closes.isoformat()
        c.summary["window_closes"] = closes.isoformat()
        while await self._request_signoff(requested_at, closes):
            requested_at = workflow.now()

    def _in_scope(self, year: int) -> bool:
        """The rules' scope decision; out of scope, the gate is cleared at once with the reason."""
        c, d = self._case, self._rules
        scope = d.in_scope(self._org, year, workflow.now())
        if c.decided("scope_decided", said("须经社区党组织签署", scope), scope):
            return True
        reason = "组织类型不在年检征求意见范围"
        if scope.trace.rule_id != "scope":
            exemption = next(e for e in d.model.scope.exemptions if e.id == scope.trace.rule_id)
            reason = exemption.label
        c.summary["reason"] = reason
        c.emit("cleared", CLEARED, self._gate(signoff_required=False, reason=reason))
        c.note("case_closed", f"无需社区签署：{reason}")
        c.set_status(S.NOT_REQUIRED)
        return False

    def _type_unknown(self) -> None:
        """An organisation of a type the rules do not know is never released without sign-off:
        a mistyped org id or an unregistered organisation would otherwise pass the gate."""
        c, org_type = self._case, self._org["org_type"]
        if not self._known:
            why = "登记库中无此组织，不掌握其组织类型"
        elif not org_type:
            why = "登记库未登记该组织的类型"
        else:
            why = f"组织类型“{org_type}”不在规则的组织类型中"
        c.summary["scope"] = "type_unknown"
        c.note(
            "scope_unknown",
            f"{why}，无法判定是否免于签署：须经社区党组织签署意见",
            detail={"known": self._known, "org_type": org_type},
        )

    async def _gather_facts(self) -> None:
        c, request = self._case, self._request
        assert request is not None  # facts follow a valid request
        found = await workflow.execute_activity_method(
            RegistryActivities.org_facts,
            OrgFactsInput(
                org_id=request.org_id,
                year=request.year,
                as_of=workflow.now().astimezone(CHINA_TIME).date(),
                hints=request.hints,
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        self._org = c.inputs["org"] = found.facts.model_dump()
        self._known = found.known
        c.community_id = found.facts.community_id or None
        c.subject_label = found.label
        if found.label:
            c.title = f"年检登记：{found.label}（{request.year} 年度）"
        c.note(
            "facts_gathered",
            "已从登记库取得组织信息" if found.known else "登记库中无此组织，按事件所附信息办理",
            detail={"known": found.known, "facts": self._org, "sources": found.sources},
        )
        c.publish()

    def _run_checklist(self) -> None:
        request = self._request
        assert request is not None
        decision = self._rules.checklist(self._org, request.year, workflow.now())
        self._checklist = record_checklist(self._case, decision, self._requests)

    async def _request_signoff(self, requested_at: datetime, closes: datetime) -> bool:
        """One sign-off round; True when the organisation asks again after a denial."""
        c, d = self._case, self._rules
        self._requests += 1
        c.inputs["requests"] = c.summary["requests"] = self._requests
        self._run_checklist()
        rule = d.signoff_due(requested_at, closes)
        cap = "，不晚于法定期限截止" if rule.result.cap else ""

        def decided(due: datetime) -> None:
            line = f"第 {self._requests} 次申请的签署期限：{show(due)}"
            line += f"（{due_rule(rule.result, _ANCHORS)}{cap}）"
            c.decided("signoff_due_decided", line, rule)

        self._task = task = await c.open_task_due(
            rule.result,
            d.model.signoff_task,
            task_id=f"signoff-{self._requests}",
            owner=c.community_id or "street_committee",
            opened_at=requested_at,
            decided=decided,
        )
        self._signoff, self._again = None, None
        c.set_status(S.AWAITING_SIGNOFF)
        for early in self._early:
            self._apply_signoff(early)
        self._early.clear()

        def answered() -> bool:
            return task.status is TaskStatus.ANSWERED

        if not await c.until_due(task, answered):
            policy = c.decided(
                "signoff_policy_decided", "社区逾期未签署", d.signoff_deadline_policy()
            )
            if policy == "block":
                task.cancel("system", "逾期未签署，按规则阻断")
                self._block([_OVERDUE], final=True)
                return False
            c.note("signoff_overdue", "社区逾期未签署：按规则继续督办，不自动放行")
            if c.engine >= ANSWERS_ENGINE:
                self._block([_OVERDUE], final=False)  # the registrar learns why it waits
            c.set_status(S.SIGNOFF_OVERDUE)
            await workflow.wait_condition(answered)
        signoff = self._signoff
        assert signoff is not None  # set with the answer
        if signoff.decision == "granted":
            self._clear(signoff)
            return False
        if signoff.decision == "conditional":
            self._clear(signoff)
            await self._follow_up(signoff)
            return False
        self._block(signoff.reasons, final=False)
        again = d.may_request_again(self._requests, workflow.now(), closes)
        limit = d.model.remediation.max_requests
        line = f"可整改后再次申请（已申请 {self._requests} 次，至多 {limit} 次）"
        if not c.decided("remediation_decided", said(line, again), again):
            why = self._no_request_again(closes)
            self._block_for_good(signoff.reasons, why, "不能再次申请，维持阻断，案件结束")
            return False
        c.set_status(S.DENIED)
        if not await c.wait_until(lambda: self._again is not None, closes):
            why = "法定期限截止前未整改再次申请"
            self._block_for_good(signoff.reasons, why, f"{why}，维持阻断，案件结束")
            return False
        c.note("requested_again", f"组织再次申请签署：{self._again}")
        await self._gather_facts()
        return True

    def _no_request_again(self, closes: datetime) -> str:
        """Why a denied organisation may not ask again, as the remediation rule reads it."""
        rules = self._rules.model.remediation
        if not rules.allowed:
            return "不能再次申请：规则不允许整改后再次申请"
        if self._requests >= rules.max_requests:
            return f"不能再次申请：已申请 {self._requests} 次，达到上限"
        return f"不能再次申请：法定期限已于 {show(closes)} 截止"

    def _block_for_good(self, denied: list[str], why: str, closing: str) -> None:
        """A denial's block becomes final: cases from ANSWERS_ENGINE on tell the registrar so,
        with the denial's reasons and ``why``; earlier ones only close with ``closing``."""
        c = self._case
        if c.engine >= ANSWERS_ENGINE:
            self._block([*denied, why], final=True)
            return
        c.note("case_closed", closing)
        c.set_status(S.BLOCKED)

    async def _follow_up(self, signoff: SignoffSubmitted) -> None:
        c = self._case
        met_before = self._met_before if c.engine >= ANSWERS_ENGINE else None
        lapsed = await follow_up(
            c, self._rules, signoff, self._requests, self._conditions, met_before
        )
        if lapsed is not None:
            self._block([f"签署条件逾期未落实：{lapsed.text}"], final=True)
            return
        c.note("conditions_met", "签署条件均已落实")
        c.emit("cleared", CLEARED, self._gate(decision="granted", conditions_met=True))
        c.note("case_closed", "签署条件均已落实，年检登记放行，案件结束")
        c.set_status(S.CLEARED)

    def _clear(self, signoff: SignoffSubmitted) -> None:
        c = self._case
        conditions = [spec.model_dump(mode="json") for spec in signoff.conditions]
        c.summary.update(decision=signoff.decision, signed_by=signoff.actor)
        c.emit(
            "cleared",
            CLEARED,
            self._gate(decision=signoff.decision, signed_by=signoff.actor, conditions=conditions),
        )
        if signoff.decision == "granted":
            c.note("case_closed", "社区党组织同意，年检登记放行，案件结束")
        c.set_status(S.CLEARED)

    def _block(self, reasons: list[str], *, final: bool) -> None:
        c = self._case
        c.summary.update(blocked_reasons=reasons)
        c.emit("blocked", BLOCKED, self._gate(reasons=reasons, final=final))
        if final:
            c.note("case_closed", f"年检登记被阻断：{'；'.join(reasons)}")
            c.set_status(S.BLOCKED)

    def _gate(self, **extra: Any) -> dict[str, Any]:
        request = self._request
        assert request is not None
        return {
            "org_id": request.org_id,
            "year": request.year,
            "community_id": self._case.community_id,
            "window": self._window,
            "requests": self._requests,
            "checklist": self._checklist,
            "signoff_required": True,
            **extra,
        }

    @property
    def _rules(self) -> AnnualInspection:
        return AnnualInspection.of(self._case.rules)

    def _on_event(self, event: InboundEvent) -> None:
        c = self._case
        if event.type == _SIGNOFF:
            self._apply_signoff(event)
        elif event.type == JOINED:
            self._on_joined(event)
        elif event.type == _REQUESTED and c.status == S.DENIED and self._again is None:
            self._again = "组织再次提出申请"
        elif event.type == _REQUESTED:
            c.note("event_ignored", "重复的年检申请，案件已在办理", actor=event.source)
        else:
            c.note("event_ignored", f"本案件不处理 {event.type} 事件", actor=event.source)
