"""Recorded cases of the process workflows P1 and P2, on the sample registry and default rules.

Each scenario drives a real case through its branches; ``tests.replay.record`` writes the
histories. Activities are the real ones except ``project_case``, which only counts (replay never
runs activities, and the case store is not what these histories exercise).
"""

import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.calendar import CalendarActivities, ChinaCalendar
from activities.registry import RegistryActivities
from activities.rules import RulesActivities
from db import queries
from db.records import MembershipRecord
from db.sample import load_sample_registry
from db.session import create_engine, session_factory
from db.tables import METADATA
from models.case import ProjectCaseInput, ProjectCaseResult
from models.case_actions import AssignInput, CaseResult, MoveRulesInput, OverrideInput
from models.events import CASE_ENGINE, CaseStartInput, InboundEvent
from rules.engine.registry import RuleRegistry
from rules.engine.versions import FileRuleVersionStore
from workflows.annual_inspection import AnnualInspectionWorkflow
from workflows.dual_assessment import DualAssessmentWorkflow

CASE_WORKFLOWS: Sequence[type] = (DualAssessmentWorkflow, AnnualInspectionWorkflow)
RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
CST = timezone(timedelta(hours=8))
DAY = timedelta(days=1)


@dataclass
class CaseRig:
    """What the scenarios drive: the registry database and the rule versions."""

    sessions: async_sessionmaker[AsyncSession]
    version: str
    draft_version: str


CaseScenario = Callable[[WorkflowEnvironment, str, CaseRig], Awaitable[str]]


@activity.defn(name="project_case")
async def _project_case(step: ProjectCaseInput) -> ProjectCaseResult:
    return ProjectCaseResult(timeline_written=len(step.timeline), outbox_written=len(step.events))


@asynccontextmanager
async def case_worker(
    env: WorkflowEnvironment, task_queue: str, root: Path
) -> AsyncIterator[CaseRig]:
    """A worker for the process workflows over a fresh sample registry and the default rules,
    plus a draft rule version (a shorter opinion lead time) to move a case to."""
    engine = create_engine(f"sqlite+aiosqlite:///{root / 'registry.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    sessions = session_factory(engine)
    async with sessions() as session:
        await load_sample_registry(session)
    store = FileRuleVersionStore(root / "versions")
    draft = root / "draft"
    shutil.copytree(RULES_DIR, draft, ignore=shutil.ignore_patterns("demo", "schema", "scenarios"))
    path = draft / "dual_assessment.yaml"
    path.write_text(path.read_text("utf-8").replace("before: 5wd", "before: 3wd"), "utf-8")
    rules, drafts = RuleRegistry(RULES_DIR, store), RuleRegistry(draft, store)
    await rules.refresh()
    await drafts.refresh()
    calendar = CalendarActivities(ChinaCalendar())
    rules_activities, registry = RulesActivities(rules), RegistryActivities(sessions)
    try:
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=list(CASE_WORKFLOWS),
            activities=[
                calendar.resolve_schedule,
                calendar.resolve_schedule_by_rule,
                calendar.shift,
                rules_activities.fetch_rules,
                rules_activities.dry_run_rules,
                registry.subject_facts,
                registry.org_facts,
                _project_case,
            ],
        ):
            yield CaseRig(sessions, rules.active.version, drafts.active.version)
    finally:
        await engine.dispose()


def _event(kind: str, data: dict[str, Any], time: datetime | None = None) -> InboundEvent:
    return InboundEvent(
        id=str(uuid.uuid4()), source="replay", type=f"grassroots.{kind}", time=time, data=data
    )


async def _start(
    env: WorkflowEnvironment, task_queue: str, case_id: str, event: InboundEvent, version: str
) -> WorkflowHandle[Any, CaseResult]:
    return await env.client.start_workflow(
        case_id.split("/", 1)[0],
        CaseStartInput(event=event, rule_version=version, engine=CASE_ENGINE),
        id=case_id,
        task_queue=task_queue,
        result_type=CaseResult,
        start_signal="event",
        start_signal_args=[event],
    )


async def _finished(env: WorkflowEnvironment, handle: WorkflowHandle[Any, CaseResult]) -> None:
    """Wait in real time: letting the server skip ahead while waiting moves the clock by years."""
    with env.auto_time_skipping_disabled():
        await handle.result()


