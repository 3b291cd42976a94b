"""P5 党员亮相承诺 on the time-skipping server: each test runs whole years of commitments.

Each test moves the shared clock to 5 January of a year ahead, so the rule file's calendar
(commit by 31 March, quarterly progress, evaluation from 1 October to 31 December) lies ahead.
"""

from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.case_actions import CaseResult
from models.commitment import MemberProfile
from models.events import InboundEvent
from tests.workflows.case_support import entries, finish, inbound, rule_registry, start_case, stop
from tests.workflows.case_support import unique as _unique
from tests.workflows.deadline_support import CST
from tests.workflows.workforce_support import FakeWorkforce, at, until, workforce_worker
from workflows.commitment import CommitmentWorkflow as P5

Handle = WorkflowHandle[Any, CaseResult]


def _items(*categories: str) -> list[dict[str, str]]:
    return [{"category": c, "content": f"{c} 每季度一次"} for c in categories]


class Member:
    """One member's commitment case and the events a test sends it."""

    def __init__(self, client: Client, year: int, name: str = "m") -> None:
        self.client, self.year = client, year
        self.member_id = _unique(name)
        self.case_id = f"commitment/{self.member_id}/{year}"
        self.handle: Handle | None = None

    def data(self, **extra: Any) -> dict[str, Any]:
        return {"member_id": self.member_id, "year": self.year, **extra}

    async def submit(self, task_queue: str, version: str, *categories: str) -> Handle:
        event = inbound("commitment.submitted", self.data(items=_items(*categories), post="楼栋长"))
        if self.handle is None:
            self.handle = await start_case(self.client, task_queue, self.case_id, event, version)
        else:
            await self.handle.signal(P5.event, event)  # a repeat start reaches the running case
        return self.handle

    async def review(self, decision: str, *reasons: str) -> None:
        assert self.handle is not None
        data = self.data(decision=decision, actor="branch-secretary", reasons=list(reasons))
        await self.handle.execute_update(P5.review, inbound("commitment.reviewed", data))

    async def serve(self, day: str, category: str, hours: float) -> InboundEvent:
        data = self.data(hours=hours, category=category, date=day, evidence="签到表.jpg")
        return await self.send(inbound("service.logged", data))

    async def send(self, event: InboundEvent) -> InboundEvent:
        assert self.handle is not None
        await self.handle.signal(P5.service_logged, event)
        return event

    async def score(self, scores: dict[str, float]) -> None:
        assert self.handle is not None
        for evaluator, score in scores.items():
            data = self.data(evaluator=evaluator, score=score, actor=f"{evaluator}-panel")
            await self.handle.signal(P5.evaluated, inbound("commitment.evaluated", data))

    @property
    def started(self) -> Handle:
        assert self.handle is not None
        return self.handle

    async def status(self, status: str) -> None:
        await until(self.client, self.case_id, lambda v: v.snapshot.status == status)


async def _next_year(env: WorkflowEnvironment) -> int:
    year = (await env.get_current_time()).astimezone(CST).year + 1
    await at(env, year, 1, 5)
    return year


async def test_commitment_is_corrected_published_served_and_evaluated(
    client: Client, time_skipping_env: WorkflowEnvironment, task_queue: str, tmp_path: Path
) -> None:
    """Items are fixed, returned, then published; alerts go to the branch and the year is 合格."""
    env = time_skipping_env
    year = await _next_year(env)
    rules, registry = await rule_registry(tmp_path), FakeWorkforce()
    member = Member(client, year)
    registry.members[member.member_id] = MemberProfile(
        known=True, community_id="c-east", label="赵*"
    )
    version = rules.active.version
    async with workforce_worker(client, task_queue, rules, registry) as store:
        handle = await member.submit(task_queue, version, "policy_publicity")
        try:
            await member.status("returned")
            await member.submit(task_queue, version, "policy_publicity", "singing")
            await until(client, member.case_id, lambda v: "singing" in v.timeline[-1].summary)
            await member.submit(task_queue, version, *_THREE)
            await member.status("under_review")
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await member.review("returned")
            await member.review("returned", "请写明每项的时间安排")
            await member.status("returned")
            await member.submit(task_queue, version, *_THREE)
            await member.status("under_review")
            await member.review("approved")
            await member.status("published")
            await at(env, year, 2, 10)
            served = await member.serve(f"{year}-02-10", "policy_publicity", 2)
            await member.send(served)  # delivered twice, counted once
            await member.serve(f"{year}-02-10", "singing", 1)
            await member.serve(f"{year - 1}-12-30", "policy_publicity", 1)
            await at(env, year, 9, 20)
            await member.score({"self": 90})
            await at(env, year, 10, 8)
            await member.score({"self": 95, "members": 85, "residents": 80})
            await at(env, year, 11, 5)
            await member.serve(f"{year}-11-05", "voluntary_labour", 3)
            await at(env, year + 1, 1, 2)
            result = await finish(env, handle)
        finally:
            await stop(handle)

    assert "退回修改须写明理由" in str(refused.value.cause)
    timeline = store.timeline(member.case_id)
    checks = [e.summary for e in entries(timeline, "items_checked")]
    assert checks[0] == "第 1 次提交：承诺事项应为 2–5 项，现为 1 项"
    assert checks[1].startswith("第 2 次提交：未知的服务类别：singing（可选：政策宣传、义务劳动")
    assert checks[2:] == ["第 3 次提交：承诺事项符合要求", "第 4 次提交：承诺事项符合要求"]
    lines = [e.summary for e in timeline]
    assert "支部审核：退回修改（请写明每项的时间安排）" in lines
    assert f"{year}-02-10 政策宣传 2 小时" in lines
    assert any(line.startswith("未知的服务类别“singing”") for line in lines)
    assert f"服务日期 {year - 1}-12-30 不在 {year} 年度" in lines
    assert "年终评价尚未开始，暂不受理本人自评" in lines
    assert "本人自评：95 分（更新）" not in lines  # the refused score was never kept
    progress = [e.summary for e in entries(timeline, "progress_published")]
    assert progress == [
        "第 1 季度践诺进度：服务 2 小时、1 次，1/3 项已开展",
        "第 2 季度践诺进度：服务 2 小时、1 次，1/3 项已开展；提醒：连续 90 天无服务记录",
        "第 3 季度践诺进度：服务 2 小时、1 次，1/3 项已开展；"
        "提醒：三季度仍有承诺事项未开展、连续 90 天无服务记录",
    ]
    evaluated = entries(timeline, "evaluated")[0]
    assert evaluated.summary == "年终评价：加权得分 68.5，等次“合格”（缺：组织评价，按 0 分计）"
    assert evaluated.trace is not None
    assert evaluated.trace["result"]["grade"] == "合格"
    types = [e.type for e in store.events(member.case_id)]
    assert types == [
        "grassroots.commitment.published",
        *["grassroots.commitment.progress_alert"] * 3,
        "grassroots.commitment.result_ready",
    ]
    ready = store.events(member.case_id)[-1].data
    assert (ready["grade"], ready["missing"], ready["hours"]) == ("合格", ["organisation"], 5.0)
    assert result.status == "closed"
    assert result.summary["progress"]["hours"] == 5.0
    assert len(registry.services) == 2
    public = [r for r in registry.commitments if r.status == "published"]
    assert [i.label for i in public[0].items] == ["政策宣传", "义务劳动", "矛盾调解"]
    last = registry.commitments[-1]
    assert (last.status, last.grade, last.community_id) == ("closed", "合格", "c-east")
    assert last.progress[0].alerts == []


