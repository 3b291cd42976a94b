"""P4 社区工作者成长激励 on the time-skipping server, over several years of a worker's service.

Each long test first moves the shared clock to a fixed day of the next year, so the rule file's
days (training checked on 30 November, assessment from 1 December to 31 January) fall where the
test expects them. Every year's run ends with continue-as-new; ``CaseStore.timeline`` checks that
the case's timeline carries on across the runs without a gap or a repeat.
"""

from datetime import date, datetime
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from models.case_actions import CaseResult
from models.community_worker import WorkerProfile
from models.deadline import TaskStatus
from tests.workflows.case_support import (
    CaseStore,
    entries,
    finish,
    inbound,
    rule_registry,
    start_case,
    stop,
    unique,
)
from tests.workflows.deadline_support import CST
from tests.workflows.workforce_support import (
    FakeWorkforce,
    at,
    latest,
    summaries,
    until,
    workforce_worker,
)
from workflows.community_worker import CommunityWorkerWorkflow as P4


def _recruited(worker_id: str, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "worker_id": worker_id,
        "post": "staff",
        "method": "open_exam",
        "community_id": "c-east",
        "name": "李明",
        "birth_date": "2000-05-01",
        "age": 26,
        "education": "bachelor",
        "party_member": True,
    }
    return {**base, **changes}


async def _start(
    client: Client, task_queue: str, version: str, data: dict[str, Any]
) -> tuple[str, WorkflowHandle[Any, CaseResult]]:
    case_id = f"community_worker/{data['worker_id']}"
    handle = await start_case(
        client, task_queue, case_id, inbound("worker.recruited", data), version
    )
    return case_id, handle


async def _stage(client: Client, case_id: str, stage: str, outcome: str = "passed") -> None:
    data = {"worker_id": case_id.split("/")[1], "stage": stage, "date": "2026-01-01"}
    event = inbound("worker.stage_passed", {**data, "outcome": outcome})
    await latest(client, case_id).signal(P4.stage_passed, event)


async def _tier(client: Client, case_id: str, year: int, tier: str) -> None:
    data = {"worker_id": case_id.split("/")[1], "year": year, "tier": tier}
    await latest(client, case_id).signal(P4.assessed, inbound("worker.assessed", data))


async def _training(client: Client, case_id: str, on: date, hours: float) -> None:
    data = {"worker_id": case_id.split("/")[1], "hours": hours, "date": on.isoformat()}
    await latest(client, case_id).signal(
        P4.training_logged, inbound("worker.training_logged", data)
    )


def _last_status(store: CaseStore, case_id: str, task_id: str) -> TaskStatus:
    """A task's status as the case store last heard it (a later year's run no longer lists it)."""
    for call in reversed(store.calls):
        for task in call.snapshot.tasks if call.snapshot.case_id == case_id else ():
            if task.task_id == task_id:
                return task.status
    raise AssertionError(f"no task {task_id}")


def _year_of(env_now: datetime) -> int:
    return env_now.astimezone(CST).year + 1


async def test_candidate_outside_the_requirements_is_not_recruited(
    client: Client, time_skipping_env: WorkflowEnvironment, task_queue: str, tmp_path: Path
) -> None:
    """A 40-year-old without a college degree is told which requirements they miss."""
    rules, registry = await rule_registry(tmp_path), FakeWorkforce()
    data = _recruited(unique("w"), age=40, education="senior_high", birth_date=None)
    async with workforce_worker(client, task_queue, rules, registry) as store:
        case_id, handle = await _start(client, task_queue, rules.active.version, data)
        result = await finish(time_skipping_env, handle)
    assert result.status == "ineligible"
    assert result.summary["reason"] == "不符合报考条件：年龄 18 至 35 周岁、大专及以上学历"
    checked = entries(store.timeline(case_id), "eligibility_checked")[0].trace
    assert checked is not None
    assert checked["inputs"]["candidate.education"] == "high_school"
    [event] = store.events(case_id)
    assert event.type == "grassroots.worker.not_hired"
    assert registry.changes == []


