"""A small process workflow for the API tests, registered under a process name the test rule set
routes to: it projects itself, answers ``state``, takes signals and a validated update."""

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from models.case import (
        CaseSnapshot,
        CaseTask,
        OutboundEvent,
        ProjectCaseInput,
        ProjectCaseResult,
    )
    from models.deadline import TaskStatus, TimelineEntry
    from models.events import CaseStartInput, InboundEvent
    from models.notification import Notification

PROCESS = "community_worker"


@workflow.defn(name=PROCESS)
class ProbeWorkflow:
    """Opens one task for its community, records every event, closes on ``decision: close``."""

    @workflow.init
    def __init__(self, params: CaseStartInput) -> None:
        self._start = params
        self._seen: list[str] = []
        self._signals: list[str] = []
        self._decision: str | None = None
        self._timeline = [
            TimelineEntry(
                at=workflow.now(),
                kind="opened",
                summary="案件开启",
                trace={"file": "events.yaml", "rule": params.event.type, "result": "start"},
            )
        ]
        self._projected = 0
        self._dirty = True

    @workflow.run
    async def run(self, params: CaseStartInput) -> dict[str, Any]:
        while True:
            await workflow.wait_condition(lambda: self._dirty)
            self._dirty = False
            await self._project()
            if self._decision == "close":
                break
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state()

    def _note(self, event: InboundEvent, kind: str) -> bool:
        if event.key in self._seen:
            return False
        self._seen.append(event.key)
        self._signals.append(f"{kind}:{event.type}")
        self._timeline.append(
            TimelineEntry(at=workflow.now(), kind=kind, actor=event.data.get("actor"))
        )
        self._dirty = True
        return True

    @workflow.signal(name="event")
    def event(self, event: InboundEvent) -> None:
        self._note(event, "event")

    @workflow.signal(name="noted")
    def noted(self, event: InboundEvent) -> None:
        self._note(event, "noted")

    @workflow.update(name="decide")
    def decide(self, event: InboundEvent) -> dict[str, Any]:
        self._decision = str(event.data["decision"])
        self._note(event, "decided")
        return {"decision": self._decision}

    @decide.validator
    def _check_decision(self, event: InboundEvent) -> None:
        if event.data.get("decision") == "refuse":
            raise ValueError("不予受理：决定须为 approve 或 close")

    @workflow.query(name="state")
    def state(self) -> dict[str, Any]:
        return {"events": list(self._signals), "decision": self._decision}

    async def _project(self) -> None:
        data = self._start.event.data
        community = data.get("community_id")
        opened = self._timeline[0].at
        closed = self._decision == "close"
        task = CaseTask(
            task_id="review",
            title="审核",
            owner=str(community),
            community_id=community,
            status=TaskStatus.ANSWERED if self._decision else TaskStatus.OPEN,
            opened_at=opened,
            due_at=opened + timedelta(days=float(data.get("due_in_days", 10))),
        )
        snapshot = CaseSnapshot(
            case_id=workflow.info().workflow_id,
            process=PROCESS,
            status="closed" if closed else "open",
            community_id=community,
            subject_id=str(data.get("probe_id")),
            subject_label=data.get("label"),
            rule_version=self._start.rule_version,
            opened_at=opened,
            due_at=task.due_at,
            tasks=[task],
        )
        reminder = Notification(
            case_id=snapshot.case_id,
            task_id="review",
            kind="reminder",
            to=str(community),
            title="审核",
            due_at=task.due_at or opened,
            at=opened,
            message="请按时审核",
        )
        events = []
        if closed:
            events.append(
                OutboundEvent(
                    id=f"{snapshot.case_id}#closed",
                    type="grassroots.probe.closed",
                    subject=snapshot.case_id,
                    time=workflow.now(),
                    data={"decision": self._decision},
                )
            )
        await workflow.execute_activity(
            "project_case",
            ProjectCaseInput(
                snapshot=snapshot,
                first_seq=self._projected,
                timeline=self._timeline[self._projected :],
                notifications=[reminder],
                events=events,
            ),
            result_type=ProjectCaseResult,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )
        self._projected = len(self._timeline)
