"""Helpers for the process workflows on the time-skipping server: a worker with the real rules
and calendar activities, a registry and a case store that tests control, events and views."""

import asyncio
import contextlib
import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.calendar import CalendarActivities, ChinaCalendar
from activities.rules import RulesActivities
from models.annual_inspection import OrgFactsInput, OrgFactsResult
from models.case import CaseSnapshot, OutboundEvent, ProjectCaseInput, ProjectCaseResult
from models.case_actions import CaseResult, CaseView
from models.deadline import TimelineEntry
from models.dual_assessment import SubjectFactsInput, SubjectFactsResult
from models.events import CASE_ENGINE, CaseStartInput, InboundEvent
from models.mentions import mentioned
from models.notification import Notification
from rules.engine.facts import OrgFacts, SubjectFacts
from rules.engine.registry import RuleRegistry
from rules.engine.versions import FileRuleVersionStore
from workflows.annual_inspection import AnnualInspectionWorkflow
from workflows.case import CaseWorkflow
from workflows.dual_assessment import DualAssessmentWorkflow

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
CALENDAR = CalendarActivities(ChinaCalendar())
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
Edits = dict[str, list[tuple[str, str]]]


class CaseStore:
    """Keeps every ``project_case`` call, as the case store would receive them, and answers with
    the names in ``registry_names`` of the ids the step's texts mention, as the real one does."""

    def __init__(self) -> None:
        self.calls: list[ProjectCaseInput] = []
        self.registry_names: dict[str, str] = {"c-east": "东关社区"}

    @activity.defn(name="project_case")
    async def project_case(self, step: ProjectCaseInput) -> ProjectCaseResult:
        self.calls.append(step)
        outbox = len(step.events) + len(step.notifications)
        texts = [e.summary for e in step.timeline] + [n.message for n in step.notifications]
        ids = set[str]().union(*(mentioned(text) for text in texts))
        names = {i: self.registry_names[i] for i in ids if i in self.registry_names}
        return ProjectCaseResult(
            timeline_written=len(step.timeline), outbox_written=outbox, names=names
        )

    def _of(self, case_id: str) -> list[ProjectCaseInput]:
        return [call for call in self.calls if call.snapshot.case_id == case_id]

    def timeline(self, case_id: str) -> list[TimelineEntry]:
        """The stored timeline; each projection continues exactly where the last one ended."""
        entries: list[TimelineEntry] = []
        for call in self._of(case_id):
            assert call.first_seq == len(entries), "a projection skipped or repeated entries"
            entries.extend(call.timeline)
        return entries

    def events(self, case_id: str) -> list[OutboundEvent]:
        return [event for call in self._of(case_id) for event in call.events]

    def notifications(self, case_id: str) -> list[Notification]:
        return [n for call in self._of(case_id) for n in call.notifications]

    def snapshot(self, case_id: str) -> CaseSnapshot:
        return self._of(case_id)[-1].snapshot


class FakeRegistry:
    """Registry facts by id; tests change them as the registry would change."""

    def __init__(self) -> None:
        self.subjects: dict[str, SubjectFacts] = {}
        self.orgs: dict[str, OrgFacts] = {}
        self.org_reads_open = asyncio.Event()  # cleared: organisation reads wait until it is set
        self.org_reads_open.set()

    @activity.defn(name="subject_facts")
    async def subject_facts(self, request: SubjectFactsInput) -> SubjectFactsResult:
        facts = self.subjects.get(request.subject_id)
        if facts is None:
            unknown = SubjectFacts(subject_type=request.subject_type, id=request.subject_id)
            return SubjectFactsResult(known=False, facts=unknown)
        return SubjectFactsResult(known=True, facts=facts, label=f"对象{request.subject_id}")

    @activity.defn(name="org_facts")
    async def org_facts(self, request: OrgFactsInput) -> OrgFactsResult:
        await self.org_reads_open.wait()
        facts = self.orgs.get(request.org_id)
        if facts is None:
            return OrgFactsResult(known=False, facts=OrgFacts(id=request.org_id))
        return OrgFactsResult(known=True, facts=facts, label=f"组织{request.org_id}")


async def rule_registry(root: Path, edits: Edits | None = None) -> RuleRegistry:
    """A registry over a copy of the default rules under ``root``, with ``edits`` applied."""
    folder = root / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    for path in RULES_DIR.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    registry = RuleRegistry(folder, FileRuleVersionStore(root / "versions"), display_root="rules")
    if edits:
        edit_rules(folder, edits)
    await registry.refresh()
    return registry


