"""P4: a community worker who leaves (``worker.left``) ends their case, on the time-skipping
server with the real registry activities on the sample Jishan County registry (SQLite), so the
workforce report is read the way the CLI and the API read it."""

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.rules import RulesActivities
from activities.workforce import WorkforceActivities
from db import queries
from db.commitment_tables import WorkerChange
from db.sample import load_sample_registry
from db.session import create_engine, session_factory
from db.tables import METADATA, CommunityWorker
from db.workforce import roster_on
from models.case_actions import CaseResult
from models.deadline import TaskStatus
from rules.engine.registry import RuleRegistry
from tests.workflows.case_support import (
    CALENDAR,
    CaseStore,
    entries,
    finish,
    inbound,
    rule_registry,
    start_case,
    stop,
)
from tests.workflows.deadline_support import CST
from tests.workflows.workforce_support import at, latest, until
from workflows.community_worker import CommunityWorkerWorkflow as P4

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture(scope="module")
async def sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample registry, imported once into a SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("sample") / "registry.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    async with session_factory(engine)() as session:
        await load_sample_registry(session)
    await engine.dispose()
    return path


@pytest.fixture
async def sessions(sample_file: Path, tmp_path: Path) -> AsyncIterator[Sessions]:
    copy = tmp_path / "registry.db"
    shutil.copy(sample_file, copy)
    engine = create_engine(f"sqlite+aiosqlite:///{copy}")
    yield session_factory(engine)
    await engine.dispose()


@asynccontextmanager
async def _worker(
    client: Client, task_queue: str, rules: RuleRegistry, sessions: Sessions
) -> AsyncIterator[CaseStore]:
    """P4 with the product's registry activities on the SQLite registry."""
    store, workforce = CaseStore(), WorkforceActivities(sessions)
    rule_files = RulesActivities(rules)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[P4],
        activities=[
            CALENDAR.resolve_schedule,
            CALENDAR.resolve_schedule_by_rule,
            CALENDAR.shift,
            rule_files.fetch_rules,
            rule_files.dry_run_rules,
            workforce.worker_profile,
            workforce.change_worker,
            workforce.record_worker_assessment,
            store.project_case,
        ],
    ):
        yield store


async def _sample_worker(sessions: Sessions, index: int) -> CommunityWorker:
    async with sessions() as session:
        return (await queries.workers_by_community(session))[index]


async def _start(
    client: Client, task_queue: str, version: str, worker: CommunityWorker
) -> tuple[str, WorkflowHandle[Any, CaseResult]]:
    """The case ``grassroots run`` opens for a registered worker on first start."""
    data = {
        "worker_id": worker.id,
        "post": worker.post,
        "method": "in_service",
        "community_id": worker.community_id,
        "training_hours": 10.0,
    }
    case_id = f"community_worker/{worker.id}"
    event = inbound("worker.recruited", data)
    handle = await start_case(client, task_queue, case_id, event, version)
    return case_id, handle


async def _leave(client: Client, case_id: str, reason: str, on: date, note: str = "") -> None:
    data = {"worker_id": case_id.split("/")[1], "reason": reason, "date": on.isoformat()}
    event = inbound("worker.left", {**data, "note": note, "actor": "街道组织办"})
    await latest(client, case_id).signal(P4.left, event)


async def _roster(sessions: Sessions, on: date) -> set[str]:
    async with sessions() as session:
        return {w.worker_id for w in await roster_on(session, on)}


def _today(now: datetime) -> date:
    return now.astimezone(CST).date()


