"""Event routing: ``rules/events.yaml`` decides whether an event starts a case, signals or updates
it, or changes the registry. An event is recorded as processed only once it was applied."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import structlog
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import (
    Client,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.casekeys import render_case_key
from api.cloudevents import as_cloudevent
from api.problems import (
    PROBLEM_JSON,
    FieldError,
    Problem,
    bad_request,
    data_errors,
    unavailable,
)
from api.registry_events import Unroutable, apply_registry_change
from api.updates import UpdateRefused, run_update
from db.base import utcnow
from db.cases import add_dead_letter, get_dead_letter, is_processed, record_event
from db.vocab import DeadLetterStatus
from models.events import CASE_ENGINE, CaseStartInput, InboundEvent
from models.process_starts import START_MODELS
from models.processes import case_summary
from rules.engine import RuleRegistry
from rules.engine.schema.events import RegistryRoute, SignalRoute, StartRoute, UpdateRoute
from workflows import search_attributes as sa

log = structlog.get_logger(__name__)

# The signal a start carries, with the same event as the start input (signal-with-start).
START_SIGNAL = "event"
CaseRoute = StartRoute | SignalRoute | UpdateRoute


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one event, as the HTTP answer gives it."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    problem: bool = False

    @classmethod
    def of(cls, problem: Problem) -> "Outcome":
        return cls(problem.status, problem.document(), problem.headers, problem=True)

    def response(self) -> JSONResponse:
        """The HTTP answer for a single event."""
        return JSONResponse(
            self.body,
            status_code=self.status,
            headers=dict(self.headers),
            media_type=PROBLEM_JSON if self.problem else None,
        )


def update_id(event: InboundEvent) -> str:
    """A stable Temporal update id: a retry of the same event attaches to the same update."""
    return "evt-" + hashlib.sha256(event.key.encode("utf-8")).hexdigest()[:32]


class EventRouter:
    """Applies inbound events to cases and the registry; unroutable ones become dead letters."""

    def __init__(
        self,
        temporal: Client,
        sessions: async_sessionmaker[AsyncSession],
        rules: RuleRegistry,
        *,
        task_queue: str,
        update_timeout: timedelta,
        retry_after: int,
    ) -> None:
        self.temporal = temporal
        self.sessions = sessions
        self.rules = rules
        self.task_queue = task_queue
        self.update_timeout = update_timeout
        self.retry_after = retry_after

    async def route(
        self, event: InboundEvent, *, actor: str, dead_letter_id: int | None = None
    ) -> Outcome:
        """Apply one valid event; a replay of a dead letter passes its id and keeps that letter."""
        async with self.sessions() as session:
            if await is_processed(await session.connection(), event.source, event.id):
                if dead_letter_id is not None:
                    await _mark_replayed(session, dead_letter_id, actor)
                    await session.commit()
                return Outcome(200, {"status": "duplicate", "id": event.id})
        route = self.rules.active.events.events.get(event.type)
        try:
            if route is None:
                reason = f"unknown event type {event.type}: rules/events.yaml has no route for it"
                return await self._dead_letter(
                    event, actor, reason, "unknown-event-type", dead_letter_id
                )
            missing = [name for name in route.required if event.data.get(name) in (None, "")]
            if missing:
                errors = [FieldError(f"data.{name}", "required") for name in missing]
                raise bad_request(f"{event.type} needs these data fields", errors)
            if isinstance(route, StartRoute):
                _check_start(event, route.process)
            if isinstance(route, RegistryRoute):
                return await self._registry(event, route, actor, dead_letter_id)
            return await self._case(event, route, actor, dead_letter_id)
        except Problem as problem:
            return Outcome.of(problem)
        except RPCError as err:
            if err.status not in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
                raise
            log.warning("temporal_unavailable", error=str(err), event_type=event.type)
            return Outcome.of(unavailable("Temporal is not reachable", self.retry_after))

    async def _case(
        self, event: InboundEvent, route: CaseRoute, actor: str, dead_letter_id: int | None
    ) -> Outcome:
        case_id = render_case_key(route.case_key, event.data)
        body: dict[str, Any] = {"status": "accepted", "case_id": case_id}
        status = 202
        if isinstance(route, StartRoute):
            if not await self._start(event, route.process, case_id, START_SIGNAL, only_new=True):
                status, body["note"] = 200, "the case exists already and has ended"
        elif isinstance(route, SignalRoute) and route.start_if_missing:
            await self._start(event, route.process, case_id, route.signal, only_new=False)
        else:
            try:
                if isinstance(route, SignalRoute):
                    await self.temporal.get_workflow_handle(case_id).signal(route.signal, event)
                else:
                    result = await self._update(event, route, case_id)
                    status, body = 200, {"status": "applied", "case_id": case_id, "result": result}
            except RPCError as err:
                if err.status != RPCStatusCode.NOT_FOUND:
                    raise
                reason = f"case {case_id} does not exist or has ended"
                return await self._dead_letter(
                    event, actor, reason, "unknown-case", dead_letter_id, case_id
                )
        async with self.sessions() as session:
            repeat = await self._record(session, event, actor, case_id, dead_letter_id)
        return repeat or Outcome(status, body)

    async def _start(
        self, event: InboundEvent, process: str, case_id: str, signal: str, *, only_new: bool
    ) -> bool:
        """Signal-with-start; False when a case of that id has ended and stays ended."""
        version = self.rules.active.version
        try:
            await self.temporal.start_workflow(
                process,
                CaseStartInput(event=event, rule_version=version, engine=CASE_ENGINE),
                id=case_id,
                task_queue=self.task_queue,
                id_reuse_policy=(
                    WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
                    if only_new
                    else WorkflowIDReusePolicy.ALLOW_DUPLICATE
                ),
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                start_signal=signal,
                start_signal_args=[event],
                static_summary=case_summary(process, case_id),
                static_details=f"由事件 {event.type}（来源 {event.source}）立案",
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(sa.PROCESS, process),
                        SearchAttributePair(sa.RULE_VERSION, version),
                    ]
                ),
            )
        except WorkflowAlreadyStartedError:
            return False
        return True

    async def _update(self, event: InboundEvent, route: UpdateRoute, case_id: str) -> Any:
        seconds = self.update_timeout.total_seconds()
        try:
            return await run_update(
                self.temporal,
                case_id,
                route.update,
                event,
                update_id=update_id(event),
                within=self.update_timeout,
            )
        except UpdateRefused as err:
            raise Problem(422, "refused", err.reason or "the case refused this event") from err
        except TimeoutError as err:
            raise unavailable(
                f"case {case_id} did not answer within {seconds:g} s (is a worker running?); "
                "nothing was applied: send the event again later",
                self.retry_after,
            ) from err

    async def _registry(
        self, event: InboundEvent, route: RegistryRoute, actor: str, dead_letter_id: int | None
    ) -> Outcome:
        # One session at a time per request: on SQLite the pool may hold a single connection.
        unroutable: Unroutable | None = None
        async with self.sessions() as session:
            try:
                change = await apply_registry_change(session, route, event.data)
            except Unroutable as err:
                unroutable = err
            else:
                if change.notify:
                    # Recorded only once the cases were told: if a signal fails, the sender's
                    # retry applies the change again (it is idempotent) and signals again.
                    await session.commit()
                else:
                    repeat = await self._record(session, event, actor, None, dead_letter_id)
                    if repeat is not None:
                        return repeat
        if unroutable is not None:
            reason = str(unroutable)
            return await self._dead_letter(
                event, actor, reason, "unknown-reference", dead_letter_id
            )
        body: dict[str, Any] = {"status": "applied", "change": change.summary, "notified": []}
        if not change.notify:
            return Outcome(200, body)
        assert route.notify is not None  # change.notify is empty without it
        body["notified"] = await self._notify(event, route.notify.signal, change.notify)
        async with self.sessions() as session:
            repeat = await self._record(session, event, actor, None, dead_letter_id)
        return repeat or Outcome(200, body)

    async def _notify(self, event: InboundEvent, signal: str, case_ids: list[str]) -> list[str]:
        """Signal each case; the ids of those that were still there to receive it."""
        notified = []
        for case_id in case_ids:
            try:
                await self.temporal.get_workflow_handle(case_id).signal(signal, event)
            except RPCError as err:
                if err.status != RPCStatusCode.NOT_FOUND:
                    raise
                continue
            notified.append(case_id)
        return notified

    async def _record(
        self,
        session: AsyncSession,
        event: InboundEvent,
        actor: str,
        case_id: str | None,
        dead_letter_id: int | None,
    ) -> Outcome | None:
        """Commit the processed-event row with its audit entry; an Outcome if it was a repeat."""
        try:
            await record_event(
                await session.connection(),
                source=event.source,
                event_id=event.id,
                event_type=event.type,
                case_id=case_id,
                actor=actor,
            )
            if dead_letter_id is not None:
                await _mark_replayed(session, dead_letter_id, actor)
            await session.commit()
        except IntegrityError:
            await session.rollback()
            return Outcome(200, {"status": "duplicate", "id": event.id})
        log.info("event_applied", type=event.type, id=event.id, case_id=case_id)
        return None

    async def _dead_letter(
        self,
        event: InboundEvent,
        actor: str,
        reason: str,
        slug: str,
        dead_letter_id: int | None,
        case_id: str | None = None,
    ) -> Outcome:
        async with self.sessions() as session:
            letter = await get_dead_letter(session, dead_letter_id) if dead_letter_id else None
            if letter is None:
                letter = await add_dead_letter(session, as_cloudevent(event), reason, actor)
            else:
                letter.reason = reason
            await session.commit()
        log.warning("event_dead_lettered", type=event.type, id=event.id, reason=reason)
        extra: dict[str, Any] = {"dead_letter": letter.id}
        if case_id is not None:
            extra["case_id"] = case_id
        return Outcome.of(Problem(422, slug, reason, extra=extra))


def _check_start(event: InboundEvent, process: str) -> None:
    """400 naming each bad field when the process's workflow would reject the start data: it would
    end the case at once, and a corrected event could not start that case id again."""
    model = START_MODELS.get(process)
    if model is None:
        return
    try:
        model.model_validate(event.data)
    except ValidationError as err:
        raise bad_request(f"{event.type} has invalid data fields", data_errors(err)) from err


async def _mark_replayed(session: AsyncSession, letter_id: int, actor: str) -> None:
    letter = await get_dead_letter(session, letter_id)
    if letter is not None:
        letter.status = DeadLetterStatus.REPLAYED.value
        letter.replayed_at = utcnow()
        letter.replayed_by = actor