async def test_unknown_recruitment_method_is_refused(
    client: Client, time_skipping_env: WorkflowEnvironment, task_queue: str, tmp_path: Path
) -> None:
    """A recruitment by a method the rules do not know is refused and names the known ones."""
    rules, registry = await rule_registry(tmp_path), FakeWorkforce()
    async with workforce_worker(client, task_queue, rules, registry):
        _, handle = await _start(
            client, task_queue, rules.active.version, _recruited(unique("w"), method="lottery")
        )
        result = await finish(time_skipping_env, handle)
    assert result.status == "rejected"
    assert "open_exam（公开招考）、selection（遴选）" in result.timeline[-1].summary


async def test_failed_interview_ends_recruitment_without_hiring(
    client: Client, time_skipping_env: WorkflowEnvironment, task_queue: str, tmp_path: Path
) -> None:
    """A candidate who fails the interview is not hired and the interview task closes."""
    rules, registry = await rule_registry(tmp_path), FakeWorkforce()
    async with workforce_worker(client, task_queue, rules, registry) as store:
        case_id, handle = await _start(
            client, task_queue, rules.active.version, _recruited(unique("w"), method="selection")
        )
        await until(client, case_id, lambda v: bool(v.tasks))
        await _stage(client, case_id, "interview")  # reported early: kept for its stage
        await _stage(client, case_id, "written_exam")
        await _stage(client, case_id, "vetting", "failed")
        result = await finish(time_skipping_env, handle)
    assert result.status == "not_hired"
    lines = summaries_of(result)
    assert "招录阶段“面试”通过" in lines
    assert "招录阶段“考察、体检、公示”未通过" in lines
    assert [e.type for e in store.events(case_id)] == ["grassroots.worker.not_hired"]
    final = store.snapshot(case_id)
    assert final.summary["method_label"] == "遴选"
    assert all(task.status is not TaskStatus.OPEN for task in final.tasks)


def summaries_of(result: CaseResult) -> list[str]:
    return [entry.summary for entry in result.timeline]


async def test_recruit_is_hired_after_probation_and_serves_a_year(
    client: Client, time_skipping_env: WorkflowEnvironment, task_queue: str, tmp_path: Path
) -> None:
    """An exam candidate is reminded, hired at grade 2 after probation, trains, and is assessed."""
    env = time_skipping_env
    year = _year_of(await env.get_current_time())
    await at(env, year, 3, 2)
    rules, registry = await rule_registry(tmp_path), FakeWorkforce()
    async with workforce_worker(client, task_queue, rules, registry) as store:
        case_id, _ = await _start(client, task_queue, rules.active.version, _recruited(unique("w")))
        try:
            await until(client, case_id, lambda v: v.snapshot.status == "recruiting")
            await at(env, year, 4, 20)  # the written exam's result comes late
            await _stage(client, case_id, "written_exam")
            await _stage(client, case_id, "interview")
            await _stage(client, case_id, "vetting")
            await until(
                client,
                case_id,
                lambda v: "试用期" in v.snapshot.summary.get("recruitment_stage", ""),
            )
            await _stage(client, case_id, "probation")  # too early
            await at(env, year, 11, 2)
            hired = await until(client, case_id, lambda v: v.snapshot.status == "in_service")
            await _training(client, case_id, date(year, 11, 1), 10)
            await at(env, year, 12, 5)
            await _training(client, case_id, date(year, 12, 4), 30)
            await at(env, year, 12, 10)
            await _tier(client, case_id, year, "称职")
            await at(env, year + 1, 2, 3)
            continued = await until(client, case_id, lambda v: "进入" in v.timeline[-1].summary)
            await _tier(client, case_id, year, "优秀")  # a repeat for the year is not recorded
            later = await until(client, case_id, lambda v: len(v.timeline) > 1)
        finally:
            await stop(latest(client, case_id))

    timeline = store.timeline(case_id)  # also checks the numbering across the two runs
    lines = [entry.summary for entry in timeline]
    assert [n.message[:4] for n in store.notifications(case_id)][:3] == [
        "过半提醒",
        "临期预警",
        "黄牌督办",
    ]
    assert any(line.startswith("“试用期”未满最短期限（P6M）") for line in lines)
    assert "招录阶段“试用期”通过（已满 P6M）" in lines
    assert "起始等级：其他社区工作者最低等级加学历折算，定为 2 级" in lines
    assert hired.snapshot.summary["grade"] == 2
    [hire] = registry.changes
    assert hire.hire is not None
    assert (hire.grade, hire.hire.education, hire.hire.name) == (2, "bachelor", "李明")
    assert f"{year} 年度培训学时检查：已完成 10 学时，尚缺 30 学时" in lines
    assert _last_status(store, case_id, f"training-{year}") is TaskStatus.ANSWERED
    assert f"{year} 年度考核评议等次：称职" in lines
    assert "晋档审核：现等级 2 级未满晋档周期" in lines
    assert registry.tiers[(case_id.split("/")[1], year)] == "称职"
    assert continued.snapshot.status == "in_service"
    assert continued.snapshot.summary["tiers"] == {str(year): "称职"}
    assert f"{year} 年度等次已记录为“称职”" in later.timeline[-1].summary
    assert [e.type for e in store.events(case_id)] == ["grassroots.worker.hired"]
    assert "party_approach_reviewed" not in [e.kind for e in timeline]  # already a member


