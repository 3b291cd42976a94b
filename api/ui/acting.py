"""Acting on a task from the inbox: the form becomes the event ``POST /api/tasks/.../act`` sends
(same source, same data, same router), and the answer becomes a message in Chinese."""

import uuid
from dataclasses import dataclass

from fastapi import Request

from api.casekeys import key_fields
from api.routes.tasks import UI_SOURCE
from api.routing import Outcome
from api.security import Principal
from api.services import services
from api.ui.forms import form_for
from api.ui.labels import CHINA
from db.base import utcnow
from db.cases import get_case, get_task
from models.deadline import TaskStatus
from models.events import InboundEvent
from rules.engine.schema.events import SignalRoute, UpdateRoute


@dataclass(frozen=True, slots=True)
class ActResult:
    """What the person sees after submitting: success or refusal, and the case's new status."""

    ok: bool
    message: str
    status_code: int = 200


async def act(
    request: Request, person: Principal, case_id: str, task_id: str, submitted: dict[str, str]
) -> ActResult:
    """Send the task's answer as its event; a refusal says why, in the case's own words."""
    svc = services(request)
    async with svc.sessions() as session:
        case = await get_case(session, case_id, person.communities)
        task = await get_task(session, case_id, task_id) if case is not None else None
    if case is None or task is None:
        return ActResult(False, "没有这个任务，或它不在您的管辖范围内。", 404)
    if task.status != TaskStatus.OPEN.value:
        return ActResult(False, "该任务已办结，无需再次提交。", 409)
    rules = svc.rules.active
    today = utcnow().astimezone(CHINA).date()
    form = form_for(case.process, task_id, rules, person.name, today)
    if form is None:
        return ActResult(False, "此任务不能在网页上办理。", 422)
    missing = form.missing(submitted)
    if missing:
        return ActResult(False, "请填写：" + "、".join(missing), 400)
    route = rules.events.events.get(form.event_type)
    fields = None
    if isinstance(route, UpdateRoute | SignalRoute) and route.process == case.process:
        fields = key_fields(route.case_key, case_id)
    if fields is None:
        return ActResult(False, "现行规则中没有办理此任务的事件，请联系管理员。", 422)
    event = InboundEvent(
        id=str(uuid.uuid4()),
        source=UI_SOURCE,
        type=form.event_type,
        time=utcnow(),
        subject=case_id,
        data={**form.data(submitted), **fields, "task_id": task_id, "actor": person.name},
    )
    outcome = await svc.router.route(event, actor=person.actor)
    return _result(outcome)


def _result(outcome: Outcome) -> ActResult:
    body = outcome.body
    if not outcome.problem:
        result = body.get("result")
        message = result.get("message") if isinstance(result, dict) else None
        if body.get("status") == "accepted":
            return ActResult(True, message or "已提交，案件正在处理。", outcome.status)
        return ActResult(True, message or "已办理。", outcome.status)
    slug = str(body.get("type", "")).rsplit("/", 1)[-1]
    detail = str(body.get("detail", ""))
    if slug == "refused":
        return ActResult(False, f"案件未接受：{detail}", outcome.status)
    if slug == "unavailable":
        return ActResult(False, "案件暂时没有响应，未做任何更改，请稍后再试。", outcome.status)
    if slug in {"unknown-case", "dead-letter"} or outcome.status == 404:
        return ActResult(False, "案件已结束或不存在，提交未生效。", outcome.status)
    fields = ", ".join(str(e.get("field")) for e in body.get("errors", []) if isinstance(e, dict))
    suffix = f"（{fields}）" if fields else ""
    return ActResult(False, f"提交的内容有误{suffix}，请检查后重试。", outcome.status)
