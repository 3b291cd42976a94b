"""Replay scenarios of P3 (floating member), for ``tests/replay/record.py``.

Each function runs a real case on the time-skipping server and returns the workflow id whose
(latest run's) history is recorded. It serves its own task queue (``<task_queue>/floating``) with
the real registry activities over a fresh sample registry, the real rules and calendar, and a
``project_case`` that only counts, so the caller's worker needs nothing for it.
"""

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.calendar import CalendarActivities, ChinaCalendar
from activities.floating_member import FloatingMemberActivities
from activities.rules import RulesActivities
from db.sample import load_sample_registry
from db.session import create_engine, session_factory
from db.tables import METADATA
from models.case import ProjectCaseInput, ProjectCaseResult
from models.case_actions import CaseResult
from models.events import CASE_ENGINE, CaseStartInput, InboundEvent
from models.floating_member import OriginReplyInput
from rules.engine.registry import RuleRegistry
from rules.engine.versions import FileRuleVersionStore
from workflows.floating_member import FloatingMemberWorkflow

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
_SOURCE = "urn:grassroots:replay"
_HOME = "稷山县稷峰街道稷王路174号后稷花园"
DAY = timedelta(days=1)


@activity.defn(name="project_case")
async def _project_case(step: ProjectCaseInput) -> ProjectCaseResult:
    return ProjectCaseResult(timeline_written=len(step.timeline), outbox_written=len(step.events))


@asynccontextmanager
async def _floating_worker(env: WorkflowEnvironment, task_queue: str) -> AsyncIterator[str]:
    """A worker for P3 over a fresh sample registry; yields the active rule version."""
    with tempfile.TemporaryDirectory() as root:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(root) / 'registry.db'}")
        async with engine.begin() as connection:
            await connection.run_sync(METADATA.create_all)
        sessions = session_factory(engine)
        async with sessions() as session:
            await load_sample_registry(session)
        rules = RuleRegistry(RULES_DIR, FileRuleVersionStore(Path(root) / "versions"))
        await rules.refresh()
        calendar = CalendarActivities(ChinaCalendar())
        registry = FloatingMemberActivities(sessions)
        rule_files = RulesActivities(rules)
        try:
            async with Worker(
                env.client,
                task_queue=task_queue,
                workflows=[FloatingMemberWorkflow],
                activities=[
                    calendar.resolve_schedule,
                    calendar.resolve_schedule_by_rule,
                    calendar.shift,
                    rule_files.fetch_rules,
                    rule_files.dry_run_rules,
                    registry.register_floating_member,
                    registry.locate_address,
                    registry.placement_candidates,
                    registry.record_placement,
                    registry.set_member_status,
                    registry.stored_timeline,
                    _project_case,
                ],
            ):
                yield rules.active.version
        finally:
            await engine.dispose()


def _event(kind: str, data: dict[str, Any]) -> InboundEvent:
    return InboundEvent(
        id=str(uuid.uuid4()), source=_SOURCE, type=f"grassroots.member.{kind}", data=data
    )


async def _dated(env: WorkflowEnvironment, kind: str, member_id: str, **data: Any) -> InboundEvent:
    at = await env.get_current_time()
    return _event(kind, {"member_id": member_id, "date": at.isoformat(), **data})


async def _register(
    env: WorkflowEnvironment,
    task_queue: str,
    version: str,
    member_id: str,
    credential: str,
    address: str = f"{_HOME}1号楼2单元301室",
) -> WorkflowHandle[Any, CaseResult]:
    event = _event(
        "registered",
        {
            "member_id": member_id,
            "name": "郭文静",
            "home_org": "新绛县泽掌镇党委",
            "credential": credential,
            "address": address,
            "occupation": "教师",
            "phone": "10099990002",
        },
    )
    return await env.client.start_workflow(
        "floating_member",
        CaseStartInput(event=event, rule_version=version, engine=CASE_ENGINE),
        id=f"floating_member/{member_id}",
        task_queue=task_queue,
        result_type=CaseResult,
        start_signal="event",
        start_signal_args=[event],
    )