async def test_grade_steps_every_three_years_unless_a_poor_tier_blocks(
    client: Client, time_skipping_env: WorkflowEnvironment, task_queue: str, tmp_path: Path
) -> None:
    """Over five years a deputy's step waits for a full record, is blocked, then comes."""
    env = time_skipping_env
    year = _year_of(await env.get_current_time())
    await at(env, year, 11, 20)
    rules, registry = await rule_registry(tmp_path), FakeWorkforce()
    worker_id = unique("w")
    registry.workers[worker_id] = WorkerProfile(
        known=True,
        community_id="c-small",
        post="deputy",
        grade=6,
        education="college",
        birth_date=date(1975, 6, 1),
        hired_on=date(2010, 3, 1),
        label="王*",
    )
    registry.community_size["c-small"] = 2
    data = {
        "worker_id": worker_id,
        "post": "deputy",
        "method": "in_service",
        "grade_since": date(year - 3, 3, 1).isoformat(),
    }
    tiers = ["称职", "基本称职", "优秀", "称职", "称职"]
    async with workforce_worker(client, task_queue, rules, registry) as store:
        case_id, _ = await _start(client, task_queue, rules.active.version, data)
        try:
            await until(client, case_id, lambda v: v.snapshot.status == "in_service")
            for offset, tier in enumerate(tiers):
                if offset:
                    await at(env, year + offset, 11, 2)
                    await _training(client, case_id, date(year + offset, 11, 1), 40)
                await at(env, year + offset, 12, 10)
                await _tier(client, case_id, year + offset, tier)
                await until(client, case_id, lambda v: "晋档审核" in " ".join(summaries(v)))
            await at(env, year + 4, 12, 11)
        finally:
            await stop(latest(client, case_id))

    timeline = store.timeline(case_id)
    steps = [e.summary for e in entries(timeline, "step_reviewed")]
    assert steps == [
        "晋档审核：考核记录尚不足以晋档，下一年度再审",
        "晋档审核：期间有基本称职及以下等次的，不晋档，本周期不晋档，重新起算",
        "晋档审核：现等级 6 级未满晋档周期",
        "晋档审核：现等级 6 级未满晋档周期",
        "晋档审核：期间年度考核均为称职及以上的，晋升一档，由 6 级晋升至 7 级",
    ]
    traces = [e.trace for e in entries(timeline, "step_reviewed")]
    assert [t["rule_id"] if t else None for t in traces] == [
        None,
        "poor_tier_blocks",
        "every",
        "every",
        "regular",
    ]
    lines = [e.summary for e in timeline]
    assert f"{year} 年度培训学时检查：已完成 0 学时，尚缺 40 学时" in lines
    assert f"{year} 年度培训学时未达年度最低要求" in lines
    assert f"{year + 1} 年度培训学时检查：已完成 40 学时，已达年度最低要求" in lines
    assert any("“优秀”已有 1 人（50%），超过规则上限 20%" in line for line in lines)
    assert "发展党员：暂不列入发展党员工作" in lines  # 50 years old
    assert [(c.grade, c.on.year) for c in registry.changes] == [(7, year + 4)]
    [stepped] = [e for e in store.events(case_id) if e.type == "grassroots.worker.grade_stepped"]
    assert (stepped.data["from"], stepped.data["to"]) == (6, 7)
    assert sum(e.kind == "year_started" for e in timeline) == 4


