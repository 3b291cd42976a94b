"""Stages of P4 as the rule file lists them — recruitment, and Party development — run one after
another, each reported by ``worker.stage_passed``.

A stage with ``within`` is a task for its owner, due that long after the stage opens, with the
rule set's reminders and escalation. A stage with ``at_least`` lasts at least that long: an
earlier "passed" is refused with the date it may come. With both, the task opens once the minimum
has run and is due ``within`` after it. With ``at_least`` alone the stage passes by itself when
the minimum has run (a probation that nobody ends is served: 《劳动合同法》第十九条、第二十一条).
"failed" ends the track at any point. The track's state is plain data, so a stage that spans a
year boundary carries on in the next run.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from temporalio import workflow

from workflows.community_worker_case import CarriedCase
from workflows.deadline_text import show

with workflow.unsafe.imports_passed_through():
    from models.community_worker import StagePassed, TrackState
    from models.deadline import TaskStatus
    from rules.engine.dates import DueDate
    from rules.engine.schema.community_worker import Stage
    from rules.engine.tasks import deadline_spec

_TRACKS = {"recruitment": "招录", "party": "发展党员"}


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: str
    actor: str
    note: str


class StageTrack:
    """One run through ``stages``; ``state`` is updated in place (the caller carries it)."""

    def __init__(
        self,
        case: CarriedCase,
        state: TrackState,
        stages: Sequence[Stage],
        *,
        owner: str,
        reminders: str,
        escalation: str,
    ) -> None:
        self._case = case
        self.state = state
        self._stages = stages
        self._owner = owner
        self._reminders = reminders
        self._escalation = escalation
        self._verdict: Verdict | None = None
        self._queued: list[tuple[StagePassed, str]] = []

    @property
    def stage(self) -> Stage | None:
        """The stage under way (None once every stage passed)."""
        index = self.state.index
        return self._stages[index] if index < len(self._stages) else None

    @property
    def name(self) -> str:
        return _TRACKS[self.state.kind]

    def knows(self, stage_id: str) -> bool:
        return any(stage.id == stage_id for stage in self._stages)

    def offer(self, passed: StagePassed, actor: str) -> None:
        """Apply a reported outcome to the stage under way, or note why it does not apply."""
        c, stage, state = self._case, self.stage, self.state
        ahead = [s.id for s in self._stages[state.index + 1 :]]
        if stage is not None and passed.stage in ahead:
            self._queued.append((passed, actor))  # reported before its stage opened: kept for it
            return
        if stage is None or self._verdict is not None:
            c.note(
                "event_ignored", f"{self.name}各阶段已办结，不再受理“{passed.stage}”", actor=actor
            )
            return
        if passed.stage != stage.id:
            c.note(
                "event_ignored",
                f"{self.name}当前阶段为“{stage.label}”，不受理“{passed.stage}”的结果",
                actor=actor,
            )
            return
        early = state.min_end is None or workflow.now() < state.min_end
        if passed.outcome == "passed" and stage.at_least is not None and early:
            until = f"，{show(state.min_end)} 后方可办结" if state.min_end else ""
            c.note(
                "stage_refused",
                f"“{stage.label}”未满最短期限（{stage.at_least}）{until}",
                actor=actor,
                detail=passed.model_dump(mode="json"),
            )
            return
        if passed.outcome == "passed" and state.started_at is None:
            c.note("stage_refused", f"“{stage.label}”尚未开始", actor=actor)
            return
        self._verdict = Verdict(passed.outcome, actor, passed.note)
        task = c.task(state.task_id) if state.task_id else None
        if task is not None and task.status is TaskStatus.OPEN:
            task.answer(passed.model_dump(mode="json"), actor)

    async def run(self) -> bool:
        """Run the stages from where the state says; True once the last one passed."""
        c, state = self._case, self.state
        while (stage := self.stage) is not None:
            if state.started_at is None:
                state.started_at = workflow.now()
                c.summary[f"{state.kind}_stage"] = stage.label
                c.note("stage_started", f"{self.name}阶段“{stage.label}”开始")
                c.publish()
            if stage.at_least is not None and state.min_end is None:
                state.min_end = await self._after(state.started_at, stage, minimum=True)
            self._release(stage.id)
            if state.min_end is not None:
                await c.wait_until(self._decided, state.min_end)
            if self._verdict is None:
                if stage.within is not None:
                    await self._task(stage)
                elif stage.at_least is not None:
                    self._verdict = Verdict("passed", "system", f"已满 {stage.at_least}")
                else:
                    await workflow.wait_condition(self._decided)
            verdict = self._verdict
            assert verdict is not None  # every branch above waits for one
            self._verdict = None
            if verdict.outcome != "passed":
                self._close_task("阶段未通过")
                c.note("stage_failed", f"{self.name}阶段“{stage.label}”未通过", actor=verdict.actor)
                c.summary.pop(f"{state.kind}_stage", None)
                return False
            self._close_task("阶段已通过")
            note = f"（{verdict.note}）" if verdict.note else ""
            c.note("stage_passed", f"{self.name}阶段“{stage.label}”通过{note}", actor=verdict.actor)
            state.index += 1
            state.started_at = state.min_end = state.task_id = None
        c.summary.pop(f"{state.kind}_stage", None)
        return True

    def _release(self, stage_id: str) -> None:
        """Apply the outcomes reported for this stage before it opened, in the order they came."""
        kept = [(p, a) for p, a in self._queued if p.stage == stage_id]
        self._queued = [(p, a) for p, a in self._queued if p.stage != stage_id]
        for passed, actor in kept:
            self.offer(passed, actor)

    def _decided(self) -> bool:
        return self._verdict is not None

    async def _task(self, stage: Stage) -> None:
        c, state = self._case, self.state
        task = c.task(state.task_id) if state.task_id else None
        if task is None:
            anchor = state.min_end or state.started_at
            assert anchor is not None  # the stage has started
            due = await self._after(anchor, stage, minimum=False)
            if self._verdict is not None:
                return  # reported while the due time was worked out: no task needed
            spec = deadline_spec(
                c.rules,
                task_id=f"{state.kind}-{state.round}-{stage.id}",
                title=f"{self.name}：{stage.label}",
                owner=self._owner,
                due_at=due,
                reminders=self._reminders,
                escalation=self._escalation,
            )
            state.task_id = spec.task_id
            c.open_task(spec)
            c.publish()
        await workflow.wait_condition(self._decided)

    def _close_task(self, reason: str) -> None:
        task = self._case.task(self.state.task_id) if self.state.task_id else None
        if task is not None and task.status is TaskStatus.OPEN:
            task.cancel("system", reason)

    async def _after(self, anchor: datetime, stage: Stage, *, minimum: bool) -> datetime:
        duration = stage.at_least if minimum else stage.within
        assert duration is not None
        kind = "at_least" if minimum else "within"
        return await self._case.resolve_due(DueDate(kind, anchor, duration))