async def test_a_retiring_worker_ends_the_case_and_leaves_the_workforce_report(
    client: Client,
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
    tmp_path: Path,
    sessions: Sessions,
) -> None:
    """Retirement closes the open training task, ends the case and the report stops counting."""
    env = time_skipping_env
    year = (await env.get_current_time()).astimezone(CST).year + 1
    await at(env, year, 11, 20)
    rules = await rule_registry(tmp_path)
    worker = await _sample_worker(sessions, 0)
    async with _worker(client, task_queue, rules, sessions) as store:
        case_id, handle = await _start(client, task_queue, rules.active.version, worker)
        try:
            await until(client, case_id, lambda v: v.snapshot.status == "in_service")
            await at(env, year, 12, 2)  # the training check (30 November) found hours missing
            training = f"training-{year}"
            short = await until(
                client, case_id, lambda v: any(t.spec.task_id == training for t in v.tasks)
            )
            assert short.snapshot.status == "in_service"
            await _leave(client, case_id, "调走", date(year, 12, 2))  # not a reason P4 knows
            refused = await until(client, case_id, lambda v: v.timeline[-1].kind == "event_refused")
            assert "离职原因应为" in refused.timeline[-1].summary
            last_day = _today(await env.get_current_time())
            await _leave(client, case_id, "退休", last_day, note="到龄退休")
            result = await finish(env, handle)
        finally:
            await stop(latest(client, case_id))

    assert result.status == "left"
    assert (result.summary["left_reason"], result.summary["left_on"]) == (
        "retirement",
        last_day.isoformat(),
    )
    timeline = store.timeline(case_id)
    [left] = entries(timeline, "worker_left")
    assert left.summary == f"{last_day.isoformat()} 退休离职：到龄退休，案件结案"
    assert store.snapshot(case_id).status == "left"
    closed = [t.status for t in store.snapshot(case_id).tasks if t.task_id == training]
    assert closed == [TaskStatus.CANCELLED]
    [ended] = [e for e in store.events(case_id) if e.type == "grassroots.worker.service_ended"]
    assert (ended.data["worker_id"], ended.data["reason"]) == (worker.id, "retirement")

    # The registry keeps the row for the years served; the workforce from that day on lacks them.
    assert worker.id in await _roster(sessions, last_day - timedelta(days=1))
    assert worker.id not in await _roster(sessions, last_day)
    async with sessions() as session:
        changes = (
            await session.scalars(select(WorkerChange).where(WorkerChange.worker_id == worker.id))
        ).all()
        assert [(c.field, c.new_value, c.changed_on, c.case_id) for c in changes] == [
            ("left", "退休", last_day, case_id)
        ]
        assert await session.get(CommunityWorker, worker.id) is not None


async def test_leaving_in_a_later_year_closes_the_carried_tasks_once(
    client: Client,
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
    tmp_path: Path,
    sessions: Sessions,
) -> None:
    """A resignation in the second year's run closes the assessment task carried over from the
    first; the redelivered event is applied once."""
    env = time_skipping_env
    year = (await env.get_current_time()).astimezone(CST).year + 1
    await at(env, year, 11, 20)
    rules = await rule_registry(tmp_path)
    worker = await _sample_worker(sessions, 1)
    async with _worker(client, task_queue, rules, sessions) as store:
        case_id, handle = await _start(client, task_queue, rules.active.version, worker)
        try:
            first = await until(client, case_id, lambda v: v.snapshot.status == "in_service")
            run = handle.result_run_id or ""
            assert first.snapshot.status == "in_service"
            await at(env, year + 1, 2, 3)  # past the assessment window: the next year's run
            carried = await until(
                client, case_id, lambda v: any("进入" in e.summary for e in v.timeline)
            )
            assessment = [t for t in carried.tasks if t.spec.task_id == f"assessment-{year}"]
            assert [t.status for t in assessment] == [TaskStatus.OPEN]  # carried, unanswered
            assert (await latest(client, case_id).describe()).run_id != run
            on = date(year + 1, 2, 3)
            data = {"worker_id": worker.id, "reason": "resignation", "date": on.isoformat()}
            event = inbound("worker.left", data)
            await latest(client, case_id).signal(P4.left, event)
            await latest(client, case_id).signal(P4.left, event)  # redelivered
            result = await finish(env, latest(client, case_id))
        finally:
            await stop(latest(client, case_id))

    assert result.status == "left"
    assert result.summary["left_reason"] == "resignation"
    timeline = store.timeline(case_id)  # numbering carries on across both runs
    assert [e.summary for e in entries(timeline, "worker_left")] == [
        f"{on.isoformat()} 辞职离职，案件结案"
    ]
    tasks = store.snapshot(case_id).tasks
    assert [t.status for t in tasks if t.task_id == f"assessment-{year}"] == [TaskStatus.CANCELLED]
    assert worker.id not in await _roster(sessions, on)
    assert worker.id in await _roster(sessions, on - timedelta(days=1))
