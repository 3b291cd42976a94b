"""People's actions on a running case, as the case's own Temporal updates: an authorised override
of a held assessment, naming the community to consult, extending a task, moving a case to another
rule version. The API and the case page both call :func:`perform`.

The actor is the logged-in person and the role comes from their account, never from the request:
:data:`RULE_ROLES` maps an account's role to the role names the rule files use, and the case's
own validator decides whether that role may do it (a refusal carries the case's reason).
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import structlog
from pydantic import BaseModel, Field
from temporalio.service import RPCError, RPCStatusCode

from api.problems import Problem, not_found, unavailable
from api.security import Principal, forbidden
from api.services import Services
from api.updates import UpdateRefused, run_update
from db.cases import audit, get_case
from db.names import named_within
from db.vocab import UserRole
from models.case_actions import (
    AssignInput,
    CaseActionResult,
    ExtendTaskInput,
    MoveRulesInput,
    MoveRulesResult,
    OverrideInput,
)
from models.duration import Duration
from models.processes import PROCESS_LABELS

log = structlog.get_logger(__name__)

RULE_ROLES: dict[UserRole, str] = {
    # The administrator is the rule files' ``admin``: may name a community and move rule
    # versions, but overrides a hold or extends a task only where a rule file lists ``admin``
    # (the default rules do not), so an account's role grants nothing the rules do not.
    UserRole.ADMIN: "admin",
    UserRole.STREET_COMMITTEE: "street_committee",
    # 县委组织部 reaches every community, so also the cases whose community nobody named yet.
    UserRole.ORGANISATION_DEPARTMENT: "organisation_department",
    # Community staff work for the community Party organisation, which owes the tasks.
    UserRole.COMMUNITY_STAFF: "community_party_org",
}
"""The rule role each account role acts as; a viewer has none and cannot act."""

Reason = Annotated[
    str, Field(min_length=1, max_length=500, description="why (kept on the case and in the audit)")
]


def rule_role(person: Principal) -> str | None:
    """The role the rules know the person by (None: they may not act on cases)."""
    return RULE_ROLES.get(person.role) if person.role is not None else None


class ActionRequest(BaseModel, ABC):
    """What a person sends; the case's update input adds who they are."""

    @abstractmethod
    def update_input(self, actor: str, role: str) -> BaseModel:
        """The update's input, with the actor and role from the person's account."""

    @abstractmethod
    def summary(self) -> str:
        """What the audit log says was asked."""


class OverrideRequest(ActionRequest):
    """Let a held assessment close without the community's opinion."""

    reason: Reason

    def update_input(self, actor: str, role: str) -> OverrideInput:
        return OverrideInput(actor=actor, role=role, reason=self.reason)

    def summary(self) -> str:
        return self.reason


class AssignRequest(ActionRequest):
    """Name the community organisation to consult when the rules found none."""

    org_id: str = Field(min_length=1, max_length=128, description="the community's id")
    reason: str = Field("", max_length=500)

    def update_input(self, actor: str, role: str) -> AssignInput:
        return AssignInput(org_id=self.org_id, actor=actor, role=role, reason=self.reason)

    def summary(self) -> str:
        return f"{self.org_id}：{self.reason}" if self.reason else self.org_id


class ExtendRequest(ActionRequest):
    """Move an open task's due time: to ``new_due_at`` or later ``by`` a duration (one of them)."""

    task_id: str = Field(min_length=1, max_length=128)
    reason: Reason
    new_due_at: datetime | None = Field(None, description="a time without offset is China time")
    by: Duration | None = Field(None, description="e.g. 5wd (working days), 7d, 12h")

    def update_input(self, actor: str, role: str) -> ExtendTaskInput:
        return ExtendTaskInput(
            task_id=self.task_id,
            actor=actor,
            role=role,
            reason=self.reason,
            new_due_at=self.new_due_at,
            by=self.by,
        )

    def summary(self) -> str:
        target = f"延长 {self.by}" if self.by is not None else f"延至 {self.new_due_at}"
        return f"{self.task_id} {target}：{self.reason}"


