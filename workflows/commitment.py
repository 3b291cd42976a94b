"""P5 党员亮相承诺 — one member's public commitment for one year, entirely as
``rules/commitment.yaml`` decides.

The member commits 2–5 items of the rule file's categories; the branch reviews them as a task with
the rule set's due date, reminders and escalation, and approves (the commitment goes on the public
board at once) or returns them for a new submission. ``service.logged`` entries go to the ledger
(and count as community activity for P1); progress is published each quarter with the rule file's
alerts to the branch; in the evaluation window self, members, residents and the organisation score
the year, weighted by the rules, and the result goes out as ``grassroots.commitment.result_ready``
and into the registry, where P1 reads it for in-service cadres.
"""

import asyncio
from datetime import datetime

from pydantic import ValidationError
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.case import RETRY, TIMEOUT, CaseCore, CaseWorkflow
from workflows.commitment_progress import Ledger, progress_points
from workflows.commitment_review import Review, errors
from workflows.deadline_text import CHINA_TIME
from workflows.jobs import SerialJobs

with workflow.unsafe.imports_passed_through():
    from activities.workforce import WorkforceActivities
    from models.case_actions import CaseActionResult, CaseResult
    from models.commitment import COMMITMENT_STATUS_LABELS as LABELS
    from models.commitment import (
        EVALUATOR_LABELS,
        CommitmentEvaluated,
        CommitmentRecordInput,
        CommitmentStatus,
        CommitmentSubmitted,
        MemberProfileInput,
        QuarterProgress,
        ServiceLogged,
        ServiceRecordInput,
    )
    from models.events import CaseStartInput, InboundEvent
    from rules.engine.dates import DueDate, month_day
    from rules.engine.processes import Commitment
    from rules.engine.tasks import deadline_spec

S = CommitmentStatus
PROGRESS_ALERT = "grassroots.commitment.progress_alert"
RESULT_READY = "grassroots.commitment.result_ready"
_SUBMITTED = "grassroots.commitment.submitted"
_REVIEWED = "grassroots.commitment.reviewed"
_SERVICE = "grassroots.service.logged"
_EVALUATED = "grassroots.commitment.evaluated"


