"""The yearly record of P4 in service: training hours against the annual minimum, the annual
assessment tier (考核评议) with its cap, the 三岗十八级 step review, and the suggestion to talk to a
non-member worker about joining the Party — each decided by the pinned rules, with its trace."""

from datetime import date, datetime

from temporalio import workflow

from workflows.case import RETRY, TIMEOUT
from workflows.community_worker_case import CarriedCase
from workflows.deadline_text import CHINA_TIME

with workflow.unsafe.imports_passed_through():
    from activities.workforce import WorkerChangeRequest, WorkforceActivities
    from models.community_worker import (
        AssessmentRecordInput,
        WorkerState,
    )
    from rules.engine.facts import WorkerFacts
    from rules.engine.processes import CommunityWorker
    from rules.engine.tasks import deadline_spec

_YEAR_SECONDS = 365 * 86400
GRADE_STEPPED = "grassroots.worker.grade_stepped"
PARTY_APPROACH = "grassroots.worker.party_approach_suggested"


def today() -> date:
    """Today in China, by the workflow's clock."""
    return workflow.now().astimezone(CHINA_TIME).date()


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class WorkerRecord:
    """Keeps a worker's yearly record in ``state`` and records each decision on the case."""

    def __init__(self, case: CarriedCase, state: WorkerState) -> None:
        self._case = case
        self.w = state

    @property
    def rules(self) -> CommunityWorker:
        return CommunityWorker.of(self._case.rules)

    @property
    def owner(self) -> str:
        """Who owes the worker's tasks: their community's Party organisation."""
        return self.w.community_id or "community_party_org"

    def facts(self) -> dict[str, object]:
        """The worker as the rule expressions read them (``worker.*``), now."""
        w, now = self.w, workflow.now()
        if w.birth_date is not None:
            age = age_on(w.birth_date, today())
        elif w.age is not None and w.age_on is not None:
            age = w.age + age_on(w.age_on, today())
        else:
            age = 0
        since = w.grade_since or now
        facts = WorkerFacts(
            id=w.worker_id,
            post=w.post,
            grade=w.grade,
            years_in_grade=round((now - since).total_seconds() / _YEAR_SECONDS, 4),
            education=w.education,
            party_member=w.party_member,
            age=age,
            training_hours=w.training.get(str(today().year), 0.0),
            last_tier=w.last_tier,
            tiers_since_step=w.tiers_since_step,
            good_tiers_since_step=w.good_since_step,
            excellent_tiers_since_step=w.excellent_since_step,
            poor_tiers_since_step=w.poor_since_step,
            has_certificate=w.has_certificate,
            applied_to_join=w.applied_to_join,
        ).model_dump()
        self._case.inputs["worker"] = facts
        return facts

    # --- Training ---------------------------------------------------------------------------------

    def check_training(self, year: int, due: datetime) -> None:
        """On the check day: the hours still missing; a task to make them up by the year's end."""
        c = self._case
        decision = self.rules.training_shortfall(self.facts())
        short = decision.result
        hours = self.w.training.get(str(year), 0.0)
        text = f"{year} 年度培训学时检查：已完成 {hours:g} 学时，" + (
            f"尚缺 {short:g} 学时" if short > 0 else "已达年度最低要求"
        )
        c.decided("training_checked", text, decision)
        c.summary.setdefault("training", {})[str(year)] = {"hours": hours, "short": short}
        if short <= 0:
            return
        training = self.rules.model.training
        spec = deadline_spec(
            c.rules,
            task_id=f"training-{year}",
            title=f"补足 {year} 年度培训学时（尚缺 {short:g} 学时）",
            owner=self.owner,
            due_at=due,
            reminders=training.reminders,
            escalation=training.escalation,
        )
        c.open_task(spec)
        c.publish()

    def add_training(self, on: date, hours: float, actor: str, course: str) -> None:
        c, key = self._case, str(on.year)
        total = self.w.training[key] = round(self.w.training.get(key, 0.0) + hours, 2)
        about = f"（{course}）" if course else ""
        c.note(
            "training_logged",
            f"培训 {hours:g} 学时{about}，{on.year} 年累计 {total:g} 学时",
            actor=actor,
            detail={"date": on.isoformat(), "hours": hours, "course": course},
        )
        minimum = self.rules.model.training.annual_minimum_hours
        record = c.summary.get("training", {}).get(key)
        if record is not None:
            record.update(hours=total, short=max(0.0, minimum - total))
        task = c.task(f"training-{on.year}")
        if task is not None and total >= minimum:
            task.answer({"hours": total}, actor)

    def close_training(self, year: int) -> None:
        """At the end of the run for ``year``: a make-up task still open is closed as missed."""
        task = self._case.task(f"training-{year}")
        if task is not None and task.status.value == "open":
            task.cancel("system", f"{year} 年度已结束，培训学时仍未达标")
            self._case.note("training_short", f"{year} 年度培训学时未达年度最低要求")

    # --- Assessment, steps, Party approach --------------------------------------------------------

    def open_assessment(self, year: int, closes: datetime) -> None:
        """The year's assessment as a task of the community, due when the window closes."""
        c, training = self._case, self.rules.model.training
        spec = deadline_spec(
            c.rules,
            task_id=f"assessment-{year}",
            title=f"{year} 年度考核评议",
            owner=self.owner,
            due_at=closes,
            reminders=training.reminders,
            escalation=training.escalation,
        )
        c.open_task(spec)
        c.publish()

    def tiers(self) -> tuple[str, ...]:
        scale = self.rules.model.assessment.scale
        return self._case.rules.shared.grade_scales[scale].grades

    async def apply_tier(self, year: int, tier: str, actor: str) -> None:
        """Keep the tier, check the scale's cap, then review the grade step and Party approach."""
        c, w = self._case, self.w
        grades = self.tiers()
        # Best first: the top grade is excellent, the upper half good (称职及以上), the rest poor.
        good = grades[: max(1, len(grades) // 2)]
        w.tiers[str(year)] = tier
        if year >= max(int(y) for y in w.tiers):
            w.last_tier = tier
        w.tiers_since_step += 1
        w.good_since_step += tier in good
        w.excellent_since_step += tier == grades[0]
        w.poor_since_step += tier not in good
        c.summary.setdefault("tiers", {})[str(year)] = tier
        caps = self.rules.model.assessment.caps
        counted = await workflow.execute_activity_method(
            WorkforceActivities.record_worker_assessment,
            AssessmentRecordInput(
                worker_id=w.worker_id,
                case_id=c.case_id,
                year=year,
                tier=tier,
                community_id=w.community_id,
                count_tier=tier if tier in caps else None,
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        c.note("tier_recorded", f"{year} 年度考核评议等次：{tier}", actor=actor)
        cap = caps.get(tier)
        if cap is not None and counted.workers and counted.tier_count / counted.workers > cap:
            share = counted.tier_count / counted.workers
            c.note(
                "tier_cap_exceeded",
                f"本社区 {year} 年度“{tier}”已有 {counted.tier_count} 人（{share:.0%}），"
                f"超过规则上限 {cap:.0%}，请核实",
                detail={"tier": tier, "count": counted.tier_count, "workers": counted.workers},
            )
        await self._review_step()
        self._review_approach(year)
        c.publish()

    async def _review_step(self) -> None:
        c, w = self._case, self.w
        decision = self.rules.step(self.facts())
        result, rule_id = decision.result, decision.trace.rule_id
        rule = next((r for r in self.rules.model.steps.rules if r.id == rule_id), None)
        if not result.due:
            text = f"晋档审核：现等级 {w.grade} 级未满晋档周期"
        elif result.steps > 0:
            label = rule.label if rule else ""
            text = f"晋档审核：{label}，由 {w.grade} 级晋升至 {result.new_grade} 级"
        elif rule is not None and rule.steps > 0:
            text = f"晋档审核：已达岗位最高等级 {w.grade} 级"
        elif rule is not None:
            text = f"晋档审核：{rule.label}，本周期不晋档，重新起算"
        else:
            text = "晋档审核：考核记录尚不足以晋档，下一年度再审"
        c.decided("step_reviewed", text, decision)
        if not result.due or (rule is None and result.steps == 0):
            return
        w.tiers_since_step = w.good_since_step = w.excellent_since_step = w.poor_since_step = 0
        w.grade_since = workflow.now()
        if result.steps == 0:
            return
        old, w.grade = w.grade, result.new_grade
        c.summary["grade"] = w.grade
        await workflow.execute_activity_method(
            WorkforceActivities.change_worker,
            WorkerChangeRequest(
                worker_id=w.worker_id, case_id=c.case_id, on=today(), grade=w.grade
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        c.emit(
            "grade_stepped",
            GRADE_STEPPED,
            {"worker_id": w.worker_id, "post": w.post, "from": old, "to": w.grade},
        )

    def _review_approach(self, year: int) -> None:
        c, w = self._case, self.w
        if w.party_member or w.party is not None or year in w.approached:
            return
        decision = self.rules.approach_for_party(self.facts())
        text = "建议支部与其谈心谈话，做发展党员工作" if decision.result else "暂不列入发展党员工作"
        c.decided("party_approach_reviewed", f"发展党员：{text}", decision)
        if decision.result:
            w.approached.append(year)
            c.emit(
                "party_approach",
                PARTY_APPROACH,
                {"worker_id": w.worker_id, "community_id": w.community_id, "year": year},
            )