def edit_rules(folder: Path, edits: Edits) -> None:
    """Replace text in rule files, as an administrator editing them would."""
    for name, changes in edits.items():
        path = folder / name
        text = path.read_text(encoding="utf-8")
        for old, new in changes:
            assert old in text, f"{old!r} is not in {name}"
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")


@asynccontextmanager
async def case_worker(
    client: Client, task_queue: str, rules: RuleRegistry, registry: FakeRegistry
) -> AsyncIterator[CaseStore]:
    """A worker for both process workflows; yields the case store it projects into."""
    store = CaseStore()
    rules_activities = RulesActivities(rules)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[DualAssessmentWorkflow, AnnualInspectionWorkflow],
        activities=[
            CALENDAR.resolve_schedule,
            CALENDAR.resolve_schedule_by_rule,
            CALENDAR.shift,
            rules_activities.fetch_rules,
            rules_activities.dry_run_rules,
            registry.subject_facts,
            registry.org_facts,
            store.project_case,
        ],
    ):
        yield store


def inbound(
    kind: str, data: dict[str, Any], *, time: datetime | None = None, source: str = "test"
) -> InboundEvent:
    """An event of type ``grassroots.<kind>`` with a fresh id."""
    return InboundEvent(
        id=str(uuid.uuid4()), source=source, type=f"grassroots.{kind}", time=time, data=data
    )


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def start_case(
    client: Client,
    task_queue: str,
    case_id: str,
    event: InboundEvent,
    version: str,
    engine: int = CASE_ENGINE,
) -> WorkflowHandle[Any, CaseResult]:
    """Start a case the way the API does: signal-with-start, the event also sent as ``event``,
    under the case-engine revision of today's code unless ``engine`` names another."""
    workflow_type = case_id.split("/", 1)[0]
    return await client.start_workflow(
        workflow_type,
        CaseStartInput(event=event, rule_version=version, engine=engine),
        id=case_id,
        task_queue=task_queue,
        result_type=CaseResult,
        start_signal="event",
        start_signal_args=[event],
    )


async def view(handle: WorkflowHandle[Any, CaseResult]) -> CaseView:
    return await handle.query(CaseWorkflow.view)


async def eventually(
    handle: WorkflowHandle[Any, CaseResult], check: Callable[[CaseView], bool]
) -> CaseView:
    """Query until ``check`` holds: signals and activities take a workflow task or two."""
    last: CaseView | None = None
    for _ in range(200):
        last = await view(handle)
        if check(last):
            return last
        await asyncio.sleep(0.03)
    raise AssertionError(f"condition never held; last status: {last and last.snapshot.status}")


def kinds(entries: list[TimelineEntry]) -> list[str]:
    return [entry.kind for entry in entries]


def entries(entries: list[TimelineEntry], kind: str) -> list[TimelineEntry]:
    return [entry for entry in entries if entry.kind == kind]


async def sleep_until(env: WorkflowEnvironment, at: datetime) -> None:
    now = await env.get_current_time()
    if at > now:
        await env.sleep(at - now)


async def finish(env: WorkflowEnvironment, handle: WorkflowHandle[Any, CaseResult]) -> CaseResult:
    """The case's result, waited for in real time so the shared clock does not jump."""
    with env.auto_time_skipping_disabled():
        return await asyncio.wait_for(handle.result(), timeout=20)


async def stop(handle: WorkflowHandle[Any, CaseResult]) -> None:
    """Terminate a case a test leaves running, so no timer of it outlives the test.

    A workflow or activity task still running when its workflow is terminated keeps the Java
    test server from ever skipping time again, so first wait until none is.
    """
    for _ in range(200):
        if await _quiet(handle):
            break
        await asyncio.sleep(0.02)
    with contextlib.suppress(RPCError):
        await handle.terminate(reason="test finished")


_STARTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
}


async def _quiet(handle: WorkflowHandle[Any, CaseResult]) -> bool:
    """True when the case has ended, or no workflow or activity task of it is outstanding."""
    outstanding: set[int] = set()
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            return True
        if event.event_type in _STARTS:
            outstanding.add(event.event_id)
        for attributes in (
            event.workflow_task_completed_event_attributes,
            event.workflow_task_failed_event_attributes,
            event.workflow_task_timed_out_event_attributes,
            event.activity_task_completed_event_attributes,
            event.activity_task_failed_event_attributes,
        ):
            outstanding.discard(attributes.scheduled_event_id)
    return not outstanding


async def details(handle: WorkflowHandle[Any, CaseResult]) -> str:
    """The current details the Temporal Web UI shows for the case."""
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    return str(metadata.current_details)
