"""The task inbox, and acting on a task from the UI: the form becomes the same CloudEvent an
external system would send, from source ``urn:grassroots:ui`` with the person as actor."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.casekeys import key_fields
from api.problems import FieldError, Problem, bad_request, not_found
from api.schemas import InboxTask, TaskList
from api.security import Person, Writer
from api.services import services
from db.base import utcnow
from db.cases import get_case, get_task, open_tasks
from models.deadline import TaskStatus
from models.events import InboundEvent
from rules.engine.schema.events import EventRules, SignalRoute, UpdateRoute

UI_SOURCE = "urn:grassroots:ui"
# The event that answers a kind of task (its id up to the first "-") where the process has more
# than one way to be answered; other processes answer with their only update.
TASK_EVENTS: dict[tuple[str, str], str] = {
    ("floating_member", "origin"): "grassroots.member.origin_confirmed",
    ("floating_member", "assign"): "grassroots.member.assigned",
    ("floating_member", "contact"): "grassroots.member.contacted",
    ("floating_member", "party_life"): "grassroots.member.attended",
}
router = APIRouter(prefix="/api", tags=["tasks"])


@router.get("/tasks", response_model=TaskList)
async def inbox(
    request: Request,
    person: Person,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> TaskList:
    """Open tasks within your reach, soonest due first."""
    async with services(request).sessions() as session:
        page = await open_tasks(session, person.communities, limit, offset)
    items = [
        InboxTask.model_validate(
            {**_columns(task), "process": case.process, "subject_label": case.subject_label}
        )
        for task, case in page.rows
    ]
    return TaskList(total=page.total, limit=limit, offset=offset, items=items)


def _columns(row: Any) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


async def _form(request: Request) -> dict[str, Any]:
    """The submitted form: a JSON object, or URL-encoded / multipart fields."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("the body is not valid JSON", slug="malformed-json") from exc
        if not isinstance(body, dict):
            raise bad_request(
                "the form is a JSON object", [FieldError("body", "must be an object")]
            )
        return body
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _event_type(rules: EventRules, process: str, task_id: str, requested: str | None) -> str:
    """The event type a form submits: the one asked for, the one answering this kind of task,
    or the process's only update."""
    if requested:
        return requested
    known = TASK_EVENTS.get((process, task_id.split("-", 1)[0]))
    if known is not None:
        return known
    updates = [
        name
        for name, route in rules.events.items()
        if isinstance(route, UpdateRoute) and route.process == process
    ]
    if len(updates) != 1:
        raise bad_request(
            "say which event this form sends", [FieldError("type", f"one of {sorted(updates)}")]
        )
    return updates[0]


@router.post("/tasks/{case_id:path}/{task_id}/act")
async def act(request: Request, person: Writer, case_id: str, task_id: str) -> JSONResponse:
    """Answer a task (an opinion, a sign-off, an origin reply, a manual placement, a contact …);
    an update is accepted or refused by the case on the spot."""
    svc = services(request)
    async with svc.sessions() as session:
        case = await get_case(session, case_id, person.communities)
        task = await get_task(session, case_id, task_id) if case is not None else None
    if case is None or task is None:
        raise not_found(f"no task {task_id} of case {case_id} within your reach")
    if task.status != TaskStatus.OPEN.value:
        raise Problem(409, "task-closed", f"task {task_id} is {task.status}, not open")
    form = await _form(request)
    requested = form.get("type")
    data = form["data"] if "data" in form else {k: v for k, v in form.items() if k != "type"}
    if not isinstance(data, dict):
        raise bad_request("data is a JSON object", [FieldError("data", "must be an object")])
    rules = svc.rules.active.events
    asked = requested if isinstance(requested, str) else None
    event_type = _event_type(rules, case.process, task_id, asked)
    route = rules.events.get(event_type)
    fields = None
    if isinstance(route, UpdateRoute | SignalRoute) and route.process == case.process:
        fields = key_fields(route.case_key, case_id)
    if fields is None:
        raise Problem(422, "wrong-event", f"{event_type} does not answer tasks of case {case_id}")
    event = InboundEvent(
        id=str(uuid.uuid4()),
        source=UI_SOURCE,
        type=event_type,
        time=utcnow(),
        subject=case_id,
        data={**data, **fields, "task_id": task_id, "actor": person.name},
    )
    outcome = await svc.router.route(event, actor=person.actor)
    return outcome.response()