async def _closes_at(env: WorkflowEnvironment) -> datetime:
    now = (await env.get_current_time()).astimezone(CST)
    return datetime(now.year, now.month, now.day, 18, tzinfo=CST) + 28 * DAY


async def opinion_after_refusal(env: WorkflowEnvironment, task_queue: str, rig: CaseRig) -> str:
    """A cadre's community is reminded; 优秀 is refused if the evidence rules it out; 称职 goes
    out as opinion_ready and the assessing system closes the case."""
    period = "2026"
    case_id = f"dual_assessment/m0231/year_end_assessment/{period}"
    data = {"subject_type": "cadre", "subject_id": "m0231", "occasion": "year_end_assessment"}
    closes_at = await _closes_at(env)
    handle = await _start(
        env,
        task_queue,
        case_id,
        _event("assessment.opened", {**data, "period": period, "closes_at": closes_at.isoformat()}),
        rig.version,
    )
    await env.sleep(15 * DAY)
    opinion = {"subject_id": "m0231", "occasion": "year_end_assessment", "period": period}
    with suppress(WorkflowUpdateFailedError):
        await handle.execute_update(
            DualAssessmentWorkflow.submit_opinion,
            _event("assessment.opinion_submitted", {**opinion, "grade": "优秀", "actor": "书记"}),
        )
    await handle.execute_update(
        DualAssessmentWorkflow.submit_opinion,
        _event("assessment.opinion_submitted", {**opinion, "grade": "称职", "actor": "书记"}),
    )
    await handle.signal(
        DualAssessmentWorkflow.assessment_closed, _event("assessment.closed", opinion)
    )
    await _finished(env, handle)
    return case_id


async def held_moved_and_overridden(env: WorkflowEnvironment, task_queue: str, rig: CaseRig) -> str:
    """A unit's opinion never comes: yellow and red cards, a move to the draft rules, and an
    authorised override closes the held case."""
    period = "2026"
    case_id = f"dual_assessment/org01/year_end_assessment/{period}"
    closes_at = await _closes_at(env)
    data = {"subject_type": "unit", "subject_id": "org01", "occasion": "year_end_assessment"}
    handle = await _start(
        env,
        task_queue,
        case_id,
        _event("assessment.opened", {**data, "period": period, "closes_at": closes_at.isoformat()}),
        rig.version,
    )
    await env.sleep(35 * DAY)
    await handle.execute_update(
        DualAssessmentWorkflow.move_rules,
        MoveRulesInput(version=rig.draft_version, actor="admin", role="admin", reason="新提前量"),
    )
    await handle.execute_update(
        DualAssessmentWorkflow.override_hold,
        OverrideInput(actor="street-1", role="street_committee", reason="社区书记空缺"),
    )
    await _finished(env, handle)
    return case_id


async def _unassigned(
    env: WorkflowEnvironment, task_queue: str, rig: CaseRig, subject_id: str
) -> tuple[str, WorkflowHandle[Any, CaseResult]]:
    """A cadre the registry does not know, a Party member by the event's own facts, with no
    community to consult: the street committee's assignment task is overdue and the case held."""
    period = "2026"
    case_id = f"dual_assessment/{subject_id}/year_end_assessment/{period}"
    closes_at = await _closes_at(env)
    data = {
        "subject_type": "cadre",
        "subject_id": subject_id,
        "occasion": "year_end_assessment",
        "period": period,
        "closes_at": closes_at.isoformat(),
        "party_member": True,
    }
    handle = await _start(env, task_queue, case_id, _event("assessment.opened", data), rig.version)
    await env.sleep(25 * DAY)
    return case_id, handle


async def unassigned_held_then_assigned(
    env: WorkflowEnvironment, task_queue: str, rig: CaseRig
) -> str:
    """No community found: the assignment task goes overdue and the case holds; the street
    committee names one, whose (late) opinion goes out and the assessment closes."""
    case_id, handle = await _unassigned(env, task_queue, rig, "m9901")
    await handle.execute_update(
        DualAssessmentWorkflow.assign_consulted_org,
        AssignInput(org_id="xinhua", actor="street-1", role="street_committee", reason="单位所在"),
    )
    await env.sleep(DAY)
    opinion = {"subject_id": "m9901", "occasion": "year_end_assessment", "period": "2026"}
    await handle.execute_update(
        DualAssessmentWorkflow.submit_opinion,
        _event("assessment.opinion_submitted", {**opinion, "grade": "称职", "actor": "书记"}),
    )
    await handle.signal(
        DualAssessmentWorkflow.assessment_closed, _event("assessment.closed", opinion)
    )
    await _finished(env, handle)
    return case_id


