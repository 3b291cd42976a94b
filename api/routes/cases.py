"""``GET /api/cases`` and ``GET /api/cases/{case_id}``: the case projection, and the live state
when the running case answers in time. ``POST /api/cases/{case_id}/actions/...``: people's
actions on a running case (api/case_actions.py)."""

import asyncio
from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Header, Query, Request
from temporalio.client import Client, WorkflowQueryFailedError

from api.case_actions import (
    ASSIGN,
    EXTEND,
    MOVE_RULES,
    OVERRIDE,
    AssignRequest,
    ExtendRequest,
    MoveRulesRequest,
    OverrideRequest,
    perform,
)
from api.problems import bad_request, not_found
from api.schemas import CaseDetail, CaseList, CaseView, LiveState
from api.security import Person, Writer
from api.services import services
from db.base import utcnow
from db.cases import CaseFilter, case_tasks, case_timeline, get_case, list_cases
from db.names import named_within
from models.case_actions import CaseActionResult, MoveRulesResult

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/api", tags=["cases"])
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="Send the same key again (e.g. after a 503) and the case applies the action "
        "once: the repeat gets the first answer.",
    ),
]

Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
Offset = Annotated[int, Query(ge=0)]


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise bad_request(f"{name} needs a timezone offset, e.g. 2026-06-30T00:00:00+08:00")
    return value


@router.get("/cases", response_model=CaseList)
async def cases(
    request: Request,
    person: Person,
    process: str | None = None,
    status: str | None = None,
    community: str | None = None,
    overdue: bool = False,
    due_before: datetime | None = None,
    due_after: datetime | None = None,
    q: Annotated[str | None, Query(max_length=100, description="in case id or subject")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CaseList:
    """Cases within your reach, soonest due first."""
    where = CaseFilter(
        process=process,
        status=status,
        community=community,
        overdue_at=utcnow() if overdue else None,
        due_before=_aware(due_before, "due_before"),
        due_after=_aware(due_after, "due_after"),
        q=q,
    )
    async with services(request).sessions() as session:
        page = await list_cases(session, where, person.communities, limit, offset)
    items = [CaseView.model_validate(row) for row in page.rows]
    return CaseList(total=page.total, limit=limit, offset=offset, items=items)


@router.get("/cases/{case_id:path}", response_model=CaseDetail)
async def case(request: Request, person: Person, case_id: str) -> CaseDetail:
    """One case: its face, tasks, timeline with decision traces, pinned rule version, live state."""
    svc = services(request)
    async with svc.sessions() as session:
        row = await get_case(session, case_id, person.communities)
        if row is None:
            raise not_found(f"no case {case_id} within your reach")
        tasks = await case_tasks(session, case_id)
        timeline = await case_timeline(session, case_id)
    timeout = svc.config.live_state_timeout.total_seconds()
    live = await live_state(svc.temporal, case_id, timeout)
    # The running case's own texts, named as its stored timeline is.
    live = live.model_copy(update={"state": await named_within(svc.sessions, live.state)})
    return CaseDetail.of(row, tasks, timeline, live)


@router.post("/cases/{case_id:path}/actions/override", response_model=CaseActionResult)
async def override(
    request: Request,
    person: Writer,
    case_id: str,
    body: OverrideRequest,
    key: IdempotencyKey = None,
) -> CaseActionResult:
    """Let a held assessment close without the community's opinion (授权放行), as your account's
    role: the rule file's ``override_roles`` decide who may; a refusal is 422 with the reason."""
    result: CaseActionResult = await perform(
        services(request), person, case_id, OVERRIDE, body, key=key
    )
    return result


@router.post("/cases/{case_id:path}/actions/assign", response_model=CaseActionResult)
async def assign(
    request: Request,
    person: Writer,
    case_id: str,
    body: AssignRequest,
    key: IdempotencyKey = None,
) -> CaseActionResult:
    """Name the community to consult on an assessment whose rules found none."""
    result: CaseActionResult = await perform(
        services(request), person, case_id, ASSIGN, body, key=key
    )
    return result


@router.post("/cases/{case_id:path}/actions/extend", response_model=CaseActionResult)
async def extend(
    request: Request,
    person: Writer,
    case_id: str,
    body: ExtendRequest,
    key: IdempotencyKey = None,
) -> CaseActionResult:
    """Move an open task's due time (``new_due_at`` or ``by``), as far as its rules allow."""
    result: CaseActionResult = await perform(
        services(request), person, case_id, EXTEND, body, key=key
    )
    return result


@router.post("/cases/{case_id:path}/actions/move-rules", response_model=MoveRulesResult)
async def move_rules(
    request: Request,
    person: Writer,
    case_id: str,
    body: MoveRulesRequest,
    key: IdempotencyKey = None,
) -> MoveRulesResult:
    """Move a running case to another stored rule version, after its recorded dry run."""
    result: MoveRulesResult = await perform(
        services(request), person, case_id, MOVE_RULES, body, key=key
    )
    return result


# The contract's query is ``state``; the shared case base (workflows/case.py) answers ``view``.
LIVE_QUERIES = ("state", "view")


async def live_state(temporal: Client, case_id: str, seconds: float) -> LiveState:
    """The case's answer to ``state`` (or ``view``), or the projection if none comes in time."""
    handle = temporal.get_workflow_handle(case_id)
    try:
        async with asyncio.timeout(seconds):
            for name in LIVE_QUERIES:
                try:
                    state: Any = await handle.query(name)
                except WorkflowQueryFailedError:
                    continue  # the workflow has no query of that name; try the next
                return LiveState(source="temporal", state=state)
    except Exception as exc:  # any failure to answer falls back to the projection
        log.info("live_state_unavailable", case_id=case_id, error=type(exc).__name__)
    return LiveState(source="projection")
