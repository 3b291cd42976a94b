"""Shared plumbing of the process workflows: pinned rules, timeline, projection, de-duplication,
search attributes and the Web UI's current details, tasks, and the handlers every case has.

A process workflow subclasses :class:`CaseWorkflow`, builds a :class:`CaseCore` in its
``@workflow.init`` and drives its steps through it. After every step the core's projection loop
writes the new timeline entries, outbound events and notifications with the case snapshot in one
``project_case`` activity call (the outbox pattern), so the case page is never ahead of history.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

from workflows.case_face import (
    BATCHED_PROJECTION,
    GRID_ATTRIBUTE,
    LOCAL_PROJECTION,
    RETRY,
    TIMEOUT,
    CaseFace,
)
from workflows.case_tasks import CaseDeadlineTask
from workflows.deadline import LOCAL_SCHEDULE
from workflows.deadline_extension import as_aware
from workflows.deadline_text import show

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from activities.rules import DryRunInput, FetchRules, RulesActivities
    from models.calendar import ScheduleByRuleInput, ShiftInput
    from models.case import OutboundEvent
    from models.case_actions import (
        CaseActionResult,
        CaseResult,
        CaseView,
        ExtendTaskInput,
        MoveRulesInput,
        MoveRulesResult,
    )
    from models.deadline import DeadlineSpec, Schedule, TimelineEntry
    from models.events import CASE_ENGINE, CaseStartInput, InboundEvent
    from models.notification import Notification
    from rules.engine.cache import RuleFiles, rule_set_for, rule_set_of
    from rules.engine.dates import DueDate
    from rules.engine.evaluate import Decision
    from rules.engine.processes.run import CaseInputs, Process
    from rules.engine.ruleset import RuleSet
    from rules.engine.schema.common import TaskRule
    from rules.engine.tasks import task_spec

T = TypeVar("T")
A = TypeVar("A")

_ASKED = RetryPolicy(maximum_interval=timedelta(seconds=10), maximum_attempts=3)
LOCAL_STEPS = "local-case-steps"
"""Patch id: cases started since load their rules and shift due dates in local activities (on
the worker, inside the workflow task: no activity round trip through the server); earlier ones
in activities. Both are reads whose results history records either way."""
PATCHES_FIRST = "patches-first"
"""Patch id: cases started since decide every patch of theirs in their first workflow task,
before their first local activity. A local activity's result can reach the case one workflow
task after history recorded it (when the server cuts the task short, e.g. to answer a query);
on replay the case then reaches a later ``workflow.patched`` one task early, before history has
shown it that patch's marker, takes the old branch and fails as non-deterministic for ever.
Earlier cases decide each patch where they first reach it."""
LEAN_CASE = "lean-case"
"""Patch id: cases started since take the new path of every earlier case patch with this one
marker (each marker also upserts ``TemporalChangeVersion``: seven of each per case before), take
their pinned rules by the version their start names (no fetch, no copy of the rule files in
history), upsert their search attributes once per projection step instead of at every change,
and let the workflow task's other work settle before a projection step, so one step carries it
all."""
LEAN_ENGINE = 1
"""Case-engine revision (``CaseStartInput.engine``) from which a case takes the lean-case path
without recording its marker. The start input is in history, so a replay takes the same path
as the first run; a marker costs a history event and an upsert of ``TemporalChangeVersion`` (a
visibility write) per case. A case whose start names a later revision than this code knows
fails its workflow task, which Temporal retries until a worker of that revision takes it: an
older worker never runs a newer case's path. Cases started before the field (revision 0) keep
deciding by patch markers."""
DUE_SCHEDULE_ENGINE = 1
"""Case-engine revision from which a task due by a rule (``CaseCore.open_task_due``) gets its due
time and its schedule from one local activity; earlier cases shift the due time in one and
resolve the schedule in another."""
ANSWERS_ENGINE = 2
"""Case-engine revision from which a P1 or P2 case always leaves the other side an answer and a
person a task: a case that cannot proceed on the rules alone waits on someone rather than ending
unseen, and an ending the assessing or registering system waits for is sent to it. Cases of earlier
revisions keep their path."""
CASE_PATCHES = (LOCAL_STEPS, BATCHED_PROJECTION, LOCAL_PROJECTION, LOCAL_SCHEDULE, GRID_ATTRIBUTE)
"""The patches every case has; a process adds its own (``CaseCore(patches=...)``)."""
MOVE_ROLES = ("admin",)
"""Who may move a running case to another rule version."""


def _shift(due: DueDate) -> ShiftInput:
    """The calendar's question for a rule's due date: its anchor moved by its offset."""
    return ShiftInput(at=due.anchor_at, duration=due.offset, sign=due.sign)


class CaseCore(CaseFace):
    """The state and chores every case has; the process workflow owns the decisions."""

    def __init__(
        self,
        process: Process,
        params: CaseStartInput,
        *,
        title: str,
        status: str,
        status_labels: dict[str, str],
        patches: tuple[str, ...] = (),
    ) -> None:
        now = workflow.now()
        event = params.event
        self.case_id = workflow.info().workflow_id
        self.process: Process = process
        self.title = title
        self.status = status
        self.start_event = event
        self.opened_at = now
        # When the business event happened (never later than now): windows count from it.
        self.event_time = min(as_aware(event.time), now) if event.time is not None else now
        self.community_id: str | None = None
        self.subject_id: str | None = None
        self.subject_label: str | None = None
        self.summary: dict[str, Any] = {}
        self.inputs: dict[str, Any] = {}
        self.timeline: list[TimelineEntry] = []
        self._labels = status_labels
        self._wanted_version = params.rule_version
        self.engine = params.engine
        self._files: RuleFiles | None = None
        self._pinned: str | None = None  # the version, when its files are not in history
        self._seen = {event.key}
        self._tasks: dict[str, CaseDeadlineTask] = {}
        self._runners: list[asyncio.Task[Any]] = []
        self._closed_at: dict[str, datetime] = {}
        self._events: list[OutboundEvent] = []
        self._notifications: list[Notification] = []
        self._sent: dict[str, int] = {}
        self._projected = 0
        self._dirty = True
        self._published = 0  # publish() calls: a settling projection sees that one came in
        self._finishing = False
        self._pump: asyncio.Task[None] | None = None
        self._attributes: dict[str, Any] = {}
        self._moving = False
        self._reads = 0
        self._patches = (*CASE_PATCHES, *patches)
        self._lean = False
        self._pending_attributes: dict[str, SearchAttributeUpdate[Any]] = {}
        self._names: dict[str, str] = {}  # registry names the projection brought back

    # --- Rules ----------------------------------------------------------------------------------

    @property
    def rules(self) -> RuleSet:
        """The pinned rule set: the same bytes, and so the same decisions, on every replay."""
        if self._files is not None:
            return rule_set_for(self._files)
        if self._pinned is not None:
            return rule_set_of(self._pinned)
        raise ApplicationError("the case has not loaded its rules", non_retryable=True)

    def role_label(self, role: str) -> str:
        """A rule role as people read it, from the pinned rules (its name before they load)."""
        if self._files is None and self._pinned is None:
            return role
        return self.rules.role_label(role)

    def decide_patches(self) -> None:
        """Decide every patch of the case now, in its first workflow task (see PATCHES_FIRST); a
        run that continues a case calls this first too."""
        if self.engine > CASE_ENGINE:
            # Not an ApplicationError: the workflow task fails and is retried, the case waits.
            raise RuntimeError(
                f"case {self.case_id} started under case-engine revision {self.engine}; this "
                f"worker knows revisions up to {CASE_ENGINE}: deploy the newer worker"
            )
        if self.engine >= LEAN_ENGINE:
            self._lean = True  # every patch below taken, as the start input says
            return
        if workflow.patched(LEAN_CASE):
            self._lean = True  # every patch below taken, with this one marker
            return
        if workflow.patched(PATCHES_FIRST):
            for patch in self._patches:
                workflow.patched(patch)  # decided now, recorded in this first workflow task

    async def start(self) -> None:
        """Fetch the pinned rule version, note the opening, start projecting."""
        self.decide_patches()
        wanted = FetchRules(version=self._wanted_version or None)
        if self._lean and wanted.version:
            # The start names its version, whose files (content-addressed) this worker has
            # loaded or reads from its version store: no fetch, and no copy of every rule file
            # in each case's history. A worker that cannot load it fails this workflow task,
            # which is retried until it can.
            self._pinned = wanted.version
            rule_set_of(wanted.version)
        elif self.patched(LOCAL_STEPS):
            self._files = await workflow.execute_local_activity_method(
                RulesActivities.fetch_rules,
                wanted,
                start_to_close_timeout=TIMEOUT,
                retry_policy=RETRY,
            )
        else:
            self._files = await workflow.execute_activity_method(
                RulesActivities.fetch_rules,
                wanted,
                start_to_close_timeout=TIMEOUT,
                retry_policy=RETRY,
            )
        event = self.start_event
        self.note(
            "case_opened",
            f"案件开启（{event.type}），适用规则版本 {self.version}",
            actor=event.source,
            detail={"event_id": event.id, "type": event.type, "data": event.data},
        )
        self._pump = asyncio.create_task(self._project_loop())
        self.publish()

    def validate_move(self, request: MoveRulesInput) -> None:
        """Refuse a rule move that is not an administrator's, has no reason or changes nothing."""
        if request.role not in MOVE_ROLES:
            admin = "、".join(self.role_label(role) for role in MOVE_ROLES)
            raise ValueError(
                f"角色“{self.role_label(request.role)}”无权变更案件的规则版本（须为{admin}）"
            )
        if not request.actor.strip():
            raise ValueError("变更规则版本须写明操作人")
        if not request.reason.strip():
            raise ValueError("变更规则版本须说明理由")
        if not self.version or self._moving:
            raise ValueError("案件正在载入或变更规则，请稍后再试")
        if request.version == self.version:
            raise ValueError(f"案件已在规则版本 {request.version} 下运行")

    async def move_rules(self, request: MoveRulesInput) -> MoveRulesResult:
        """Dry-run the move on the case's recorded inputs, then switch and record both."""
        try:
            self.validate_move(request)
        except ValueError as err:
            raise ApplicationError(str(err), type="MoveRefused", non_retryable=True) from err
        self._moving = True
        try:
            dry = await workflow.execute_activity_method(
                RulesActivities.dry_run_rules,
                DryRunInput(
                    active_version=self.version,
                    draft_version=request.version,
                    case=self.case_inputs(),
                ),
                start_to_close_timeout=TIMEOUT,
                retry_policy=_ASKED,
            )
            files = await workflow.execute_activity_method(
                RulesActivities.fetch_rules,
                FetchRules(version=request.version),
                start_to_close_timeout=TIMEOUT,
                retry_policy=_ASKED,
            )
            rule_set_for(files)  # load it now, so no later decision can fail on it
        finally:
            self._moving = False
        previous, self._files = self.version, files
        self.note(
            "rules_moved",
            f"规则版本由 {previous} 变更为 {files.version}，理由：{request.reason}"
            f"（试算：{len(dry.changes)} 项决策不同；已开启任务的期限不变，此后的决策按新版本）",
            actor=request.actor,
            detail={
                "previous": previous,
                "version": files.version,
                "role": request.role,
                "reason": request.reason,
                "dry_run": dry.report,
                "changes": [change.model_dump(mode="json") for change in dry.changes],
            },
        )
        self.publish()
        return MoveRulesResult(previous=previous, version=files.version, changes=dry.changes)

    def case_inputs(self) -> CaseInputs:
        """The inputs this case's decisions read, for dry runs of another rule version."""
        return CaseInputs(
            case_id=self.case_id, process=self.process, now=workflow.now(), inputs=self.inputs
        )

    # --- Timeline, events, de-duplication -------------------------------------------------------

    def first_time(self, event: InboundEvent) -> bool:
        """True once per ``(source, id)``; a repeat is accepted and applied once."""
        if event.key in self._seen:
            return False
        self._seen.add(event.key)
        return True

    def seen(self, event: InboundEvent) -> bool:
        return event.key in self._seen

    def note(
        self,
        kind: str,
        summary: str,
        *,
        task_id: str | None = None,
        actor: str | None = None,
        detail: dict[str, Any] | None = None,
        trace: dict[str, Any] | None = None,
    ) -> None:
        self.timeline.append(
            TimelineEntry(
                at=workflow.now(),
                kind=kind,
                task_id=task_id,
                actor=actor,
                summary=summary,
                detail=detail or {},
                trace=trace,
            )
        )

    def decided(
        self,
        kind: str,
        summary: str,
        decision: Decision[T],
        *,
        detail: dict[str, Any] | None = None,
    ) -> T:
        """Record a decision with its trace (file, rule, version, inputs, result); return it."""
        self.note(kind, summary, detail=detail, trace=decision.trace.to_dict())
        return decision.result

    def emit(self, name: str, event_type: str, data: dict[str, Any]) -> OutboundEvent:
        """Queue an outbound CloudEvent; its id is stable across retries and replays."""
        self._sent[name] = self._sent.get(name, 0) + 1
        event = OutboundEvent(
            id=f"{self.case_id}/{name}/{self._sent[name]}",
            type=event_type,
            subject=self.case_id,
            time=workflow.now(),
            data={"case_id": self.case_id, "rule_version": self.version, **data},
        )
        self._events.append(event)
        self.note(
            "event_sent",
            f"已发出 {event_type}",
            detail={"event_id": event.id, "type": event_type, "data": event.data},
        )
        return event

    def set_status(self, status: str) -> None:
        self.status = status
        self.publish()

    def result(self, message: str) -> CaseActionResult:
        return CaseActionResult(case_id=self.case_id, status=self.status, message=message)

    # --- Tasks ----------------------------------------------------------------------------------

    def open_task(
        self,
        spec: DeadlineSpec,
        opened_at: datetime | None = None,
        schedule: Schedule | None = None,
    ) -> CaseDeadlineTask:
        """Start a deadline task whose window opens at ``opened_at`` (default now); with its
        ``schedule`` when that is resolved already."""
        task = CaseDeadlineTask(
            spec,
            self.case_id,
            self.timeline,
            on_change=self._task_changed,
            outbox=self._outbox,
            reading=self.reading,
            patched=self.patched,
            schedule=schedule,
            role_label=self.role_label,
            party=self.party,
        )
        self._tasks[spec.task_id] = task
        self._runners.append(asyncio.create_task(task.run(opened_at=opened_at)))
        return task

    def task(self, task_id: str) -> CaseDeadlineTask | None:
        return self._tasks.get(task_id)

    async def open_task_due(
        self,
        due: DueDate,
        task: TaskRule,
        *,
        task_id: str,
        owner: str,
        opened_at: datetime | None = None,
        decided: Callable[[datetime], object] | None = None,
    ) -> CaseDeadlineTask:
        """Open the rule file's ``task`` due when the rule ``due`` says: ``decided(due time)``
        first (the decision's timeline entry), then the task. One local activity resolves the
        due time and the task's schedule together; cases from before DUE_SCHEDULE_ENGINE
        shift the due time, then resolve the schedule, in two."""

        def spec(at: datetime) -> DeadlineSpec:
            return task_spec(self.rules, task, task_id=task_id, owner=owner, due_at=at)

        if self.engine < DUE_SCHEDULE_ENGINE:
            at = await self.resolve_due(due)
            if decided is not None:
                decided(at)
            return self.open_task(spec(at), opened_at)
        # The task's reminders, escalation and expiry do not depend on its due time: the spec
        # built on the anchor gives them; the activity puts the due time in.
        on_anchor = spec(due.anchor_at)
        asked = ScheduleByRuleInput(
            opened_at=opened_at or workflow.now(),
            due=_shift(due),
            cap_at=due.cap_at,
            spec=on_anchor,
        )
        schedule = await self.read_locally(CalendarActivities.resolve_schedule_by_rule, asked)
        if decided is not None:
            decided(schedule.due_at)
        resolved = on_anchor.model_copy(update={"due_at": schedule.due_at})
        return self.open_task(resolved, opened_at, schedule)

    async def read_locally(self, activity: Callable[[Any, A], Awaitable[T]], arg: A) -> T:
        """Run a local activity that reads for the case (the registry, the calendar), with the
        case's timeout and retries; the projection waits until it is done."""
        with self.reading():
            return await workflow.execute_local_activity_method(
                activity, arg, start_to_close_timeout=TIMEOUT, retry_policy=RETRY
            )

    async def resolve_due(self, due: DueDate) -> datetime:
        """A rule's due date as a time, by the working-day calendar activity (recorded)."""
        shift = _shift(due)
        if self.patched(LOCAL_STEPS):
            shifted = await self.read_locally(CalendarActivities.shift, shift)
        else:
            shifted = await workflow.execute_activity_method(
                CalendarActivities.shift, shift, start_to_close_timeout=TIMEOUT, retry_policy=RETRY
            )
        return due.cap_at if due.cap_at is not None and due.cap_at < shifted.at else shifted.at

    async def wait_until(self, condition: Callable[[], bool], at: datetime | None) -> bool:
        """Wait until ``condition`` holds (True) or ``at`` passes (False); None waits for ever."""
        if condition():
            return True
        if at is None:
            await workflow.wait_condition(condition)
            return True
        delay = (at - workflow.now()).total_seconds()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(condition, timeout=delay, timeout_summary="deadline")
        return condition()

    async def until_due(self, task: CaseDeadlineTask, condition: Callable[[], bool]) -> bool:
        """Wait for ``condition`` (True) or the task's due time (False); extensions move it."""
        while True:
            due = task.due_at

            def moved(due: datetime | None = due) -> bool:
                return condition() or task.due_at != due

            await self.wait_until(moved, due)
            if condition():
                return True
            if task.due_at == due:
                return False

    def validate_extension(self, request: ExtendTaskInput) -> None:
        task = self._tasks.get(request.task_id)
        if task is None:
            raise ValueError(f"案件没有任务 {request.task_id!r}")
        task.validate_extension(
            actor=request.actor,
            role=request.role,
            reason=request.reason,
            new_due_at=request.new_due_at,
            by=request.by,
        )

    async def extend(self, request: ExtendTaskInput) -> CaseActionResult:
        task = self._tasks.get(request.task_id)
        if task is None:
            raise ApplicationError(f"案件没有任务 {request.task_id!r}", non_retryable=True)
        await task.extend(
            actor=request.actor,
            role=request.role,
            reason=request.reason,
            new_due_at=request.new_due_at,
            by=request.by,
        )
        due = show(task.due_at) if task.due_at else "—"
        return self.result(f"任务「{task.state.spec.title}」期限已延至 {due}")

    # --- Ending, views --------------------------------------------------------------------------

    async def finish(self) -> CaseResult:
        """Close what is still open, let handlers finish, write the last projection."""
        for task in self._tasks.values():
            task.cancel("system", "案件已结束")
        await asyncio.gather(*self._runners)
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._finishing = True
        if self._pump is not None:
            await self._pump
        await workflow.wait_condition(workflow.all_handlers_finished)
        return CaseResult(
            case_id=self.case_id,
            process=self.process,
            status=self.status,
            rule_version=self.version,
            summary=dict(self.summary),
            timeline=list(self.timeline),
        )


