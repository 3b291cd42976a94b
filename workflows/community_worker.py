"""P4 社区工作者成长激励 — one community worker's case for as long as they serve, entirely as
``rules/community_worker.yaml`` decides.

A candidate is checked against the recruitment requirements, then goes through the recruitment
stages (open exam or selection → interview → vetting → probation); once hired, the entry grade on
the 三岗十八级 scale counts the education credit. (A worker already employed starts in service.)
Each year: training hours are checked on the rule's day against the annual minimum, with a task
and reminders to make them up before the year ends; the annual assessment (考核评议) opens as a
task and its tier is kept, capped per rule; the grade step is reviewed (interval, tiers that block
a step); a non-member who fits the rule is suggested for a talk, and a Party application runs the
development stages for as long as they take. Every year's run ends with continue-as-new.
``worker.left`` (resignation, dismissal or retirement, with the day) ends the case: open tasks
are cancelled and the registry records the departure, so the workforce report stops counting
the worker from that day.
"""

import asyncio
from datetime import datetime, time
from typing import Any

from pydantic import ValidationError
from temporalio import workflow

from workflows.case import RETRY, TIMEOUT, CaseWorkflow
from workflows.community_worker_case import CarriedCase
from workflows.community_worker_hiring import POSTS, Recruitment, enroll
from workflows.community_worker_record import WorkerRecord, today
from workflows.community_worker_stages import StageTrack
from workflows.deadline_text import CHINA_TIME
from workflows.jobs import SerialJobs

with workflow.unsafe.imports_passed_through():
    from activities.workforce import (
        WorkerChangeRequest,
        WorkerDeparture,
        WorkerLeft,
        WorkforceActivities,
    )
    from models.case_actions import CaseResult
    from models.community_worker import (
        APPLIED,
        ENROLLED,
        CommunityWorkerInput,
        StagePassed,
        TrackState,
        TrainingLogged,
        WorkerAssessed,
        WorkerCarry,
        WorkerProfileInput,
        WorkerRecruited,
        WorkerState,
        WorkerStatus,
        rule_education,
    )
    from models.community_worker import WORKER_STATUS_LABELS as LABELS
    from models.events import InboundEvent
    from rules.engine.dates import month_day
    from rules.engine.processes import CommunityWorker

S = WorkerStatus
LEFT = "left"
STATUS_LABELS = {**LABELS, LEFT: "已离职"}
JOINED_PARTY = "grassroots.worker.joined_party"
SERVICE_ENDED = "grassroots.worker.service_ended"
_STAGE = "grassroots.worker.stage_passed"
_TRAINING = "grassroots.worker.training_logged"
_ASSESSED = "grassroots.worker.assessed"
_LEFT = "grassroots.worker.left"


