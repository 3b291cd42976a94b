"""待办: the open tasks within the person's reach, grouped by the organisation that owes them,
each with its due date, card colour and the form that answers it."""

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from api.services import services
from api.ui import acting
from api.ui.forms import ELSEWHERE, form_for
from api.ui.labels import CHINA
from api.ui.names import names
from api.ui.render import PagePerson, PageWriter, flash, render
from db.base import utcnow
from db.case_tables import Case, Task
from db.cases import open_tasks

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _aware(task: Task) -> Any:
    due = task.due_at
    if due is not None and due.tzinfo is None:
        due = due.replace(tzinfo=utcnow().tzinfo)
    return due


@router.get("/inbox")
async def inbox(
    request: Request, person: PagePerson, page: Annotated[int, Query(ge=1)] = 1
) -> Response:
    svc = services(request)
    async with svc.sessions() as session:
        found = await open_tasks(session, person.communities, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        rows: list[tuple[Task, Case]] = [(row[0], row[1]) for row in found.rows]
        known = await names(session, [task.owner for task, _ in rows])
    now = utcnow()
    today = now.astimezone(CHINA).date()
    rules = svc.rules.active
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task, case in rows:
        due = _aware(task)
        groups[task.owner].append(
            {
                "task": task,
                "case": case,
                "overdue": due is not None and due < now,
                "form": form_for(case.process, task.task_id, rules, person.name, today),
                "elsewhere": ELSEWHERE,
            }
        )
    owners = [(owner, known.get(owner, owner), items) for owner, items in groups.items()]
    pages = max(1, -(-found.total // PAGE_SIZE))
    return render(
        request,
        "inbox.html",
        nav="inbox",
        owners=owners,
        total=found.total,
        page=page,
        pages=pages,
        can_act=person.role is not None and person.role.value != "viewer",
    )


@router.post("/inbox/{case_id:path}/{task_id}/act")
async def act(request: Request, person: PageWriter, case_id: str, task_id: str) -> Response:
    """Answer a task from its card: htmx shows the outcome under the form (which goes once the
    case accepts); a plain form post comes back to the inbox with the outcome as a flash."""
    form = await request.form()
    submitted = {key: value for key, value in form.items() if isinstance(value, str)}
    result = await acting.act(request, person, case_id, task_id, submitted)
    if not request.headers.get("hx-request"):
        return flash(RedirectResponse("/inbox", status_code=303), result.message)
    return render(
        request,
        "inbox/_result.html",
        status_code=result.status_code,
        result=result,
        case_id=case_id,
        task_id=task_id,
    )
