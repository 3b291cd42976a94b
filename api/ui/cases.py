"""案件: the case list with filters, search and paging, and one case's page with its state,
tasks, timeline and the trace of every decision ("why is this inspection blocked?")."""

from datetime import date, datetime, time
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from api.services import services
from api.ui import labels
from api.ui.case_actions import case_forms
from api.ui.names import communities, names
from api.ui.render import PageNotFound, PagePerson, render
from db.base import utcnow
from db.case_tables import Case, TimelineEvent
from db.cases import TERMINAL_STATUSES, CaseFilter, case_tasks, case_timeline, get_case, list_cases
from models.processes import PROCESS_LABELS

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25

# Statuses in which a case is waiting on something it cannot do itself: the page explains why.
STUCK = frozenset(
    {
        "blocked",
        "signoff_overdue",
        "condition_overdue",
        "denied",
        "conditional",
        "held",
        "awaiting_assignment",
        "lost_contact",
        "returned",
        "ineligible",
        "out_of_scope",
        "not_required",
        "rejected",
    }
)


def _day(name: str, value: str | None, end: bool = False) -> datetime | None:
    """A date from a date input as the start (or end) of that day in Beijing time; a field left
    empty is no bound, anything else not a date is the page's 400 naming the parameter."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        error = {"type": "date_parsing", "loc": ("query", name), "msg": "", "input": value}
        raise RequestValidationError([error]) from None
    moment = datetime.combine(day, time.max if end else time.min, tzinfo=labels.CHINA)
    return moment


@router.get("/cases")
async def case_list(
    request: Request,
    person: PagePerson,
    process: str = "",
    status: str = "",
    community: str = "",
    overdue: bool = False,
    due_from: str = "",
    due_to: str = "",
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    where = CaseFilter(
        process=process or None,
        status=status or None,
        community=community or None,
        overdue_at=utcnow() if overdue else None,
        due_after=_day("due_from", due_from),
        due_before=_day("due_to", due_to, end=True),
        q=q.strip() or None,
    )
    svc = services(request)
    async with svc.sessions() as session:
        found = await list_cases(
            session, where, person.communities, PAGE_SIZE, (page - 1) * PAGE_SIZE
        )
        rows: list[Case] = list(found.rows)
        reach = await communities(session, person.communities)
        known = await names(session, [row.community_id for row in rows])
    filters = {
        "process": process,
        "status": status,
        "community": community,
        "overdue": "true" if overdue else "",
        "due_from": due_from,
        "due_to": due_to,
        "q": q,
    }
    kept = {key: value for key, value in filters.items() if value}
    now = utcnow()
    return render(
        request,
        "cases/list.html",
        nav="cases",
        cases=rows,
        overdue_ids={row.case_id for row in rows if _overdue(row, now)},
        community_names=known,
        total=found.total,
        page=page,
        pages=max(1, -(-found.total // PAGE_SIZE)),
        filters=filters,
        query=urlencode(kept),
        processes=PROCESS_LABELS,
        statuses=labels.all_statuses(),
        communities=reach,
    )


def _overdue(case: Case, now: datetime) -> bool:
    due = case.due_at
    if due is None or case.status in TERMINAL_STATUSES:
        return False
    if due.tzinfo is None:
        due = due.replace(tzinfo=now.tzinfo)
    return due < now


@router.get("/cases/{case_id:path}")
async def case_page(request: Request, person: PagePerson, case_id: str) -> Response:
    svc = services(request)
    async with svc.sessions() as session:
        case = await get_case(session, case_id, person.communities)
        if case is None:
            raise PageNotFound()
        tasks = await case_tasks(session, case_id)
        timeline = await case_timeline(session, case_id)
        known = await names(session, [case.community_id, *(task.owner for task in tasks)])
    settings = svc.settings
    workflow_url = None
    if settings.temporal_ui_url:
        workflow_url = (
            f"{settings.temporal_ui_url}/namespaces/{quote(settings.temporal_namespace)}"
            f"/workflows/{quote(case_id, safe='')}"
        )
    entries = [row for row in timeline if row.case_id is not None]
    forms = await case_forms(request, person, case, tasks)
    return render(
        request,
        "cases/detail.html",
        nav="cases",
        case=case,
        tasks=tasks,
        timeline=entries,
        names=known,
        overdue=_overdue(case, utcnow()),
        why=_why(case, entries),
        workflow_url=workflow_url,
        forms=forms,
    )


def _why(case: Case, timeline: list[TimelineEvent]) -> dict[str, Any] | None:
    """For a case that is stuck or held: the last decision that put it there, and failed checks."""
    if case.status not in STUCK:
        return None
    decisions = [row for row in timeline if row.trace]
    last = timeline[-1] if timeline else None
    decision = decisions[-1] if decisions else None
    failed: list[str] = []
    for row in reversed(decisions):
        result = (row.trace or {}).get("result")
        if row.kind == "checklist_decided" and isinstance(result, dict):
            failed = [
                str(item[1])
                for item in result.get("items", [])
                if isinstance(item, list) and len(item) >= 4 and item[2] and not item[3]
            ]
            break
    return {"last": last, "decision": decision, "failed": failed}
