"""P5 branch review: each submission's items are checked against the rule file (2–5 items of known
categories), then reviewed by the branch as a task; approved, the commitment is published at once
(public display); returned — or refused by the item check — it waits for a new submission of the
same member and year until the evaluation window closes."""

from datetime import datetime

from pydantic import ValidationError
from temporalio import workflow

from workflows.case import CaseCore
from workflows.case_tasks import CaseDeadlineTask
from workflows.deadline_text import show

with workflow.unsafe.imports_passed_through():
    from models.commitment import (
        BoardItemRecord,
        CommitmentStatus,
        CommitmentSubmitted,
        ReviewDecision,
    )
    from models.deadline import TaskStatus
    from models.events import InboundEvent
    from rules.engine.dates import month_day
    from rules.engine.processes import Commitment

S = CommitmentStatus
PUBLISHED = "grassroots.commitment.published"
_DECISIONS = {"approved": "同意公示", "returned": "退回修改"}


def errors(err: ValidationError) -> str:
    """Pydantic's complaints as one line people can read."""
    return "；".join(
        f"{'.'.join(str(p) for p in e['loc']) or '数据'}: {e['msg']}" for e in err.errors()
    )


class Review:
    """The submissions of one commitment and the branch's decisions on them."""

    def __init__(self, case: CaseCore) -> None:
        self._case = case
        self.submission: CommitmentSubmitted | None = None
        self.submitted_at: datetime | None = None
        self.items: list[BoardItemRecord] = []
        self.published_at: datetime | None = None
        self._round = 0
        self._task: CaseDeadlineTask | None = None
        self._decision: ReviewDecision | None = None
        self._pending: CommitmentSubmitted | None = None

    @property
    def _rules(self) -> Commitment:
        return Commitment.of(self._case.rules)

    async def rounds(
        self, first: CommitmentSubmitted, submitted_at: datetime, closes: datetime
    ) -> bool:
        """Check and review submissions until one is approved (True) or the year runs out."""
        c, d = self._case, self._rules
        submission, at = first, submitted_at
        while True:
            self._round += 1
            self.submission, self.submitted_at = submission, at
            zone = c.rules.shared.calendar.timezone
            commit_by = month_day(submission.year, d.model.cycle.commit_by, zone, end_of_day=True)
            if at > commit_by:
                c.note("late_submission", f"承诺提交晚于规则要求的 {show(commit_by)}")
            categories = [item.category for item in submission.items]
            c.inputs.update(categories=categories, submitted_at=at)
            check = d.check_items(categories)
            problems = check.result.problems
            text = "承诺事项符合要求" if not problems else "；".join(problems)
            c.decided("items_checked", f"第 {self._round} 次提交：{text}", check)
            if not problems:
                self.items = [
                    BoardItemRecord(
                        category=item.category,
                        label=d.model.categories[item.category].label,
                        content=item.content,
                    )
                    for item in submission.items
                ]
                c.summary["items"] = [item.model_dump() for item in self.items]
                decision = await self._review(at, closes)
                if decision is None:
                    return False
                if decision.decision == "approved":
                    self._publish(decision)
                    return True
                c.summary["returned_reasons"] = decision.reasons
            else:
                c.summary["returned_reasons"] = list(problems)
            c.set_status(S.RETURNED)
            if not await c.wait_until(lambda: self._pending is not None, closes):
                return False
            pending = self._pending
            assert pending is not None  # the wait above returned True
            submission, at, self._pending = pending, workflow.now(), None

    async def _review(self, submitted_at: datetime, closes: datetime) -> ReviewDecision | None:
        c, d = self._case, self._rules
        rule = c.decided("review_due_decided", "支部审核期限", d.review_due(submitted_at))
        sub = self.submission
        assert sub is not None
        self._task = task = await c.open_task_due(
            rule,
            d.model.review_task,
            task_id=f"review-{self._round}",
            owner=sub.branch_id or c.community_id or "branch",
            opened_at=submitted_at,
        )
        c.set_status(S.UNDER_REVIEW)
        if not await c.wait_until(lambda: self._decision is not None, closes):
            task.cancel("system", "年度评价截止，承诺仍未审核")
            return None
        decision, self._decision = self._decision, None
        return decision

    def _publish(self, decision: ReviewDecision) -> None:
        c, sub = self._case, self.submission
        assert sub is not None
        self.published_at = now = workflow.now()
        labels = "、".join(item.label for item in self.items)
        within = self._rules.model.cycle.publish_within
        c.note(
            "published",
            f"承诺已在社区公开亮相：{labels}（规则要求审核通过后 {within} 内公示，已即时公示）",
            actor=decision.actor,
        )
        c.summary["published_at"] = now.isoformat()
        c.set_status(S.PUBLISHED)
        c.emit(
            "published",
            PUBLISHED,
            {
                "member_id": sub.member_id,
                "year": sub.year,
                "post": sub.post,
                "items": [item.model_dump() for item in self.items],
            },
        )

    def vet(self, event: InboundEvent) -> tuple[str | None, ReviewDecision | None]:
        """Why the branch's decision is refused (None if accepted), and the decision."""
        try:
            decision = ReviewDecision.model_validate(event.data)
        except ValidationError as err:
            return f"审核数据有误：{errors(err)}", None
        task = self._task
        if self._case.status != S.UNDER_REVIEW or task is None or task.status != TaskStatus.OPEN:
            return "当前没有待审核的承诺", decision
        if decision.decision == "returned" and not any(r.strip() for r in decision.reasons):
            return "退回修改须写明理由", decision
        return None, decision

    def apply(self, event: InboundEvent) -> str | None:
        """Record the branch's decision, or the refusal and why; returns the refusal."""
        c = self._case
        problem, decision = self.vet(event)
        actor = decision.actor if decision else str(event.data.get("actor") or event.source)
        if problem is not None:
            c.note("review_refused", f"审核意见未受理：{problem}", actor=actor)
            return problem
        assert decision is not None
        assert self._task is not None
        reasons = f"（{'；'.join(decision.reasons)}）" if decision.reasons else ""
        c.note("reviewed", f"支部审核：{_DECISIONS[decision.decision]}{reasons}", actor=actor)
        self._decision = decision
        self._task.answer(decision.model_dump(), actor)
        return None

    def resubmit(self, submission: CommitmentSubmitted, actor: str) -> None:
        """A new submission of a returned commitment goes to review again."""
        c = self._case
        if c.status != S.RETURNED:
            c.note("event_ignored", "承诺不在退回修改状态，不受理重新提交", actor=actor)
            return
        self._pending = submission
        c.note("resubmitted", "党员重新提交承诺", actor=actor)
