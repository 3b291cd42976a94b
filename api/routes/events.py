"""``POST /events``: CloudEvents in, routed to cases and the registry."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.cloudevents import BATCH, JSON, STRUCTURED, ParsedEvent, parse_request
from api.problems import bad_request
from api.routing import Outcome
from api.security import Principal, Sender, forbidden
from api.services import services

router = APIRouter(tags=["events"])

_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["specversion", "id", "source", "type", "data"],
    "properties": {
        "specversion": {"type": "string", "enum": ["1.0"]},
        "id": {"type": "string"},
        "source": {"type": "string", "format": "uri-reference"},
        "type": {"type": "string", "example": "grassroots.inspection.requested"},
        "time": {"type": "string", "format": "date-time"},
        "subject": {"type": "string"},
        "data": {"type": "object"},
    },
}
_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            STRUCTURED: {"schema": _EVENT_SCHEMA},
            BATCH: {"schema": {"type": "array", "items": _EVENT_SCHEMA}},
            JSON: {"schema": {"type": "object", "description": "binary mode: data, ce-* headers"}},
        },
    }
}


async def _one(request: Request, parsed: ParsedEvent, sender: Principal) -> Outcome:
    if parsed.event is None:
        return Outcome.of(
            bad_request("the event is missing or has invalid attributes", parsed.errors)
        )
    if not sender.may_send(parsed.event.type):
        return Outcome.of(
            forbidden(f"this token is not granted events of type {parsed.event.type}")
        )
    return await services(request).router.route(parsed.event, actor=sender.actor)


@router.post(
    "/events",
    openapi_extra=_OPENAPI,
    responses={
        200: {"description": "applied (update, registry) or a duplicate"},
        202: {"description": "accepted: the case was started or signalled"},
        400: {
            "description": "malformed JSON, invalid attributes, or data its process would refuse "
            "(problem document naming each field, e.g. data.closes_at)"
        },
        401: {"description": "no valid token"},
        403: {"description": "the token is not granted this event type"},
        413: {"description": "body too large"},
        415: {"description": "unsupported content type"},
        422: {"description": "unknown type or case (kept as a dead letter), or refused"},
        503: {
            "description": "Temporal or the case could not answer in time; the event is not "
            "recorded as processed: send it again after Retry-After"
        },
    },
)
async def post_events(request: Request, sender: Sender) -> JSONResponse:
    """Receive one CloudEvent (structured or binary mode) or a batch."""
    body = await request.body()
    parsed, batch = parse_request(request.headers.get("content-type"), request.headers, body)
    if not batch:
        return (await _one(request, parsed[0], sender)).response()
    if not parsed:
        raise bad_request("the batch is empty")
    results = []
    failed = False
    for index, item in enumerate(parsed):
        outcome = await _one(request, item, sender)
        failed = failed or outcome.problem
        key = "problem" if outcome.problem else "result"
        results.append(
            {"index": index, "id": item.body.get("id"), "status": outcome.status, key: outcome.body}
        )
    # 207: the items' own statuses differ; each result says how its event fared.
    return JSONResponse({"results": results}, status_code=207 if failed else 200)
