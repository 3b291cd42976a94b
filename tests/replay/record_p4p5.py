"""Replay scenarios of P4 (community worker) and P5 (commitment), for ``tests/replay/record.py``.

Each runs a real case on the time-skipping server and returns the workflow id whose (latest
run's) history is recorded. Neither needs the registry to know anyone (the worker is a recruit,
the member unknown to it); ``p4p5_worker`` serves both workflows with the real activities over a
fresh sample registry, with a ``project_case`` that only counts, as ``case_scenarios`` does.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.calendar import CalendarActivities, ChinaCalendar
from activities.rules import RulesActivities
from activities.workforce import WorkforceActivities
from db.sample import load_sample_registry
from db.session import create_engine, session_factory
from db.tables import METADATA
from models.case import ProjectCaseInput, ProjectCaseResult
from models.case_actions import CaseResult
from models.events import CASE_ENGINE, CaseStartInput, InboundEvent
from rules.engine.registry import RuleRegistry
from rules.engine.versions import FileRuleVersionStore
from workflows.commitment import CommitmentWorkflow
from workflows.community_worker import CommunityWorkerWorkflow

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"

_CST = timezone(timedelta(hours=8))
_SOURCE = "urn:grassroots:replay"


@activity.defn(name="project_case")
async def _project_case(step: ProjectCaseInput) -> ProjectCaseResult:
    return ProjectCaseResult(timeline_written=len(step.timeline), outbox_written=len(step.events))


@asynccontextmanager
async def p4p5_worker(env: WorkflowEnvironment, task_queue: str, root: Path) -> AsyncIterator[None]:
    """A worker for P4 and P5 with the real activities, over a fresh sample registry."""
    import db.commitment_tables  # noqa: F401  (its tables, until db.tables imports it)

    engine = create_engine(f"sqlite+aiosqlite:///{root / 'registry.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    sessions = session_factory(engine)
    async with sessions() as session:
        await load_sample_registry(session)
    rules = RuleRegistry(RULES_DIR, FileRuleVersionStore(root / "versions"))
    await rules.refresh()
    calendar, workforce = CalendarActivities(ChinaCalendar()), WorkforceActivities(sessions)
    rules_activities = RulesActivities(rules)
    try:
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=[CommunityWorkerWorkflow, CommitmentWorkflow],
            activities=[
                calendar.resolve_schedule,
                calendar.resolve_schedule_by_rule,
                calendar.shift,
                rules_activities.fetch_rules,
                rules_activities.dry_run_rules,
                workforce.worker_profile,
                workforce.change_worker,
                workforce.record_worker_assessment,
                workforce.member_profile,
                workforce.record_commitment,
                workforce.record_service,
                _project_case,
            ],
        ):
            yield
    finally:
        await engine.dispose()


def _event(kind: str, data: dict[str, Any]) -> InboundEvent:
    return InboundEvent(id=str(uuid.uuid4()), source=_SOURCE, type=f"grassroots.{kind}", data=data)


async def _start(
    env: WorkflowEnvironment, task_queue: str, case_id: str, event: InboundEvent
) -> WorkflowHandle[Any, CaseResult]:
    return await env.client.start_workflow(
        case_id.split("/", 1)[0],
        CaseStartInput(event=event, rule_version="", engine=CASE_ENGINE),
        id=case_id,
        task_queue=task_queue,
        result_type=CaseResult,
        start_signal="event",
        start_signal_args=[event],
    )


async def _sleep_until(env: WorkflowEnvironment, at: datetime) -> None:
    now = await env.get_current_time()
    if at > now:
        await env.sleep(at - now)


async def record_community_worker(env: WorkflowEnvironment, task_queue: str) -> str:
    """A candidate passes every recruitment stage, serves probation, trains and is assessed."""
    worker_id = f"replay-{uuid.uuid4().hex[:8]}"
    case_id = f"community_worker/{worker_id}"
    recruited = {
        "worker_id": worker_id,
        "post": "staff",
        "method": "open_exam",
        "age": 25,
        "education": "bachelor",
        "party_member": False,
        "name": "回放",
        "birth_date": "2001-04-01",
        "community_id": "jiwang",
    }
    handle = await _start(env, task_queue, case_id, _event("worker.recruited", recruited))
    year = (await env.get_current_time()).astimezone(_CST).year + 1
    await _sleep_until(env, datetime(year, 3, 1, 10, tzinfo=_CST))
    for stage in ("written_exam", "interview", "vetting", "probation"):
        data = {"worker_id": worker_id, "stage": stage, "date": f"{year}-03-01"}
        await handle.signal("stage_passed", _event("worker.stage_passed", data))
    await _sleep_until(env, datetime(year, 11, 2, 10, tzinfo=_CST))
    training = {"worker_id": worker_id, "hours": 12, "date": f"{year}-11-01"}
    await handle.signal("training_logged", _event("worker.training_logged", training))
    await _sleep_until(env, datetime(year, 12, 10, 10, tzinfo=_CST))
    tier = {"worker_id": worker_id, "year": year, "tier": "称职"}
    await handle.signal("assessed", _event("worker.assessed", tier))
    await _sleep_until(env, datetime(year, 12, 11, 10, tzinfo=_CST))
    applied = {"worker_id": worker_id, "stage": "applied", "date": f"{year}-12-11"}
    await handle.signal("stage_passed", _event("worker.stage_passed", applied))
    await _sleep_until(env, datetime(year, 12, 20, 10, tzinfo=_CST))
    await handle.terminate(reason="recorded: the first year's run")
    return case_id


async def record_worker_retired(env: WorkflowEnvironment, task_queue: str) -> str:
    """A registered worker's case, short of training hours at the check, ends in retirement."""
    worker_id = "w-jiwang-03"
    case_id = f"community_worker/{worker_id}"
    enrolled = {
        "worker_id": worker_id,
        "post": "staff",
        "method": "in_service",
        "community_id": "jiwang",
        "training_hours": 10.0,
    }
    year = (await env.get_current_time()).astimezone(_CST).year + 1
    await _sleep_until(env, datetime(year, 11, 20, 10, tzinfo=_CST))
    handle = await _start(env, task_queue, case_id, _event("worker.recruited", enrolled))
    await _sleep_until(env, datetime(year, 12, 2, 10, tzinfo=_CST))
    left = {"worker_id": worker_id, "reason": "retirement", "date": f"{year}-12-02"}
    await handle.signal("left", _event("worker.left", left))
    with env.auto_time_skipping_disabled():
        await asyncio.wait_for(handle.result(), timeout=30)
    return case_id


