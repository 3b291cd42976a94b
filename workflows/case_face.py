"""What a case shows and writes: its snapshot, search attributes and Web UI details, and the
projection loop that sends them with new timeline entries, outbound events and notifications to
the ``project_case`` activity (the case store and its outbox, in one transaction).

``CaseCore`` (workflows/case.py) builds on this; the state it keeps is declared here.
"""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributeUpdate

from workflows.case_tasks import CaseDeadlineTask, case_task, worst_level
from workflows.deadline_text import show

with workflow.unsafe.imports_passed_through():
    from models.case import CaseSnapshot, OutboundEvent, ProjectCaseInput, ProjectCaseResult
    from models.case_actions import CaseView
    from models.deadline import CARD_LABELS, TaskStatus, TimelineEntry
    from models.mentions import mention, name_mentions
    from models.notification import Notification
    from rules.engine.cache import RuleFiles
    from rules.engine.processes.run import Process
    from workflows import search_attributes as sa

TIMEOUT = timedelta(seconds=30)
LOCAL_PROJECTION = "local-projection"
"""Patch id: cases started since project as a local activity (earlier ones as an activity)."""
BATCHED_PROJECTION = "batched-projection"
"""Patch id: cases started since hold their projection while the case reads in a local activity
(registry facts, due dates, a task's schedule), so one step carries everything a run of reads
decided instead of one step per read; earlier ones project after every change."""
GRID_ATTRIBUTE = "grid-search-attribute"
"""Patch id: cases placed in a grid since (P3) list it as the search attribute GrGrid."""
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
_SETTLE_ROUNDS = 4


