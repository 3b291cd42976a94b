"""The case page's action forms — 授权放行 for a held assessment, 指定征求意见的社区 for one
awaiting assignment, 延期 for an open task — shown to those the rules allow, and their posts,
which go through the same :func:`api.case_actions.perform` as the API and come back as a Chinese
message."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from api.case_actions import (
    ACTIONS,
    ActionRequest,
    AssignRequest,
    ExtendRequest,
    OverrideRequest,
    perform,
    rule_role,
)
from api.problems import Problem
from api.routes.cases import live_state
from api.security import Principal
from api.services import Services, services
from api.ui.acting import ActResult
from api.ui.names import communities
from api.ui.render import PageWriter, flash, render
from db.case_tables import Case, Task
from models.case_actions import CaseActionResult
from models.case_actions import CaseView as LiveCase
from models.deadline import TaskStatus
from rules.engine import RuleSet, RuleSetInvalid, UnknownRuleVersion
from rules.engine.processes import DualAssessment

router = APIRouter(include_in_schema=False)
# The actions a page form may post (moving rule versions is for the API and administrators).
PAGE_ACTIONS = ("override", "assign", "extend")


@dataclass
class CaseForms:
    """Which action forms the case page shows this person."""

    override: bool = False
    override_roles: list[str] = field(default_factory=list)  # their labels, for the page
    assign: list[tuple[str, str]] = field(default_factory=list)
    extend: set[str] = field(default_factory=set)
    # Sent back with each form, so a form submitted twice (a double click, a resend after no
    # answer) is one action on the case: the update's id.
    key: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def any(self) -> bool:
        return self.override or bool(self.assign) or bool(self.extend)


async def case_forms(
    request: Request, person: Principal, case: Case, tasks: list[Task]
) -> CaseForms:
    """The forms the case's pinned rules let this person's role use, in the case's state now."""
    forms = CaseForms()
    role = rule_role(person)
    if role is None:
        return forms
    svc = services(request)
    if case.process == "dual_assessment" and case.status in ("held", "awaiting_assignment"):
        rules = await _pinned(svc, case)
        task_rule = DualAssessment.of(rules).model.opinion_task
        known = rules.shared.roles
        forms.override_roles = [
            known[name].label if name in known else name for name in task_rule.override_roles
        ]
        if case.status == "held":
            forms.override = role in task_rule.override_roles
        # Held for want of a community (its "assign" task still open), it can still be named.
        unassigned = case.status == "awaiting_assignment" or any(
            task.task_id == "assign" and task.status == TaskStatus.OPEN.value for task in tasks
        )
        if unassigned and role in ("admin", *task_rule.override_roles):
            async with svc.sessions() as session:
                forms.assign = await communities(session, person.communities)
    if any(task.status == TaskStatus.OPEN.value for task in tasks):
        forms.extend = await _extendable(svc, case.case_id, role)
    return forms


async def _pinned(svc: Services, case: Case) -> RuleSet:
    """The rule version the case runs under (the active one if this API cannot load it)."""
    if case.rule_version:
        try:
            return await svc.rules.get(case.rule_version)
        except (UnknownRuleVersion, RuleSetInvalid):
            pass
    return svc.rules.active


async def _extendable(svc: Services, case_id: str, role: str) -> set[str]:
    """The open tasks ``role`` may still extend, as the running case says (none if it is silent)."""
    live = await live_state(svc.temporal, case_id, svc.config.live_state_timeout.total_seconds())
    if live.state is None:
        return set()
    try:
        view = LiveCase.model_validate(live.state)
    except ValidationError:
        return set()
    return {
        task.spec.task_id
        for task in view.tasks
        if task.status is TaskStatus.OPEN
        and role in task.spec.extension_roles
        and task.extensions < task.spec.max_extensions
    }


def _request(action: str, form: dict[str, str]) -> ActionRequest | str:
    """The action's request from the form, or what is missing, in Chinese."""
    reason = form.get("reason", "").strip()
    if action == "override":
        return OverrideRequest(reason=reason) if reason else "请填写放行理由"
    if action == "assign":
        org_id = form.get("org_id", "").strip()
        return AssignRequest(org_id=org_id, reason=reason) if org_id else "请选择社区"
    by, until = form.get("by", "").strip(), form.get("new_due_at", "").strip()
    if not reason:
        return "请填写延期理由"
    if bool(by) == bool(until):
        return "请填写延长时长或新的期限（二选一）"
    try:
        return ExtendRequest.model_validate(
            {
                "task_id": form.get("task_id", ""),
                "reason": reason,
                "by": by or None,
                "new_due_at": datetime.fromisoformat(until) if until else None,
            }
        )
    except (ValidationError, ValueError):
        return "延长时长或新的期限写法有误（时长如 5wd 表示 5 个工作日、7d 表示 7 天）"


def _message(problem: Problem) -> str:
    if problem.slug == "refused":
        return f"案件未接受：{problem.detail}"
    if problem.status == 503:
        return "案件暂时没有响应，请稍后查看案件状态后再试。"
    if problem.status == 404:
        return "没有这个案件，或它不在您的管辖范围内。"
    return problem.detail


@router.post("/cases/{case_id:path}/actions/{action}")
async def act(request: Request, person: PageWriter, case_id: str, action: str) -> Response:
    """One action form: htmx shows the outcome under it; a plain post comes back to the case page
    with the outcome as a flash."""
    form = await request.form()
    submitted = {key: value for key, value in form.items() if isinstance(value, str)}
    asked = _request(action, submitted) if action in PAGE_ACTIONS else "此操作不能在网页上办理"
    if isinstance(asked, str):
        result = ActResult(False, asked, 400)
    else:
        try:
            key = submitted.get("request_key") or None
            done: CaseActionResult = await perform(
                services(request), person, case_id, ACTIONS[action], asked, key=key
            )
            result = ActResult(True, done.message or "已办理。")
        except Problem as problem:
            result = ActResult(False, _message(problem), problem.status)
    if not request.headers.get("hx-request"):
        return flash(RedirectResponse(f"/cases/{case_id}", status_code=303), result.message)
    return render(
        request,
        "cases/_action_result.html",
        status_code=result.status_code,
        result=result,
        case_id=case_id,
    )