async def record_floating_member(env: WorkflowEnvironment, task_queue: str) -> str:
    """One first month: registered with a certificate, confirmed by the home organisation,
    placed in the household of the member's unit with a mentor, attends the themed Party day,
    is visited, moves to another building of the community (new household), then moves away."""
    member_id = f"replay-{uuid.uuid4().hex[:8]}"
    async with _floating_worker(env, f"{task_queue}/floating") as version:
        handle = await _register(env, f"{task_queue}/floating", version, member_id, "证明信")
        await env.sleep(2 * DAY)
        await handle.execute_update(
            FloatingMemberWorkflow.confirm_origin,
            OriginReplyInput(confirmed=True, actor="稷王社区 李干事", role="community_staff"),
        )
        await env.sleep(5 * DAY)
        await handle.signal(
            "attended", await _dated(env, "attended", member_id, activity="主题党日")
        )
        await env.sleep(15 * DAY)
        await handle.signal(
            "contacted",
            await _dated(env, "contacted", member_id, by="hh-jiwang-g2-b01", channel="上门走访"),
        )
        await env.sleep(3 * DAY)
        destination = f"{_HOME}2号楼2单元502室"
        await handle.signal(
            "moved_out", await _dated(env, "moved_out", member_id, destination=destination)
        )
        await env.sleep(2 * DAY)
        away = "河津市城区街道龙门社区"
        await handle.signal(
            "moved_out", await _dated(env, "moved_out", member_id, destination=away)
        )
        with env.auto_time_skipping_disabled():
            await handle.result()
    return f"floating_member/{member_id}"


async def record_floating_member_continued(env: WorkflowEnvironment, task_queue: str) -> str:
    """A later month: the run continued from the last Party-life cycle takes over the open
    contact tasks (the household's red-carded, never visited), a late visit answers it and moves
    the schedule, then the member moves away."""
    member_id = f"replay-{uuid.uuid4().hex[:8]}"
    async with _floating_worker(env, f"{task_queue}/floating") as version:
        handle = await _register(env, f"{task_queue}/floating", version, member_id, "活动证")
        await env.sleep(62 * DAY)
        await handle.signal(
            "contacted", await _dated(env, "contacted", member_id, by="网格员", channel="电话")
        )
        await env.sleep(20 * DAY)
        await handle.signal(
            "moved_out", await _dated(env, "moved_out", member_id, destination="外省务工")
        )
        with env.auto_time_skipping_disabled():
            await handle.result()
    return f"floating_member/{member_id}"


async def record_floating_member_answered(env: WorkflowEnvironment, task_queue: str) -> str:
    """Tasks answered by event, as the inbox sends them: a member with a certificate whose address
    the registry cannot place; the home organisation's reply arrives as
    ``member.origin_confirmed`` (then again, a retry under another update id), staff place the
    member by ``member.assigned`` (grid, household and mentor named), a visit answers the contact
    due, then the member moves away."""
    member_id = f"replay-{uuid.uuid4().hex[:8]}"
    queue = f"{task_queue}/floating"
    async with _floating_worker(env, queue) as version:
        handle = await _register(env, queue, version, member_id, "证明信", "稷山县城郊某临时工棚")
        await env.sleep(2 * DAY)
        reply = _event(
            "origin_confirmed",
            {"member_id": member_id, "confirmed": True, "actor": "稷王社区 李干事"},
        )
        await handle.execute_update(FloatingMemberWorkflow.origin_confirmed, reply)
        await handle.execute_update(
            FloatingMemberWorkflow.origin_confirmed, reply, id=f"retry-{reply.id}"
        )
        await env.sleep(DAY)
        await handle.execute_update(
            FloatingMemberWorkflow.assigned,
            _event(
                "assigned",
                {
                    "member_id": member_id,
                    "branch": "grid",
                    "community_id": "jiwang",
                    "grid_id": "jiwang-g2",
                    "household_id": "hh-jiwang-g2-b01",
                    "mentor_id": "m0005",
                    "actor": "稷王社区 李干事",
                    "reason": "暂住工棚，就近编入第二网格",
                },
            ),
        )
        await env.sleep(10 * DAY)
        await handle.signal(
            "contacted",
            await _dated(env, "contacted", member_id, by="hh-jiwang-g2-b01", channel="电话"),
        )
        await env.sleep(3 * DAY)
        await handle.signal(
            "moved_out", await _dated(env, "moved_out", member_id, destination="外省务工")
        )
        with env.auto_time_skipping_disabled():
            await handle.result()
    return f"floating_member/{member_id}"