async def unassigned_overridden(env: WorkflowEnvironment, task_queue: str, rig: CaseRig) -> str:
    """No community found and none named by the due time: held, then an authorised override."""
    case_id, handle = await _unassigned(env, task_queue, rig, "m9902")
    await handle.execute_update(
        DualAssessmentWorkflow.override_hold,
        OverrideInput(actor="street-1", role="street_committee", reason="对象已调离"),
    )
    await _finished(env, handle)
    return case_id


async def unknown_subject_answered(env: WorkflowEnvironment, task_queue: str, rig: CaseRig) -> str:
    """A unit the registry does not know is out of scope; opinion_ready says consulted false."""
    case_id = "dual_assessment/org9903/year_end_assessment/2026"
    closes_at = await _closes_at(env)
    data = {"subject_type": "unit", "subject_id": "org9903", "occasion": "year_end_assessment"}
    handle = await _start(
        env,
        task_queue,
        case_id,
        _event("assessment.opened", {**data, "period": "2026", "closes_at": closes_at.isoformat()}),
        rig.version,
    )
    await _finished(env, handle)
    return case_id


async def denied_remediated_cleared(env: WorkflowEnvironment, task_queue: str, rig: CaseRig) -> str:
    """A property company outside the 大党委 is denied (blocked), joins, asks again and is
    cleared."""
    year = (await env.get_current_time()).year + 1
    await env.sleep(datetime(year, 3, 8, 9, tzinfo=CST) - await env.get_current_time())
    case_id = f"annual_inspection/org52/{year}"
    handle = await _start(
        env,
        task_queue,
        case_id,
        _event("inspection.requested", {"org_id": "org52", "year": year}),
        rig.version,
    )
    await env.sleep(2 * DAY)
    signoff = {"org_id": "org52", "year": year, "actor": "书记"}
    await handle.execute_update(
        AnnualInspectionWorkflow.signoff,
        _event(
            "inspection.signoff", {**signoff, "decision": "denied", "reasons": ["未加入大党委"]}
        ),
    )
    joined_on = date(year, 3, 12)
    async with rig.sessions() as session:
        await queries.join_big_committee(
            session, MembershipRecord(org_id="org52", community_id="xinhua", joined_on=joined_on)
        )
        await session.commit()
    await env.sleep(2 * DAY)
    joined = {"org_id": "org52", "community_id": "xinhua", "date": joined_on.isoformat()}
    await handle.signal(
        AnnualInspectionWorkflow.org_joined_big_committee,
        _event("org.joined_big_committee", joined),
    )
    await env.sleep(DAY)
    await handle.execute_update(
        AnnualInspectionWorkflow.signoff,
        _event("inspection.signoff", {**signoff, "decision": "granted"}),
    )
    await _finished(env, handle)
    return case_id


async def conditional_lapsed(env: WorkflowEnvironment, task_queue: str, rig: CaseRig) -> str:
    """A conditional sign-off clears the gate; its condition lapses and the gate is blocked."""
    year = (await env.get_current_time()).year + 1
    case_id = f"annual_inspection/org53/{year}"
    handle = await _start(
        env,
        task_queue,
        case_id,
        _event("inspection.requested", {"org_id": "org53", "year": year}),
        rig.version,
    )
    await env.sleep(DAY)
    await handle.execute_update(
        AnnualInspectionWorkflow.signoff,
        _event(
            "inspection.signoff",
            {
                "org_id": "org53",
                "year": year,
                "actor": "书记",
                "decision": "conditional",
                "conditions": [{"text": "明确党建联络员", "within": "20d"}],
            },
        ),
    )
    await env.sleep(25 * DAY)
    await _finished(env, handle)
    return case_id


