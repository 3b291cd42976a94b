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
    _tasks: dict[str, CaseDeadlineTask]
    _closed_at: dict[str, datetime]
    _events: list[OutboundEvent]
    _notifications: list[Notification]
    _projected: int
    _dirty: bool
    _finishing: bool
    _pump: asyncio.Task[None] | None
    _attributes: dict[str, Any]
    _reads: int

    @property
    def version(self) -> str:
        """The pinned rule version ('' until the rules are loaded)."""
        return self._files.version if self._files is not None else ""

    def open_tasks(self) -> list[CaseDeadlineTask]:
        return [t for t in self._tasks.values() if t.status is TaskStatus.OPEN]

    def snapshot(self) -> CaseSnapshot:
        now = workflow.now()
        open_tasks = self.open_tasks()
        dues = [t.due_at for t in open_tasks if t.due_at is not None]
        return CaseSnapshot(
            case_id=self.case_id,
            process=self.process,
            status=self.status,
            community_id=self.community_id,
            subject_id=self.subject_id,
            subject_label=self.subject_label,
            rule_version=self.version or None,
            opened_at=self.opened_at,
            due_at=min(dues, default=None),
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

    def publish(self) -> None:
        """Keep search attributes and the Web UI's current details in step with the case."""
        self._dirty = True
        snapshot = self.snapshot()
        updates: list[SearchAttributeUpdate[Any]] = []
        self._put(updates, sa.PROCESS, self.process)
        self._put(updates, sa.STATUS, self.status)
        self._put(updates, sa.COMMUNITY, self.community_id)
        self._put(updates, sa.DUE_AT, snapshot.due_at)
        self._put(updates, sa.RULE_VERSION, self.version or None)
        grid = self.summary.get("grid_id")
        if grid and workflow.patched(GRID_ATTRIBUTE):
            self._put(updates, sa.GRID, grid)
        if updates:
            workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self._details())

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
            f"状态：{self._labels.get(self.status, self.status)}　社区：{self.community_id or '—'}",
        ]
        open_tasks = [t.current for t in self.open_tasks()]
        for state in open_tasks:
            due = show(state.schedule.due_at) if state.schedule else "计算中"
            lines.append(
                f"待办：{state.spec.title}　承办：{state.spec.owner}　期限：{due}　"
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

    async def _project_loop(self) -> None:
        batched = workflow.patched(BATCHED_PROJECTION)

        def due() -> bool:
            return (self._pending() and not (batched and self._reads)) or self._finishing

        while True:
            await workflow.wait_condition(due)
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
            if workflow.patched(LOCAL_PROJECTION):
                # On the worker that runs the case, inside its workflow task: no activity task
                # round trip through the server and no extra workflow task per step. The write
                # is idempotent, so a workflow task that is retried writes nothing twice.
                await workflow.execute_local_activity(
                    "project_case",
                    step,
                    result_type=ProjectCaseResult,
                    start_to_close_timeout=TIMEOUT,
                    retry_policy=RETRY,
                )
            else:
                await workflow.execute_activity(
                    "project_case",
                    step,
                    result_type=ProjectCaseResult,
                    start_to_close_timeout=TIMEOUT,
                    retry_policy=RETRY,
                )