@workflow.defn(name="community_worker")
class CommunityWorkerWorkflow(CaseWorkflow):
    """One worker from recruitment on, a run per year."""

    _case: CarriedCase

    @workflow.init
    def __init__(self, params: CommunityWorkerInput) -> None:
        carry = params.carry
        title = f"社区工作者：{params.event.data.get('worker_id', '')}"
        self._case = CarriedCase(
            "community_worker",
            params,
            title=title,
            status=S.OPENING,
            status_labels=STATUS_LABELS,
            carry=carry.case if carry is not None else None,
        )
        self._record: WorkerRecord | None = None
        if carry is not None:
            self._record = WorkerRecord(self._case, carry.worker.model_copy(deep=True))
        self._recruitment: Recruitment | None = None
        self._party: StageTrack | None = None
        self._party_run: asyncio.Task[None] | None = None
        self._ready = False
        # Events that came while the case could not apply them (carried over a year's end too).
        self._early: list[InboundEvent] = list(carry.events) if carry is not None else []
        self._jobs = SerialJobs()
        self._leaving: tuple[WorkerLeft, str] | None = None
        self._main: asyncio.Task[Any] | None = None
        self._in_year = False

    @workflow.run
    async def run(self, params: CommunityWorkerInput) -> CaseResult:
        c = self._case
        self._main = asyncio.current_task()
        await c.start()
        self._ready = True
        pump = asyncio.create_task(self._jobs.run())
        if params.carry is None and not await self._open(params.event):
            pump.cancel()
            return await c.finish()
        record = self._record
        assert record is not None  # set by _open or carried
        if record.w.party is not None:
            self._start_party(record.w.party)
        if c.continued:
            c.note("year_started", f"进入 {record.w.year} 年度")
            self._replay_early()
        await self._serve(record)
        if self._leaving is not None:
            await self._leave(record, *self._leaving)
            pump.cancel()
            return await c.finish()
        self._ready = False  # from here on, events wait for the next year's run
        while True:
            await workflow.wait_condition(lambda: self._jobs.idle)
            handed = await c.hand_over()
            if self._jobs.idle:
                break
        carry = WorkerCarry(case=handed, worker=record.w.model_copy(deep=True), events=self._early)
        carry.worker.year += 1
        workflow.continue_as_new(
            CommunityWorkerInput(
                event=params.event, rule_version=c.version, engine=c.engine, carry=carry
            )
        )

    @property
    def _rules(self) -> CommunityWorker:
        return CommunityWorker.of(self._case.rules)

    # --- Opening: a worker in service, or a candidate through recruitment ------------------------

    async def _open(self, event: InboundEvent) -> bool:
        c = self._case
        try:
            recruited = WorkerRecruited.model_validate(event.data)
        except ValidationError as err:
            c.note("rejected", f"社区工作者事件数据有误：{err.errors()[0]['msg']}")
            c.set_status(S.REJECTED)
            return False
        profile = await workflow.execute_activity_method(
            WorkforceActivities.worker_profile,
            WorkerProfileInput(worker_id=recruited.worker_id, as_of=today()),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        w = WorkerState(
            worker_id=recruited.worker_id,
            year=today().year,
            post=profile.post or recruited.post,
            education=profile.education or rule_education(recruited.education),
            party_member=profile.party_member or recruited.party_member,
            applied_to_join=recruited.applied_to_join,
            has_certificate=profile.has_certificate or recruited.has_certificate,
            birth_date=profile.birth_date or recruited.birth_date,
            age=recruited.age,
            age_on=today() if recruited.age is not None else None,
            community_id=profile.community_id or recruited.community_id,
        )
        c.subject_id, c.subject_label, c.community_id = w.worker_id, profile.label, w.community_id
        c.title = f"社区工作者：{profile.label or w.worker_id}（{POSTS[w.post]}）"
        c.summary.update(worker_id=w.worker_id, post=w.post, method=recruited.method)
        self._record = record = WorkerRecord(c, w)
        if profile.known or recruited.hired_on is not None or recruited.method == ENROLLED:
            enroll(c, record, recruited, profile)
            self._replay_early()
            return True
        self._recruitment = Recruitment(c, record, recruited, ready=self._replay_early)
        hired = await self._recruitment.run()
        self._recruitment = None
        return hired

    # --- The year ---------------------------------------------------------------------------------

    async def _year(self, record: WorkerRecord) -> None:
        d, w = self._rules, record.w
        zone = self._case.rules.shared.calendar.timezone
        year = w.year
        check_at = month_day(year, d.model.training.check_on, zone)
        year_end = month_day(year, "12-31", zone, end_of_day=True)
        opens = month_day(year, d.model.assessment.opens, zone)
        closes = month_day(year, d.model.assessment.closes, zone, end_of_day=True)
        if closes <= opens:
            closes = month_day(year + 1, d.model.assessment.closes, zone, end_of_day=True)
        assert w.hired_on is not None  # in service
        hired_at = datetime.combine(w.hired_on, time(), CHINA_TIME)
        await _sleep_until(check_at)
        if hired_at < check_at and workflow.now() < year_end:
            record.check_training(year, year_end)
        await _sleep_until(opens)
        if hired_at < opens and str(year) not in w.tiers:
            record.open_assessment(year, closes)
        await _sleep_until(closes)
        record.close_training(year)

    async def _serve(self, record: WorkerRecord) -> None:
        """The year, unless the worker leaves first (``_on_left`` interrupts its wait)."""
        if self._leaving is not None:
            return
        self._in_year = True
        try:
            await self._year(record)
        except asyncio.CancelledError:
            if self._leaving is None:
                raise  # the case itself was cancelled
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        finally:
            self._in_year = False

    # --- Leaving ----------------------------------------------------------------------------------

    def _on_left(self, left: WorkerLeft, actor: str) -> None:
        c = self._case
        if c.status != S.IN_SERVICE:
            c.note("event_ignored", "尚未入职，离职事件不适用", actor=actor)
            return
        if self._leaving is not None:
            c.note("event_ignored", "离职已记录", actor=actor)
            return
        self._leaving = (left, actor)
        if self._in_year and self._main is not None:
            self._main.cancel()  # wakes the year's wait; nothing else is awaited there

    async def _leave(self, record: WorkerRecord, left: WorkerLeft, actor: str) -> None:
        """End the service: the Party-development track stops, work handed over finishes, open
        tasks close, and the registry records the departure."""
        c, w = self._case, record.w
        if self._party_run is not None and not self._party_run.done():
            self._party_run.cancel()
        await workflow.wait_condition(lambda: self._jobs.idle)
        why = f"{left.label}离职"
        for task in c.open_tasks():
            task.cancel(actor, why)
        c.summary.update(left_on=left.date.isoformat(), left_reason=left.reason)
        note = f"：{left.note}" if left.note else ""
        c.note(
            "worker_left",
            f"{left.date.isoformat()} {why}{note}，案件结案",
            actor=actor,
            detail=left.model_dump(mode="json"),
        )
        c.emit(
            "service_ended",
            SERVICE_ENDED,
            {"worker_id": w.worker_id, "reason": left.reason, "date": left.date.isoformat()},
        )
        change = WorkerChangeRequest(
            worker_id=w.worker_id,
            case_id=c.case_id,
            on=left.date,
            left=WorkerDeparture(reason=left.label, on=left.date),
        )
        result = await workflow.execute_activity_method(
            WorkforceActivities.change_worker,
            change,
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        if not result.applied:
            c.note("registry_unchanged", f"登记库未记录离职：{result.reason}")
        c.set_status(LEFT)

    # --- Events -----------------------------------------------------------------------------------

    @workflow.signal
    def stage_passed(self, event: InboundEvent) -> None:
        """A recruitment or Party-development stage's outcome (or a Party application)."""
        if self._case.first_time(event):
            self._on_event(event)

    @workflow.signal
    def training_logged(self, event: InboundEvent) -> None:
        """Training hours on a day."""
        if self._case.first_time(event):
            self._on_event(event)

    @workflow.signal
    def assessed(self, event: InboundEvent) -> None:
        """The year's assessment tier."""
        if self._case.first_time(event):
            self._on_event(event)

    @workflow.signal
    def left(self, event: InboundEvent) -> None:
        """The worker left (resignation, dismissal or retirement): the case ends."""
        if self._case.first_time(event):
            self._on_event(event)

    def _on_event(self, event: InboundEvent) -> None:
        c = self._case
        if not self._ready or self._record is None or c.status == S.OPENING:
            self._early.append(event)  # applied once the case knows the worker
            return
        actor = str(event.data.get("actor") or event.source)
        try:
            if event.type == _STAGE:
                self._on_stage(StagePassed.model_validate(event.data), actor)
            elif event.type == _TRAINING:
                self._on_training(TrainingLogged.model_validate(event.data), actor)
            elif event.type == _ASSESSED:
                self._on_assessed(WorkerAssessed.model_validate(event.data), actor)
            elif event.type == _LEFT:
                self._on_left(WorkerLeft.model_validate(event.data), actor)
            else:
                c.note("event_ignored", f"本案件不处理 {event.type} 事件", actor=event.source)
        except ValidationError as err:
            c.note("event_refused", f"事件数据有误：{err.errors()[0]['msg']}", actor=actor)

    def _replay_early(self) -> None:
        early, self._early = self._early, []
        for event in early:
            self._on_event(event)

    def _on_stage(self, passed: StagePassed, actor: str) -> None:
        c, record = self._case, self._record
        assert record is not None
        if self._recruitment is not None:
            self._recruitment.offer(passed, actor)
        elif c.status != S.IN_SERVICE:
            c.note("event_ignored", "案件已不在招录或在岗状态", actor=actor)
        elif passed.stage == APPLIED:
            self._on_applied(record, actor)
        elif self._party is not None:
            self._party.offer(passed, actor)
        else:
            c.note("event_ignored", f"未在办理“{passed.stage}”所属的阶段", actor=actor)

    def _on_applied(self, record: WorkerRecord, actor: str) -> None:
        c, w = self._case, record.w
        if w.party_member or w.party is not None:
            why = "已是党员" if w.party_member else "发展党员工作正在进行"
            c.note("event_ignored", f"递交入党申请书：{why}", actor=actor)
            return
        w.applied_to_join = True
        w.party_rounds += 1
        w.party = TrackState(kind="party", round=w.party_rounds)
        c.note("party_applied", "递交入党申请书，开始发展党员工作", actor=actor)
        self._start_party(w.party)

    def _start_party(self, state: TrackState) -> None:
        record, d = self._record, self._rules
        assert record is not None
        self._party = StageTrack(
            self._case,
            state,
            d.model.party_development.stages,
            owner=record.owner,
            reminders=d.model.training.reminders,
            escalation=d.model.training.escalation,
        )
        self._party_run = asyncio.create_task(self._party_development(self._party))

    async def _party_development(self, track: StageTrack) -> None:
        c, record = self._case, self._record
        assert record is not None
        w = record.w
        joined = await track.run()
        self._party, w.party = None, None
        if not joined:
            w.applied_to_join = False
            c.note("party_development_ended", "发展党员工作终止，可重新递交入党申请书")
            c.publish()
            return
        w.party_member = True
        c.summary["party_member"] = True
        c.note("joined_party", "预备党员转为正式党员")
        c.emit("joined_party", JOINED_PARTY, {"worker_id": w.worker_id})
        change = WorkerChangeRequest(
            worker_id=w.worker_id, case_id=c.case_id, on=today(), party_member=True
        )
        self._jobs.append(lambda: _change(change))
        c.publish()

    def _on_training(self, logged: TrainingLogged, actor: str) -> None:
        record = self._record
        assert record is not None
        if self._case.status != S.IN_SERVICE:
            self._case.note("event_ignored", "尚未入职，培训学时不计入", actor=actor)
            return
        record.add_training(logged.date, logged.hours, actor, logged.course)

    def _on_assessed(self, assessed: WorkerAssessed, actor: str) -> None:
        c, record = self._case, self._record
        assert record is not None
        w = record.w
        if c.status != S.IN_SERVICE or w.hired_on is None:
            c.note("event_ignored", "尚未入职，不记录考核等次", actor=actor)
            return
        if assessed.tier not in record.tiers():
            scale = "、".join(record.tiers())
            c.note(
                "event_refused", f"考核等次“{assessed.tier}”不在等次表中（{scale}）", actor=actor
            )
            return
        if not w.hired_on.year <= assessed.year <= today().year:
            c.note("event_refused", f"{assessed.year} 年度不在任职期间", actor=actor)
            return
        if str(assessed.year) in w.tiers:
            known = w.tiers[str(assessed.year)]
            c.note("event_ignored", f"{assessed.year} 年度等次已记录为“{known}”", actor=actor)
            return
        w.tiers[str(assessed.year)] = assessed.tier
        task = c.task(f"assessment-{assessed.year}")
        if task is not None:
            task.answer({"tier": assessed.tier, "comment": assessed.comment}, actor)
        year, tier = assessed.year, assessed.tier
        self._jobs.append(lambda: record.apply_tier(year, tier, actor))


async def _change(change: WorkerChangeRequest) -> None:
    await workflow.execute_activity_method(
        WorkforceActivities.change_worker,
        change,
        start_to_close_timeout=TIMEOUT,
        retry_policy=RETRY,
    )


async def _sleep_until(at: datetime) -> None:
    delay = (at - workflow.now()).total_seconds()
    if delay > 0:
        await workflow.sleep(delay)