async def _march(env: WorkflowEnvironment) -> int:
    """Move the clock to Monday 8 March 09:00 of a year ahead of it; that year."""
    year = (await env.get_current_time()).year + 1
    while datetime(year, 3, 8, tzinfo=CST).weekday() != 0:
        year += 1
    await env.sleep(datetime(year, 3, 8, 9, tzinfo=CST) - await env.get_current_time())
    return year


async def unknown_org_overdue_signed(
    env: WorkflowEnvironment, task_queue: str, rig: CaseRig
) -> str:
    """An org id the registry does not know waits for the street's sign-off by the year-end
    fallback; overdue, the registrar hears it is blocked for now; signed, it is cleared."""
    year = await _march(env)
    case_id = f"annual_inspection/org999/{year}"
    handle = await _start(
        env,
        task_queue,
        case_id,
        _event("inspection.requested", {"org_id": "org999", "year": year}),
        rig.version,
    )
    await env.sleep(10 * DAY)
    await handle.execute_update(
        AnnualInspectionWorkflow.signoff,
        _event(
            "inspection.signoff",
            {"org_id": "org999", "year": year, "actor": "街道", "decision": "granted"},
        ),
    )
    await _finished(env, handle)
    return case_id


async def denied_until_deadline(env: WorkflowEnvironment, task_queue: str, rig: CaseRig) -> str:
    """A denied property company never remediates: at the statutory deadline the block is sent
    again, final."""
    year = await _march(env)
    case_id = f"annual_inspection/org52/{year}"
    handle = await _start(
        env,
        task_queue,
        case_id,
        _event("inspection.requested", {"org_id": "org52", "year": year}),
        rig.version,
    )
    await env.sleep(DAY)
    await handle.execute_update(
        AnnualInspectionWorkflow.signoff,
        _event(
            "inspection.signoff",
            {
                "org_id": "org52",
                "year": year,
                "actor": "书记",
                "decision": "denied",
                "reasons": ["未加入大党委"],
            },
        ),
    )
    await env.sleep(datetime(year, 7, 1, 9, tzinfo=CST) - await env.get_current_time())
    await _finished(env, handle)
    return case_id


async def joined_then_conditional(env: WorkflowEnvironment, task_queue: str, rig: CaseRig) -> str:
    """The org joins the 大党委 before a conditional sign-off: the join condition is met at once,
    the other is confirmed on its own task, and the gate is cleared."""
    year = await _march(env)
    case_id = f"annual_inspection/org53/{year}"
    handle = await _start(
        env,
        task_queue,
        case_id,
        _event("inspection.requested", {"org_id": "org53", "year": year}),
        rig.version,
    )
    await env.sleep(DAY)
    joined = {"org_id": "org53", "community_id": "jiwang", "date": f"{year}-03-09"}
    await handle.signal(
        AnnualInspectionWorkflow.org_joined_big_committee,
        _event("org.joined_big_committee", joined),
    )
    await env.sleep(DAY)
    signoff = {"org_id": "org53", "year": year, "actor": "书记"}
    conditions = [
        {"text": "加入社区大党委", "kind": "join_big_committee", "within": "30d"},
        {"text": "明确党建联络员", "within": "20d"},
    ]
    await handle.execute_update(
        AnnualInspectionWorkflow.signoff,
        _event(
            "inspection.signoff", {**signoff, "decision": "conditional", "conditions": conditions}
        ),
    )
    await env.sleep(5 * DAY)
    await handle.execute_update(
        AnnualInspectionWorkflow.signoff,
        _event(
            "inspection.signoff", {**signoff, "decision": "granted", "task_id": "condition-1-2"}
        ),
    )
    await _finished(env, handle)
    return case_id


CASE_SCENARIOS: dict[str, CaseScenario] = {
    "opinion_after_refusal": opinion_after_refusal,
    "held_moved_and_overridden": held_moved_and_overridden,
    "unassigned_held_then_assigned": unassigned_held_then_assigned,
    "unassigned_overridden": unassigned_overridden,
    "unknown_subject_answered": unknown_subject_answered,
    "denied_remediated_cleared": denied_remediated_cleared,
    "conditional_lapsed": conditional_lapsed,
    "unknown_org_overdue_signed": unknown_org_overdue_signed,
    "denied_until_deadline": denied_until_deadline,
    "joined_then_conditional": joined_then_conditional,
}
