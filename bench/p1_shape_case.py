"""A P1-shaped case: the Temporal calls a P1 dual-assessment case makes (revision 1 of the case
engine), with no-op local activities and none of the product's work — no HTTP, no case store, no
rules — so that ``bench/p1_shape.py`` can tell the cost of P1's use of Temporal from the
product's own.

The history it writes has the 29 events of a P1 case, of the same kinds and about the same
sizes (bench/README.md lists them): started by signal-with-start with the process and rule
version as search attributes and a static summary; in the first workflow task the registry
lookup, the due time and schedule, three attributes upserted, the reminder and due timers, the
projection; the opinion, sent once the case shows it waits for one, as an update with a
validator in a workflow task of its own, which cancels both timers, starts the closing timer,
upserts two attributes and projects; the closing signal, which cancels that timer, upserts the
status, projects and completes with a result of a P1 case's size."""

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from bare_payloads import Blob, ShapeInput, shape_step

STATUS = SearchAttributeKey.for_keyword("GrStatus")
COMMUNITY = SearchAttributeKey.for_keyword("GrCommunity")
DUE_AT = SearchAttributeKey.for_datetime("GrDueAt")
STEP = timedelta(seconds=30)
# Payload sizes of a P1 case, in bytes of JSON (bench/p1_cases.py, payloads counted per type).
FACTS, SCHEDULE, PROJECTION, RESULT = 120, 800, 3200, 6400


@workflow.defn
class P1ShapeCase:
    """The Temporal shape of a P1 case: see the module's docstring."""

    def __init__(self) -> None:
        self._answered = False
        self._closed = False
        self._events: list[Blob] = []

    @workflow.run
    async def run(self, case: ShapeInput) -> Blob:
        if case.lookups:
            await self._local(FACTS)
            await self._local(SCHEDULE)
        due = workflow.now() + timedelta(days=30)
        self._upsert(
            case,
            STATUS.value_set("awaiting_opinion"),
            COMMUNITY.value_set("c1"),
            DUE_AT.value_set(due),
        )
        reminder = None
        if case.reminder:
            reminder = asyncio.create_task(workflow.sleep(timedelta(days=20)))
        await self._local(PROJECTION, opened=case.case_id)
        await self._until(lambda: self._answered, timedelta(days=30))
        if reminder is not None:
            reminder.cancel()
        self._upsert(case, STATUS.value_set("opinion_ready"), DUE_AT.value_unset())
        await self._local(PROJECTION)
        await self._until(lambda: self._closed, timedelta(days=60))
        self._upsert(case, STATUS.value_set("closed"))
        await self._local(PROJECTION)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return Blob(text="r" * RESULT)

    async def _local(self, size: int, *, opened: str = "") -> None:
        await workflow.execute_local_activity(
            shape_step, Blob(text="p" * size, opened=opened), start_to_close_timeout=STEP
        )

    @staticmethod
    def _upsert(case: ShapeInput, *updates: SearchAttributeUpdate) -> None:  # type: ignore[type-arg]
        if case.upserts:
            workflow.upsert_search_attributes(list(updates))

    @staticmethod
    async def _until(condition: Callable[[], bool], within: timedelta) -> None:
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(condition, timeout=within)

    @workflow.signal
    def event(self, event: Blob) -> None:
        """The opening event, as signal-with-start delivers it."""
        self._events.append(event)

    @workflow.update
    def submit_opinion(self, event: Blob) -> Blob:
        """The opinion."""
        self._answered = True
        return Blob(text="accepted")

    @submit_opinion.validator
    def _validate_opinion(self, event: Blob) -> None:
        if self._answered:
            raise ValueError("answered already")

    @workflow.signal
    def assessment_closed(self, event: Blob) -> None:
        """The assessing system closed the assessment."""
        self._closed = True
