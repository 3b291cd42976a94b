"""Start the sample registry's cases through the event router, exactly as if another system had
sent their events: each is de-duplicated by ``(source, id)``, so sending them again is harmless."""

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.routing import EventRouter, Outcome
from db.commitments import sample_review_event, sample_service_events
from db.sample_cases import SamplePlan, mark_sample_cases_started
from models.events import InboundEvent

log = structlog.get_logger(__name__)

ACTOR = "sample-setup"
CONCURRENCY = 4
"""Events in flight at once: enough to overlap Temporal's round trips, few enough for SQLite."""


@dataclass(slots=True)
class SampleRun:
    """What sending the sample events did."""

    applied: int = 0
    repeats: int = 0
    published: int = 0
    services: int = 0
    failed: list[str] = field(default_factory=list)


async def _route_all(
    router: EventRouter, events: Iterable[InboundEvent], run: SampleRun
) -> list[tuple[InboundEvent, Outcome]]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(event: InboundEvent) -> tuple[InboundEvent, Outcome]:
        async with gate:
            return event, await router.route(event, actor=ACTOR)

    outcomes = await asyncio.gather(*(one(event) for event in events))
    for _, outcome in outcomes:
        if outcome.problem:
            continue
        if outcome.body.get("status") == "duplicate":
            run.repeats += 1
        else:
            run.applied += 1
    return list(outcomes)


def _refused(outcomes: list[tuple[InboundEvent, Outcome]]) -> list[InboundEvent]:
    return [event for event, outcome in outcomes if outcome.problem]


async def _publish(
    router: EventRouter, commitments: list[InboundEvent], run: SampleRun, wait_seconds: float
) -> list[InboundEvent]:
    """Approve each commitment once its case is waiting for the branch's review; the review is an
    update the case refuses until then, so refused ones are tried again for ``wait_seconds``."""
    by_review = {sample_review_event(event).id: event for event in commitments}
    pending = [sample_review_event(event) for event in commitments]
    published: list[InboundEvent] = []
    deadline = time.monotonic() + wait_seconds
    while pending:
        outcomes = await _route_all(router, pending, run)
        published.extend(by_review[e.id] for e, o in outcomes if not o.problem)
        pending = _refused(outcomes)
        if not pending or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    run.failed.extend(event.id for event in pending)
    run.published = len(published)
    return published


async def start_sample_cases(
    router: EventRouter,
    sessions: async_sessionmaker[AsyncSession],
    plan: SamplePlan,
    today: date,
    *,
    review_wait_seconds: float = 120.0,
) -> SampleRun:
    """Send the plan's start events, approve the commitments and log some service on each; once
    everything was accepted, mark the sample cases started so later starts send nothing."""
    began = time.monotonic()
    run = SampleRun()
    started = await _route_all(router, plan.events, run)
    run.failed.extend(event.id for event in _refused(started))
    submitted = {event.id for event, outcome in started if not outcome.problem}
    commitments = [event for event in plan.commitments if event.id in submitted]
    published = await _publish(router, commitments, run, review_wait_seconds)
    services = [s for event in published for s in sample_service_events(event, today)]
    logged = await _route_all(router, services, run)
    run.services = len(services) - len(_refused(logged))
    run.failed.extend(event.id for event in _refused(logged))
    if not run.failed:
        async with sessions() as session:
            await mark_sample_cases_started(session, plan.year)
    log.info(
        "sample_cases_started" if not run.failed else "sample_cases_incomplete",
        year=plan.year,
        floating_members=len(plan.floating),
        community_workers=len(plan.workers),
        commitments=len(plan.commitments),
        published=run.published,
        service_entries=run.services,
        events_applied=run.applied,
        repeats=run.repeats,
        failed=run.failed[:10],
        seconds=round(time.monotonic() - began, 1),
    )
    return run