class CaseWorkflow:
    """Handlers every process workflow has; subclasses set ``_case`` and route their events."""

    _case: CaseCore

    def _on_event(self, event: InboundEvent) -> None:
        """Apply one routed event, already de-duplicated; each process workflow routes its own."""
        raise NotImplementedError(f"{type(self).__name__} does not route its events")

    @workflow.signal
    def event(self, event: InboundEvent) -> None:
        """Any event routed to this case, dispatched by type (the API's signal-with-start)."""
        if self._case.first_time(event):
            self._on_event(event)

    @workflow.update
    async def move_rules(self, request: MoveRulesInput) -> MoveRulesResult:
        """Move the case to another rule version, after a dry run that is recorded with it."""
        return await self._case.move_rules(request)

    @move_rules.validator
    def _validate_move_rules(self, request: MoveRulesInput) -> None:
        self._case.validate_move(request)

    @workflow.update
    async def extend_task(self, request: ExtendTaskInput) -> CaseActionResult:
        """Move an open task's due time, by a role its rules allow."""
        return await self._case.extend(request)

    @extend_task.validator
    def _validate_extend_task(self, request: ExtendTaskInput) -> None:
        self._case.validate_extension(request)

    @workflow.query
    def case_inputs(self) -> CaseInputs:
        """The inputs of this case's decisions, for the API's dry run of another version."""
        return self._case.case_inputs()

    @workflow.query
    def view(self) -> CaseView:
        """The case's face, its tasks and its timeline."""
        return self._case.view()


__all__ = [
    "ANSWERS_ENGINE",
    "CASE_PATCHES",
    "DUE_SCHEDULE_ENGINE",
    "LEAN_CASE",
    "LEAN_ENGINE",
    "MOVE_ROLES",
    "PATCHES_FIRST",
    "RETRY",
    "TIMEOUT",
    "CaseCore",
    "CaseWorkflow",
]