_THREE = ("policy_publicity", "voluntary_labour", "dispute_mediation")


async def test_a_year_of_four_members_covers_every_grade_and_a_missed_review(
    client: Client, time_skipping_env: WorkflowEnvironment, task_queue: str, tmp_path: Path
) -> None:
    """A late review is carded, silence is flagged, 优秀/良好/不合格 are given, one never shows."""
    env = time_skipping_env
    year = await _next_year(env)
    rules, registry = await rule_registry(tmp_path), FakeWorkforce()
    version = rules.active.version
    model, late, silent, unpublished = (Member(client, year, n) for n in ("a", "b", "c", "d"))
    async with workforce_worker(client, task_queue, rules, registry) as store:
        for m in (model, late, silent):
            await m.submit(task_queue, version, "voluntary_labour", "care_for_elderly")
        try:
            for m in (model, late, silent):
                await m.status("under_review")
            await model.review("approved")
            await silent.review("approved")
            await at(env, year, 2, 20)
            await late.review("approved")
            for month, category in ((3, "care_for_elderly"), (6, "voluntary_labour"), (9, "")):
                await at(env, year, month, 10)
                await model.serve(f"{year}-{month:02d}-10", category or "care_for_elderly", 2)
            await at(env, year, 4, 5)
            await unpublished.submit(task_queue, version, "environment", "policy_publicity")
            await unpublished.status("under_review")
            await unpublished.review("returned", "承诺内容过于笼统")
            await at(env, year, 11, 15)
            await model.score({"self": 95, "members": 95, "residents": 95, "organisation": 95})
            await late.score({"self": 85, "members": 85, "residents": 85, "organisation": 85})
            await silent.score({"self": 60, "members": 60, "residents": 50, "organisation": 40})
            await at(env, year + 1, 1, 2)
            results = [await finish(env, m.started) for m in (model, late, silent, unpublished)]
        finally:
            for m in (model, late, silent, unpublished):
                if m.handle is not None:
                    await stop(m.handle)

    assert [(r.status, r.summary.get("grade")) for r in results] == [
        ("closed", "优秀"),
        ("closed", "良好"),
        ("closed", "不合格"),
        ("not_published", None),
    ]
    carded = [n.message[:4] for n in store.notifications(late.case_id)]
    assert carded[:4] == ["过半提醒", "临期预警", "黄牌督办", "红牌通报"]
    silent_progress = [
        e.summary for e in entries(store.timeline(silent.case_id), "progress_published")
    ]
    assert silent_progress[1].endswith("提醒：二季度仍无服务记录")
    assert silent_progress[2].endswith("提醒：二季度仍无服务记录、三季度仍有承诺事项未开展")
    model_lines = [e.summary for e in store.timeline(model.case_id)]
    assert "年终评价：加权得分 95，等次“优秀”" in model_lines
    assert "第 3 季度践诺进度：服务 6 小时、3 次，2/2 项已开展" in model_lines
    unpublished_lines = [e.summary for e in store.timeline(unpublished.case_id)]
    assert any(line.startswith("承诺提交晚于规则要求的") for line in unpublished_lines)
    assert unpublished_lines[-1] == f"{year} 年度结束，承诺未经支部审核通过，未公示"
    statuses = {r.member_id: r.status for r in registry.commitments}
    assert statuses[unpublished.member_id] == "not_published"
    assert all(
        r.status != "published"
        for r in registry.commitments
        if r.member_id == unpublished.member_id
    )