@workflow.defn(name="commitment")
class CommitmentWorkflow(CaseWorkflow):
    """One member's commitment in one year, from submission to the year-end result."""

    @workflow.init
    def __init__(self, params: CaseStartInput) -> None:
        data = params.event.data
        title = f"党员亮相承诺：{data.get('member_id', '')}（{data.get('year', '')} 年度）"
        self._case = CaseCore(
            "commitment", params, title=title, status=S.OPENING, status_labels=LABELS
        )
        self._review = Review(self._case)
        self._ledger = Ledger()
        self._scores: dict[str, float] = {}
        self._evaluated = False
        self._over = False
        self._ready = False
        self._early: list[InboundEvent] = []
        self._jobs = SerialJobs()
        self._progress: asyncio.Task[None] | None = None

    @workflow.run
    async def run(self, params: CaseStartInput) -> CaseResult:
        c = self._case
        await c.start()
        pump = asyncio.create_task(self._jobs.run())
        try:
            first = CommitmentSubmitted.model_validate(params.event.data)
        except ValidationError as err:
            c.note("rejected", f"承诺事件数据有误：{errors(err)}")
            c.set_status(S.NOT_PUBLISHED)
            pump.cancel()
            return await c.finish()
        await self._open(first)
        year, zone = first.year, c.rules.shared.calendar.timezone
        cycle = self._rules.model.cycle
        opens = month_day(year, cycle.evaluation_opens, zone)
        closes = month_day(year, cycle.evaluation_closes, zone, end_of_day=True)
        self._ready = True
        for event in self._early:
            self._on_event(event)
        self._early.clear()
        if not await self._review.rounds(first, c.event_time, closes):
            c.note("case_closed", f"{year} 年度结束，承诺未经支部审核通过，未公示")
            c.set_status(S.NOT_PUBLISHED)
            await self._record()
            return await self._end(pump)
        await self._record()
        self._progress = asyncio.create_task(self._publish_progress(year, closes))
        await c.wait_until(lambda: False, opens)
        await self._evaluate(year, closes)
        await c.wait_until(lambda: False, closes)
        c.note("case_closed", f"{year} 年度结束，累计服务 {self._ledger.hours:g} 小时")
        c.set_status(S.CLOSED)
        await self._record()
        return await self._end(pump)

    @property
    def _rules(self) -> Commitment:
        return Commitment.of(self._case.rules)

    async def _open(self, first: CommitmentSubmitted) -> None:
        c = self._case
        profile = await workflow.execute_activity_method(
            WorkforceActivities.member_profile,
            MemberProfileInput(member_id=first.member_id),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        c.subject_id, c.subject_label = first.member_id, profile.label
        c.community_id = first.community_id or profile.community_id
        c.title = f"党员亮相承诺：{profile.label or first.member_id}（{first.year} 年度）"
        c.summary.update(member_id=first.member_id, year=first.year, post=first.post)
        c.publish()

    async def _end(self, pump: asyncio.Task[None]) -> CaseResult:
        self._over = True  # a service entry from now on is refused, not half-recorded
        await workflow.wait_condition(lambda: self._jobs.idle)
        pump.cancel()
        if self._progress is not None:
            self._progress.cancel()
        return await self._case.finish()

    async def _record(self) -> None:
        """Write the public record: items once published, quarterly progress, the result."""
        review, c = self._review, self._case
        sub = review.submission
        assert sub is not None  # a valid submission opened the case
        await workflow.execute_activity_method(
            WorkforceActivities.record_commitment,
            CommitmentRecordInput(
                member_id=sub.member_id,
                year=sub.year,
                case_id=c.case_id,
                status=c.status,
                community_id=c.community_id,
                post=sub.post,
                name_hint=sub.name,
                items=review.items,
                submitted_at=review.submitted_at,
                published_at=review.published_at,
                progress=self._ledger.quarters,
                scores=self._scores,
                score=c.summary.get("score"),
                grade=c.summary.get("grade"),
                evaluated_at=c.summary.get("evaluated_at"),
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )

    # --- Progress and evaluation ------------------------------------------------------------------

    async def _publish_progress(self, year: int, closes: datetime) -> None:
        c, every = self._case, self._rules.model.cycle.progress_every
        start = datetime(year, 1, 1, tzinfo=CHINA_TIME)
        points = progress_points(start, every, workflow.now(), closes)
        if every.working_days:
            at = workflow.now()
            while len(points) < 4:
                at = await c.resolve_due(DueDate("progress", at, every))
                if at > closes:
                    break
                points.append(at)
        for at in points:
            await c.wait_until(lambda: False, at)
            self._quarter(at)

    def _quarter(self, at: datetime) -> None:
        c, review = self._case, self._review
        assert review.published_at is not None  # progress follows publication
        facts = self._ledger.facts(at, review.items, review.published_at)
        c.inputs["progress"] = facts
        decision = self._rules.progress_alerts(facts, workflow.now())
        labels = {a.id: a.label for a in self._rules.model.progress_alerts}
        fired = [labels[alert] for alert, _ in decision.result]
        text = (
            f"第 {facts['quarter']} 季度践诺进度：服务 {facts['hours']:g} 小时、"
            f"{facts['logs']} 次，{facts['items_with_service']}/{facts['items']} 项已开展"
        )
        c.decided(
            "progress_published", text + (f"；提醒：{'、'.join(fired)}" if fired else ""), decision
        )
        self._ledger.quarters.append(
            QuarterProgress(
                quarter=int(str(facts["quarter"])),
                at=at,
                hours=self._ledger.hours,
                logs=self._ledger.logs,
                items_with_service=self._ledger.served(review.items),
                alerts=fired,
            )
        )
        for alert, role in decision.result:
            c.emit(
                f"progress_alert/{alert}",
                PROGRESS_ALERT,
                {"alert": alert, "label": labels[alert], "notify": role, "progress": facts},
            )
        c.summary["progress"] = self._ledger.snapshot()
        c.publish()
        self._jobs.append(self._record)

    async def _evaluate(self, year: int, closes: datetime) -> None:
        c, d = self._case, self._rules
        spec = deadline_spec(
            c.rules,
            task_id="evaluation",
            title=f"{year} 年度党员承诺践诺评价",
            owner=c.community_id or "community_party_org",
            due_at=closes,
            reminders=d.model.review_task.reminders,
            escalation=d.model.review_task.escalation,
        )
        task = c.open_task(spec)
        c.note("evaluation_opened", "年终评价开始：本人自评、党员互评、群众评议、组织评价")
        c.publish()
        weights = d.model.evaluation.weights
        complete = await c.wait_until(lambda: set(weights) <= set(self._scores), closes)
        if complete:
            task.answer({"scores": dict(self._scores)}, "system")
        else:
            task.cancel("system", "评价期限已到，缺评部分按 0 分计")
        decision = d.evaluate(self._scores)
        result = decision.result
        missing = "、".join(EVALUATOR_LABELS[m] for m in result.missing)
        text = f"年终评价：加权得分 {result.score:g}，等次“{result.grade}”" + (
            f"（缺：{missing}，按 0 分计）" if missing else ""
        )
        c.inputs["scores"] = dict(self._scores)
        c.decided("evaluated", text, decision)
        self._evaluated = True
        now = workflow.now()
        c.summary.update(score=result.score, grade=result.grade, evaluated_at=now)
        review = self._review
        assert review.submission is not None
        c.emit(
            "result_ready",
            RESULT_READY,
            {
                "member_id": review.submission.member_id,
                "year": year,
                "score": result.score,
                "grade": result.grade,
                "scores": dict(self._scores),
                "missing": list(result.missing),
                "hours": self._ledger.hours,
                "logs": self._ledger.logs,
            },
        )
        c.set_status(S.EVALUATED)
        await self._record()

    # --- Events -----------------------------------------------------------------------------------

    @workflow.update
    def review(self, event: InboundEvent) -> CaseActionResult:
        """The branch approves the commitment (it is published) or returns it with reasons."""
        c = self._case
        if c.seen(event):
            return c.result("该审核意见已受理（重复提交）")
        problem = self._review.apply(event)
        if problem is not None:
            raise ApplicationError(problem, type="ReviewRefused", non_retryable=True)
        c.first_time(event)
        return c.result("审核意见已受理")

    @review.validator
    def _validate_review(self, event: InboundEvent) -> None:
        if self._case.seen(event):
            return
        problem, _ = self._review.vet(event)
        if problem is not None:
            raise ValueError(problem)

    @workflow.signal
    def service_logged(self, event: InboundEvent) -> None:
        """A service entry: hours, category, day and evidence."""
        if self._case.first_time(event):
            self._on_event(event)

    @workflow.signal
    def evaluated(self, event: InboundEvent) -> None:
        """One evaluator's score of the year."""
        if self._case.first_time(event):
            self._on_event(event)

    def _on_event(self, event: InboundEvent) -> None:
        c = self._case
        if not self._ready:
            self._early.append(event)
            return
        actor = str(event.data.get("actor") or event.source)
        try:
            if event.type == _SERVICE:
                self._on_service(event, ServiceLogged.model_validate(event.data), actor)
            elif event.type == _EVALUATED:
                self._on_score(CommitmentEvaluated.model_validate(event.data), actor)
            elif event.type == _REVIEWED:
                self._review.apply(event)
            elif event.type == _SUBMITTED:
                self._review.resubmit(CommitmentSubmitted.model_validate(event.data), actor)
            else:
                c.note("event_ignored", f"本案件不处理 {event.type} 事件", actor=event.source)
        except ValidationError as err:
            c.note("event_refused", f"事件数据有误：{errors(err)}", actor=actor)

    def _on_service(self, event: InboundEvent, logged: ServiceLogged, actor: str) -> None:
        c, review = self._case, self._review
        sub = review.submission
        assert sub is not None
        categories = self._rules.model.categories
        if self._over:
            c.note("event_refused", f"{sub.year} 年度已结束，不再登记服务", actor=actor)
            return
        if logged.date.year != sub.year:
            c.note("event_refused", f"服务日期 {logged.date} 不在 {sub.year} 年度", actor=actor)
            return
        if logged.category not in categories:
            known = "、".join(cat.label for cat in categories.values())
            c.note(
                "event_refused", f"未知的服务类别“{logged.category}”（可选：{known}）", actor=actor
            )
            return
        label = categories[logged.category].label
        self._ledger.add(logged.date, logged.hours, logged.category)
        tail = (
            "" if any(i.category == logged.category for i in review.items) else "（不在承诺事项内）"
        )
        if review.published_at is None:
            tail += "（承诺尚未公示）"
        c.note(
            "service_logged",
            f"{logged.date} {label} {logged.hours:g} 小时{tail}",
            actor=actor,
            detail=logged.model_dump(mode="json"),
        )
        c.summary["progress"] = self._ledger.snapshot()
        c.publish()
        record = ServiceRecordInput(
            member_id=sub.member_id,
            year=sub.year,
            case_id=c.case_id,
            event_key=event.key,
            community_id=c.community_id,
            held_on=logged.date,
            category=logged.category,
            category_label=label,
            hours=logged.hours,
            description=logged.description,
            evidence=logged.evidence,
        )
        self._jobs.append(lambda: _record_service(record))

    def _on_score(self, scored: CommitmentEvaluated, actor: str) -> None:
        c = self._case
        who = EVALUATOR_LABELS[scored.evaluator]
        if self._evaluated:
            c.note("event_ignored", f"年终评价已完成，不再受理{who}", actor=actor)
            return
        if c.task("evaluation") is None:
            c.note("event_refused", f"年终评价尚未开始，暂不受理{who}", actor=actor)
            return
        again = "（更新）" if scored.evaluator in self._scores else ""
        self._scores[scored.evaluator] = scored.score
        c.note(
            "scored", f"{who}：{scored.score:g} 分{again}", actor=actor, detail=scored.model_dump()
        )


async def _record_service(record: ServiceRecordInput) -> None:
    await workflow.execute_activity_method(
        WorkforceActivities.record_service,
        record,
        start_to_close_timeout=TIMEOUT,
        retry_policy=RETRY,
    )
