"""P4's opening: a worker already employed is enrolled as they are; a candidate is checked against
the recruitment requirements, goes through the recruitment stages and, once every stage passed,
is hired at the entry grade (the post's lowest plus the rule file's education credit)."""

from collections.abc import Callable
from datetime import datetime, time

from temporalio import workflow

from workflows.case import RETRY, TIMEOUT
from workflows.community_worker_case import CarriedCase
from workflows.community_worker_record import WorkerRecord, age_on, today
from workflows.community_worker_stages import StageTrack
from workflows.deadline_text import CHINA_TIME

with workflow.unsafe.imports_passed_through():
    from activities.workforce import WorkerChangeRequest, WorkforceActivities
    from models.community_worker import (
        StagePassed,
        TrackState,
        WorkerHire,
        WorkerProfile,
        WorkerRecruited,
        WorkerStatus,
    )
    from rules.engine.facts import CandidateFacts

S = WorkerStatus
HIRED = "grassroots.worker.hired"
NOT_HIRED = "grassroots.worker.not_hired"
POSTS = {"head": "正职", "deputy": "副职", "staff": "其他社区工作者"}


def entry_grade(case: CarriedCase, record: WorkerRecord) -> int:
    """The starting grade by the rules, recorded with its trace."""
    w = record.w
    decision = record.rules.entry_grade(w.post, w.education)
    text = f"起始等级：{POSTS[w.post]}最低等级加学历折算，定为 {decision.result} 级"
    grade: int = case.decided("entry_grade_decided", text, decision)
    return grade


def enroll(
    case: CarriedCase, record: WorkerRecord, recruited: WorkerRecruited, profile: WorkerProfile
) -> None:
    """A worker already employed: their case starts in service, with the grade they hold (the
    registry's, else the event's, else the entry grade)."""
    w = record.w
    w.hired_on = profile.hired_on or recruited.hired_on or today()
    w.grade = profile.grade or recruited.grade or entry_grade(case, record)
    since = recruited.grade_since or w.hired_on
    w.grade_since = datetime.combine(since, time(), CHINA_TIME)
    w.training[str(w.year)] = recruited.training_hours
    case.summary.update(grade=w.grade, hired_on=w.hired_on.isoformat())
    case.note(
        "enrolled",
        f"在岗社区工作者建档：{POSTS[w.post]} {w.grade} 级，{w.hired_on.isoformat()} 入职",
        detail={"known": profile.known, "training_hours": recruited.training_hours},
    )
    case.set_status(S.IN_SERVICE)


class Recruitment:
    """A candidate from the requirements check to the hire (or not)."""

    def __init__(
        self,
        case: CarriedCase,
        record: WorkerRecord,
        recruited: WorkerRecruited,
        *,
        ready: Callable[[], None],
    ) -> None:
        self._case = case
        self._record = record
        self._recruited = recruited
        self._ready = ready
        self._track: StageTrack | None = None

    def offer(self, passed: StagePassed, actor: str) -> None:
        """A stage's outcome, for the stage under way (or kept for a later one)."""
        if self._track is None:
            self._case.note("event_ignored", "招录资格审查尚未完成", actor=actor)
            return
        self._track.offer(passed, actor)

    async def run(self) -> bool:
        """True once the candidate is hired; False (with the reason) otherwise."""
        c, d, w, recruited = self._case, self._record.rules, self._record.w, self._recruited
        methods = d.model.recruitment.methods
        if recruited.method not in methods:
            known = "、".join(f"{k}（{v}）" for k, v in methods.items())
            c.note("rejected", f"未知的招录方式“{recruited.method}”（可选：{known}）")
            c.set_status(S.REJECTED)
            return False
        if not self._eligible():
            return False
        c.summary["method_label"] = methods[recruited.method]
        c.set_status(S.RECRUITING)
        self._track = StageTrack(
            c,
            TrackState(kind="recruitment"),
            d.model.recruitment.stages,
            owner=w.community_id or "street_committee",
            reminders=d.model.training.reminders,
            escalation=d.model.training.escalation,
        )
        self._ready()
        if not await self._track.run():
            self._not_hired(["招录阶段未通过"], S.NOT_HIRED)
            return False
        await self._hire()
        return True

    def _eligible(self) -> bool:
        c, w, recruited = self._case, self._record.w, self._recruited
        age = recruited.age
        if age is None and recruited.birth_date is not None:
            age = age_on(recruited.birth_date, today())
        candidate = CandidateFacts(
            age=age or 0,
            education=w.education,
            community_years=recruited.community_years,
            party_member=w.party_member,
            has_certificate=w.has_certificate,
        ).model_dump()
        c.inputs["candidate"] = candidate
        eligibility = self._record.rules.eligibility(candidate)
        failed = eligibility.result.failed
        text = "符合报考条件" if not failed else f"不符合报考条件：{'、'.join(failed)}"
        c.decided("eligibility_checked", f"招录资格审查：{text}", eligibility)
        if failed:
            c.summary["reason"] = text
            self._not_hired(list(failed), S.INELIGIBLE)
        return not failed

    def _not_hired(self, reasons: list[str], status: WorkerStatus) -> None:
        c = self._case
        c.summary.setdefault("reason", "；".join(reasons))
        c.emit("not_hired", NOT_HIRED, {"worker_id": self._record.w.worker_id, "reasons": reasons})
        c.set_status(status)

    async def _hire(self) -> None:
        c, w, recruited = self._case, self._record.w, self._recruited
        w.hired_on, w.grade_since = today(), workflow.now()
        w.grade, w.year = entry_grade(c, self._record), w.hired_on.year
        hire = WorkerHire(
            name=recruited.name,
            gender=recruited.gender,
            community_id=w.community_id,
            birth_date=w.birth_date,
            education=w.education,
            post=w.post,
            has_certificate=w.has_certificate,
            party_member=w.party_member,
        )
        written = await workflow.execute_activity_method(
            WorkforceActivities.change_worker,
            WorkerChangeRequest(
                worker_id=w.worker_id, case_id=c.case_id, on=w.hired_on, grade=w.grade, hire=hire
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        tail = "，已登记入库" if written.applied else f"；登记库未更新：{written.reason}"
        c.note("hired", f"录用为{POSTS[w.post]}，定为 {w.grade} 级{tail}")
        c.summary.update(grade=w.grade, hired_on=w.hired_on.isoformat())
        c.emit("hired", HIRED, {"worker_id": w.worker_id, "post": w.post, "grade": w.grade})
        c.set_status(S.IN_SERVICE)
