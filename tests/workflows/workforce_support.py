"""Helpers for P4 and P5 on the time-skipping server: a registry the tests control for the
workforce activities, a worker with both workflows, and the latest run of a long-lived case."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.rules import RulesActivities
from models.case_actions import CaseResult, CaseView
from models.commitment import (
    CommitmentRecordInput,
    MemberProfile,
    MemberProfileInput,
    ServiceRecordInput,
    ServiceRecordResult,
)
from models.community_worker import (
    AssessmentRecordInput,
    AssessmentRecordResult,
    WorkerChangeInput,
    WorkerChangeResult,
    WorkerProfile,
    WorkerProfileInput,
)
from rules.engine.registry import RuleRegistry
from tests.workflows.case_support import CALENDAR, CaseStore, eventually, sleep_until
from tests.workflows.deadline_support import CST
from workflows.commitment import CommitmentWorkflow
from workflows.community_worker import CommunityWorkerWorkflow


class FakeWorkforce:
    """The registry side of P4 and P5, kept in memory; tests read what the cases wrote."""

    def __init__(self) -> None:
        self.workers: dict[str, WorkerProfile] = {}
        self.members: dict[str, MemberProfile] = {}
        self.community_size: dict[str, int] = {}
        self.changes: list[WorkerChangeInput] = []
        self.tiers: dict[tuple[str, int], str] = {}
        self.tier_community: dict[str, str | None] = {}
        self.commitments: list[CommitmentRecordInput] = []
        self.services: dict[str, ServiceRecordInput] = {}

    @activity.defn(name="worker_profile")
    async def worker_profile(self, request: WorkerProfileInput) -> WorkerProfile:
        return self.workers.get(request.worker_id, WorkerProfile(known=False))

    @activity.defn(name="change_worker")
    async def change_worker(self, change: WorkerChangeInput) -> WorkerChangeResult:
        self.changes.append(change)
        if change.hire is not None and change.hire.name is None:
            return WorkerChangeResult(applied=False, reason="缺少姓名")
        return WorkerChangeResult(applied=True, changes=["changed"])

    @activity.defn(name="record_worker_assessment")
    async def record_worker_assessment(
        self, record: AssessmentRecordInput
    ) -> AssessmentRecordResult:
        self.tiers[(record.worker_id, record.year)] = record.tier
        self.tier_community[record.worker_id] = record.community_id
        if record.count_tier is None or record.community_id is None:
            return AssessmentRecordResult()
        count = sum(
            tier == record.count_tier and self.tier_community.get(worker) == record.community_id
            for (worker, year), tier in self.tiers.items()
            if year == record.year
        )
        return AssessmentRecordResult(
            tier_count=count, workers=self.community_size.get(record.community_id, 10)
        )

    @activity.defn(name="member_profile")
    async def member_profile(self, request: MemberProfileInput) -> MemberProfile:
        return self.members.get(request.member_id, MemberProfile(known=False))

    @activity.defn(name="record_commitment")
    async def record_commitment(self, record: CommitmentRecordInput) -> None:
        self.commitments.append(record)

    @activity.defn(name="record_service")
    async def record_service(self, record: ServiceRecordInput) -> ServiceRecordResult:
        first = record.event_key not in self.services
        self.services[record.event_key] = record
        return ServiceRecordResult(recorded=first, counted_as_activity=first)


@asynccontextmanager
async def workforce_worker(
    client: Client, task_queue: str, rules: RuleRegistry, registry: FakeWorkforce
) -> AsyncIterator[CaseStore]:
    """A worker for P4 and P5; yields the case store it projects into."""
    store = CaseStore()
    rules_activities = RulesActivities(rules)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[CommunityWorkerWorkflow, CommitmentWorkflow],
        activities=[
            CALENDAR.resolve_schedule,
            CALENDAR.resolve_schedule_by_rule,
            CALENDAR.shift,
            rules_activities.fetch_rules,
            rules_activities.dry_run_rules,
            registry.worker_profile,
            registry.change_worker,
            registry.record_worker_assessment,
            registry.member_profile,
            registry.record_commitment,
            registry.record_service,
            store.project_case,
        ],
    ):
        yield store


def latest(client: Client, case_id: str) -> WorkflowHandle[Any, CaseResult]:
    """The case's current run, whichever year it has continued into."""
    return client.get_workflow_handle(case_id, result_type=CaseResult)


async def at(env: WorkflowEnvironment, year: int, month: int, day: int, hour: int = 10) -> None:
    """Move the shared clock to a day of a year (China time)."""
    await sleep_until(env, datetime(year, month, day, hour, tzinfo=CST))


async def until(client: Client, case_id: str, check: Any) -> CaseView:
    """Query the case's current run until ``check(view)`` holds."""
    return await eventually(latest(client, case_id), check)


def summaries(view: CaseView) -> list[str]:
    return [entry.summary for entry in view.timeline]


def find(lines: list[str], text: str) -> list[str]:
    return [line for line in lines if text in line]