async def test_party_development_runs_its_stages_across_years(
    client: Client, time_skipping_env: WorkflowEnvironment, task_queue: str, tmp_path: Path
) -> None:
    """A young non-member is suggested, fails once, applies again and becomes a member."""
    env = time_skipping_env
    year = _year_of(await env.get_current_time())
    await at(env, year, 11, 20)
    shorter = {
        "community_worker.yaml": [
            ("at_least: P1Y          # 依据：培养教育", "at_least: P3M          # 依据：培养教育"),
            ("at_least: P1Y          # 依据：预备期", "at_least: P3M          # 依据：预备期"),
        ]
    }
    rules, registry = await rule_registry(tmp_path, shorter), FakeWorkforce()
    data = _recruited(
        unique("w"),
        method="in_service",
        hired_on=date(year - 2, 5, 1).isoformat(),
        party_member=False,
        training_hours=40,
    )
    async with workforce_worker(client, task_queue, rules, registry) as store:
        case_id, _ = await _start(client, task_queue, rules.active.version, data)
        try:
            await until(client, case_id, lambda v: v.snapshot.status == "in_service")
            await at(env, year, 12, 10)
            await _tier(client, case_id, year, "称职")
            await until(client, case_id, lambda v: "谈心谈话" in " ".join(summaries(v)))
            await _stage(client, case_id, "applied")
            await _stage(client, case_id, "application", "failed")
            await until(client, case_id, lambda v: "终止" in v.timeline[-1].summary)
            await _stage(client, case_id, "applied")
            await at(env, year, 12, 15)
            await _stage(client, case_id, "application")
            await at(env, year + 1, 1, 10)
            await _stage(client, case_id, "activist")  # the three months are not over
            await at(env, year + 1, 3, 20)
            await _stage(client, case_id, "activist")
            await _stage(client, case_id, "candidate")
            await at(env, year + 1, 7, 10)
            await _stage(client, case_id, "probationary")
            member = await until(client, case_id, lambda v: "party_member" in v.snapshot.summary)
        finally:
            await stop(latest(client, case_id))

    lines = [e.summary for e in store.timeline(case_id)]
    assert "发展党员：建议支部与其谈心谈话，做发展党员工作" in lines
    assert "发展党员阶段“递交入党申请书后谈话”未通过" in lines
    assert lines.count("递交入党申请书，开始发展党员工作") == 2
    assert any(line.startswith("“入党积极分子培养考察”未满最短期限（P3M）") for line in lines)
    assert "预备党员转为正式党员" in lines
    assert member.snapshot.summary["party_member"] is True
    assert [e.type for e in store.events(case_id)] == [
        "grassroots.worker.party_approach_suggested",
        "grassroots.worker.joined_party",
    ]
    assert [(c.party_member, c.grade) for c in registry.changes] == [(True, None)]
    task_ids = [t.task_id for t in store.snapshot(case_id).tasks]
    assert "party-2-probationary" in task_ids