class MoveRulesRequest(ActionRequest):
    """Move a running case to another stored rule version (after the case's dry run)."""

    version: str = Field(min_length=1, max_length=128)
    reason: Reason

    def update_input(self, actor: str, role: str) -> MoveRulesInput:
        return MoveRulesInput(version=self.version, actor=actor, role=role, reason=self.reason)

    def summary(self) -> str:
        return f"{self.version}：{self.reason}"


@dataclass(frozen=True, slots=True)
class Action:
    """One kind of action: its URL segment, Chinese name, the case update it calls and on which
    processes (None: every case has it)."""

    name: str
    label: str
    update: str
    result: type[BaseModel]
    processes: frozenset[str] | None = None


OVERRIDE = Action(
    "override", "授权放行", "override_hold", CaseActionResult, frozenset({"dual_assessment"})
)
ASSIGN = Action(
    "assign",
    "指定征求意见的社区",
    "assign_consulted_org",
    CaseActionResult,
    frozenset({"dual_assessment"}),
)
EXTEND = Action("extend", "任务延期", "extend_task", CaseActionResult)
MOVE_RULES = Action("move-rules", "变更规则版本", "move_rules", MoveRulesResult)
ACTIONS = {action.name: action for action in (OVERRIDE, ASSIGN, EXTEND, MOVE_RULES)}


async def perform(
    svc: Services,
    person: Principal,
    case_id: str,
    action: Action,
    request: ActionRequest,
    *,
    key: str | None = None,
) -> Any:
    """Ask the case to do ``action`` for ``person``; its result, or a Problem saying why not.
    With a ``key`` the action is the case's update of that id: a repeat (a retry after a 503, a
    form sent twice) is applied once and gets the first answer."""
    async with svc.sessions() as session:
        case = await get_case(session, case_id, person.communities)
    if case is None:
        raise not_found(f"没有案件 {case_id}，或它不在您的管辖范围内")
    role = rule_role(person)
    if role is None:
        raise forbidden("只读账号不能办理案件")
    if action.processes is not None and case.process not in action.processes:
        process = PROCESS_LABELS.get(case.process, case.process)
        raise Problem(422, "not-applicable", f"{process}案件没有“{action.label}”这一操作")
    payload = request.update_input(person.name, role)
    try:
        update_id = f"{action.name}/{person.actor}/{key}" if key else None
        answer = await _update(svc, case_id, action, payload, update_id)
        named = await named_within(svc.sessions, answer.model_dump(mode="json"))
        result = type(answer).model_validate(named)
    except Problem as problem:
        log.info(
            "case_action_refused",
            case_id=case_id,
            action=action.name,
            actor=person.actor,
            role=role,
            status=problem.status,
            detail=problem.detail,
        )
        raise
    async with svc.sessions() as session:
        audit(
            session,
            "case_action",
            person.actor,
            f"{action.label}：{request.summary()}",
            case_id=case_id,
            detail={
                "action": action.name,
                "update": action.update,
                "role": role,
                "request": request.model_dump(mode="json"),
                "result": result.model_dump(mode="json"),
            },
        )
        await session.commit()
    log.info("case_action_applied", case_id=case_id, action=action.name, actor=person.actor)
    return result


async def _update(
    svc: Services, case_id: str, action: Action, payload: BaseModel, update_id: str | None
) -> BaseModel:
    """Run the case's update; a refusal is 422 with the case's reason, no answer in time 503."""
    timeout = svc.config.update_timeout
    retry_after = svc.config.retry_after_seconds
    try:
        result: BaseModel = await run_update(
            svc.temporal,
            case_id,
            action.update,
            payload,
            update_id=update_id,
            within=timeout,
            result_type=action.result,
        )
        return result
    except UpdateRefused as err:
        raise Problem(422, "refused", err.reason or "案件未接受此操作") from err
    except TimeoutError as err:
        raise unavailable(
            f"案件 {case_id} 未在 {timeout.total_seconds():g} 秒内响应（工作进程是否在运行？）："
            "请稍后查看案件状态，再决定是否重试",
            retry_after,
        ) from err
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise Problem(409, "case-ended", f"案件 {case_id} 已结束，不能再办理") from err
        if err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            log.warning("temporal_unavailable", error=str(err), case_id=case_id)
            raise unavailable("暂时无法连接 Temporal，没有做任何更改", retry_after) from err
        raise
