"""Dead letters: events that could not be applied, for an administrator to inspect and replay."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.cloudevents import parse_event
from api.problems import Problem, not_found
from api.schemas import DeadLetterList, DeadLetterView
from api.security import Admin
from api.services import services
from db.base import utcnow
from db.cases import audit, get_dead_letter, list_dead_letters
from db.vocab import DeadLetterStatus

router = APIRouter(prefix="/api/dead-letters", tags=["dead letters"])


@router.get("", response_model=DeadLetterList)
async def dead_letters(
    request: Request,
    admin: Admin,
    status: DeadLetterStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DeadLetterList:
    """Dead letters, newest first."""
    async with services(request).sessions() as session:
        page = await list_dead_letters(session, status, limit, offset)
    items = [DeadLetterView.model_validate(row) for row in page.rows]
    return DeadLetterList(total=page.total, limit=limit, offset=offset, items=items)


@router.get("/{letter_id}", response_model=DeadLetterView)
async def dead_letter(request: Request, admin: Admin, letter_id: int) -> DeadLetterView:
    """One dead letter with the event as it was received."""
    async with services(request).sessions() as session:
        row = await get_dead_letter(session, letter_id)
    if row is None:
        raise not_found(f"no dead letter {letter_id}")
    return DeadLetterView.model_validate(row)


@router.post("/{letter_id}/replay")
async def replay(request: Request, admin: Admin, letter_id: int) -> JSONResponse:
    """Route the event again; on success the letter is marked replayed, by whom and when."""
    svc = services(request)
    async with svc.sessions() as session:
        row = await get_dead_letter(session, letter_id)
    if row is None:
        raise not_found(f"no dead letter {letter_id}")
    if row.status != DeadLetterStatus.PENDING.value:
        raise Problem(409, "already-replayed", f"dead letter {letter_id} is {row.status}")
    event = parse_event(row.body).event
    if event is None:
        raise Problem(409, "unreplayable", "the stored event is not a valid CloudEvent")
    outcome = await svc.router.route(event, actor=admin.actor, dead_letter_id=letter_id)
    return outcome.response()


@router.post("/{letter_id}/discard", response_model=DeadLetterView)
async def discard(request: Request, admin: Admin, letter_id: int) -> DeadLetterView:
    """Set a dead letter aside for good (it will not be replayed), recorded with who did it."""
    async with services(request).sessions() as session:
        row = await get_dead_letter(session, letter_id)
        if row is None:
            raise not_found(f"no dead letter {letter_id}")
        if row.status != DeadLetterStatus.PENDING.value:
            raise Problem(409, "not-pending", f"dead letter {letter_id} is {row.status}")
        row.status = DeadLetterStatus.DISCARDED.value
        row.replayed_at = utcnow()
        row.replayed_by = admin.actor
        audit(
            session,
            "dead_letter_discarded",
            admin.actor,
            f"dead letter {letter_id} ({row.type})",
            detail={"dead_letter": letter_id, "source": row.source, "id": row.event_id},
        )
        await session.commit()
    return DeadLetterView.model_validate(row)