async def record_commitment(env: WorkflowEnvironment, task_queue: str) -> str:
    """A member's year: returned once, published, service logged, progress, evaluation."""
    member_id = f"replay-{uuid.uuid4().hex[:8]}"
    year = (await env.get_current_time()).astimezone(_CST).year + 1
    case_id = f"commitment/{member_id}/{year}"
    base = {"member_id": member_id, "year": year}
    await _sleep_until(env, datetime(year, 1, 5, 10, tzinfo=_CST))
    items = [{"category": "policy_publicity", "content": "每月宣讲"}, "voluntary_labour"]
    submitted = _event("commitment.submitted", {**base, "items": items, "post": "楼栋长"})
    handle = await _start(env, task_queue, case_id, submitted)
    await _sleep_until(env, datetime(year, 1, 6, 10, tzinfo=_CST))
    returned = {**base, "decision": "returned", "actor": "branch", "reasons": ["请写明时间"]}
    await handle.execute_update("review", _event("commitment.reviewed", returned))
    await handle.signal("event", _event("commitment.submitted", {**base, "items": items}))
    await _sleep_until(env, datetime(year, 1, 8, 10, tzinfo=_CST))
    approved = {**base, "decision": "approved", "actor": "branch"}
    await handle.execute_update("review", _event("commitment.reviewed", approved))
    service = {**base, "hours": 2, "category": "policy_publicity", "date": f"{year}-03-02"}
    await _sleep_until(env, datetime(year, 3, 2, 10, tzinfo=_CST))
    await handle.signal("service_logged", _event("service.logged", service))
    await _sleep_until(env, datetime(year, 10, 8, 10, tzinfo=_CST))
    for evaluator, score in (
        ("self", 92),
        ("members", 88),
        ("residents", 86),
        ("organisation", 90),
    ):
        scored = {**base, "evaluator": evaluator, "score": score}
        await handle.signal("evaluated", _event("commitment.evaluated", scored))
    await _sleep_until(env, datetime(year + 1, 1, 2, 10, tzinfo=_CST))
    with env.auto_time_skipping_disabled():
        await asyncio.wait_for(handle.result(), timeout=30)
    return case_id


Scenario = Callable[[WorkflowEnvironment, str], Awaitable[str]]

P4P5_SCENARIOS: dict[str, Scenario] = {
    "recruited_first_year": record_community_worker,
    "enrolled_then_retired": record_worker_retired,
    "returned_published_evaluated": record_commitment,
}