class CaseFace:
    """Snapshot, search attributes, current details and projection of a case."""

    case_id: str
    process: Process
    title: str
    status: str
    opened_at: datetime
    community_id: str | None
    subject_id: str | None
    subject_label: str | None
    summary: dict[str, Any]
    timeline: list[TimelineEntry]
    _labels: dict[str, str]
    _files: RuleFiles | None
    _pinned: str | None
    _tasks: dict[str, CaseDeadlineTask]
    _closed_at: dict[str, datetime]
    _events: list[OutboundEvent]
    _notifications: list[Notification]
    _projected: int
    _dirty: bool
    _published: int
    _finishing: bool
    _pump: asyncio.Task[None] | None
    _attributes: dict[str, Any]
    _pending_attributes: dict[str, SearchAttributeUpdate[Any]]
    _names: dict[str, str]
    _reads: int
    _lean: bool

    @property
    def version(self) -> str:
        """The pinned rule version ('' until the rules are loaded)."""
        if self._files is not None:
            return self._files.version
        return self._pinned or ""

    def role_label(self, role: str) -> str:
        """A rule role as people read it (CaseCore answers from the pinned rules)."""
        return role

    def party(self, who: str) -> str:
        """Whoever a timeline entry or notification names: a rule role by its label, anything
        else (a community, an organisation…) marked for the name the registry gives it when the
        text is stored (models/mentions.py)."""
        label = self.role_label(who)
        return label if label != who else mention(who)

    def shown(self, who: str | None) -> str:
        """``party`` for the Web UI's details, which are not stored: a registry id by the name a
        projection step last brought back (its id until then)."""
        return name_mentions(self.party(who), self._names) if who else "—"

    def open_tasks(self) -> list[CaseDeadlineTask]:
        return [t for t in self._tasks.values() if t.status is TaskStatus.OPEN]

    def _next_due(self, open_tasks: list[CaseDeadlineTask]) -> datetime | None:
        return min((t.due_at for t in open_tasks if t.due_at is not None), default=None)

    def snapshot(self) -> CaseSnapshot:
        now = workflow.now()
        open_tasks = self.open_tasks()
        return CaseSnapshot(
            case_id=self.case_id,
            process=self.process,
            status=self.status,
            community_id=self.community_id,
            subject_id=self.subject_id,
            subject_label=self.subject_label,
            rule_version=self.version or None,
            opened_at=self.opened_at,
            due_at=self._next_due(open_tasks),
            level=worst_level(t.level for t in open_tasks),
            summary=dict(self.summary, title=self.title),
            tasks=[
                case_task(t.current, self.community_id, self._closed_at.get(t_id), now)
                for t_id, t in self._tasks.items()
            ],
        )

    def view(self) -> CaseView:
        return CaseView(
            snapshot=self.snapshot(),
            tasks=[task.state for task in self._tasks.values()],
            timeline=list(self.timeline),
        )

    def patched(self, patch_id: str) -> bool:
        """``workflow.patched``; a case that took the lean-case patch has taken them all."""
        return self._lean or workflow.patched(patch_id)

    def publish(self) -> None:
        """Keep search attributes and the Web UI's current details in step with the case."""
        self._dirty = True
        self._published += 1
        updates: list[SearchAttributeUpdate[Any]] = []
        self._put(updates, sa.PROCESS, self.process)
        self._put(updates, sa.STATUS, self.status)
        self._put(updates, sa.COMMUNITY, self.community_id)
        self._put(updates, sa.DUE_AT, self._next_due(self.open_tasks()))
        self._put(updates, sa.RULE_VERSION, self.version or None)
        grid = self.summary.get("grid_id")
        if grid and self.patched(GRID_ATTRIBUTE):
            self._put(updates, sa.GRID, grid)
        if self._lean:
            # Upserted with the next projection step: one upsert (one visibility write on the
            # server) per step, carrying each attribute's last value.
            self._pending_attributes.update((update.key.name, update) for update in updates)
        elif updates:
            workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self._details())

    def _flush_attributes(self) -> None:
        if self._pending_attributes:
            workflow.upsert_search_attributes(list(self._pending_attributes.values()))
            self._pending_attributes.clear()

    def _put(
        self,
        updates: list[SearchAttributeUpdate[Any]],
        key: SearchAttributeKey[Any],
        value: Any,
    ) -> None:
        if self._attributes.get(key.name) == value:
            return  # unchanged, or still unset: an unset of a never-set key would store a null
        self._attributes[key.name] = value
        updates.append(key.value_unset() if value is None else key.value_set(value))

    def _details(self) -> str:
        lines = [
            f"**{self.title}**",
            "",
            f"状态：{self._labels.get(self.status, self.status)}"
            f"　社区：{self.shown(self.community_id)}",
        ]
        open_tasks = [t.current for t in self.open_tasks()]
        for state in open_tasks:
            due = show(state.schedule.due_at) if state.schedule else "计算中"
            owner = self.shown(state.spec.owner)
            lines.append(
                f"待办：{state.spec.title}　承办：{owner}　期限：{due}　"
                f"警示：{CARD_LABELS[state.level]}"
            )
        if not open_tasks:
            lines.append("待办：无")
        lines.append(f"规则版本：{self.version or '—'}")
        return "\n".join(lines)

    def _task_changed(self, task_id: str, status: TaskStatus) -> None:
        if status is not TaskStatus.OPEN and task_id not in self._closed_at:
            self._closed_at[task_id] = workflow.now()
        self.publish()

    def _outbox(self, notification: Notification) -> None:
        self._notifications.append(notification)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Mark a local read of the case in flight: the projection waits until it is done."""
        self._reads += 1
        try:
            yield
        finally:
            self._reads -= 1

    def _pending(self) -> bool:
        return (
            self._dirty
            or self._projected < len(self.timeline)
            or bool(self._events)
            or bool(self._notifications)
        )

    def _progress(self) -> tuple[int, int, int, int]:
        return (len(self.timeline), len(self._events), len(self._notifications), self._published)

    async def _settled(self) -> None:
        """Let what woke in this workflow task with the projection run on first (an update's
        handler and the step it releases, a timer and the escalation it fires), so that one
        projection step carries them: wait rounds of the workflow's event loop until a round
        changes nothing the projection writes (at most a few)."""
        for _ in range(_SETTLE_ROUNDS):
            before = self._progress()
            await workflow.wait_condition(lambda: True)
            if self._progress() == before:
                return

    async def _project_loop(self) -> None:
        batched = self.patched(BATCHED_PROJECTION)

        def due() -> bool:
            return (self._pending() and not (batched and self._reads)) or self._finishing

        while True:
            await workflow.wait_condition(due)
            if self._lean and not self._finishing:
                await self._settled()
                if not due():
                    continue  # a read started meanwhile: project once it is done
            if not self._pending():
                return
            first, self._projected, self._dirty = self._projected, len(self.timeline), False
            events, self._events = self._events, []
            notifications, self._notifications = self._notifications, []
            step = ProjectCaseInput(
                snapshot=self.snapshot(),
                first_seq=first,
                timeline=self.timeline[first : self._projected],
                events=events,
                notifications=notifications,
            )
            self._flush_attributes()
            if self.patched(LOCAL_PROJECTION):
                # On the worker that runs the case, inside its workflow task: no activity task
                # round trip through the server and no extra workflow task per step. The write
                # is idempotent, so a workflow task that is retried writes nothing twice.
                result = await workflow.execute_local_activity(
                    "project_case",
                    step,
                    result_type=ProjectCaseResult,
                    start_to_close_timeout=TIMEOUT,
                    retry_policy=RETRY,
                )
            else:
                result = await workflow.execute_activity(
                    "project_case",
                    step,
                    result_type=ProjectCaseResult,
                    start_to_close_timeout=TIMEOUT,
                    retry_policy=RETRY,
                )
            if result.names.keys() - self._names.keys():
                # The registry's names of what the step mentioned, for the Web UI's details.
                self._names.update(result.names)
                workflow.set_current_details(self._details())
