"""Payloads of P4 社区工作者成长激励: the event data the workflow reads, the state a worker's case
carries from one year's run to the next (continue-as-new), and the registry activities."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.deadline import DeadlineState
from models.events import CaseStartInput, InboundEvent

Post = Literal["head", "deputy", "staff"]

APPLIED = "applied"
"""The ``stage`` of ``worker.stage_passed`` that says a worker handed in a Party application
(递交入党申请书): it opens Party development, whose stages come from the rules."""

ENROLLED = "in_service"
"""The ``method`` of ``worker.recruited`` for a worker already employed (在岗人员建档)."""


class WorkerStatus(StrEnum):
    """Where a community worker's case stands (GrStatus)."""

    OPENING = "opening"
    RECRUITING = "recruiting"
    IN_SERVICE = "in_service"
    NOT_HIRED = "not_hired"
    INELIGIBLE = "ineligible"
    REJECTED = "rejected"
    LEFT = "left"


WORKER_STATUS_LABELS: dict[str, str] = {
    WorkerStatus.OPENING: "受理中",
    WorkerStatus.RECRUITING: "招录中",
    WorkerStatus.IN_SERVICE: "在岗",
    WorkerStatus.NOT_HIRED: "未录用",
    WorkerStatus.INELIGIBLE: "不符合报考条件",
    WorkerStatus.REJECTED: "事件数据有误，未受理",
    WorkerStatus.LEFT: "已离职",
}

# The registry's education levels, as the rule file names them.
_RULE_EDUCATION = {
    "junior_high": "high_school",
    "senior_high": "high_school",
    "vocational": "high_school",
    "associate": "college",
}
# And back, for a recruit the registry does not know yet.
_REGISTRY_EDUCATION = {"high_school": "senior_high", "college": "associate"}


def rule_education(value: str) -> str:
    """An education level in the rule file's words (high_school|college|bachelor|…)."""
    return _RULE_EDUCATION.get(value, value)


def registry_education(value: str) -> str:
    """An education level in the registry's words (senior_high|associate|bachelor|…)."""
    return _REGISTRY_EDUCATION.get(value, value)


class WorkerRecruited(BaseModel):
    """``grassroots.worker.recruited`` data: a candidate entering recruitment, or (``hired_on``
    given, or ``method`` ``in_service``) a worker already employed whose case starts now."""

    model_config = ConfigDict(extra="allow")

    worker_id: str = Field(min_length=1, max_length=64)
    post: Post
    method: str = Field(min_length=1, description="open_exam | selection | in_service")
    community_id: str | None = None
    name: str | None = None
    gender: str | None = None
    birth_date: date | None = None
    age: int | None = Field(default=None, ge=14, le=90)
    education: str = ""
    community_years: float = Field(default=0.0, ge=0)
    party_member: bool = False
    applied_to_join: bool = False
    has_certificate: bool = False
    hired_on: date | None = None
    grade: int | None = Field(default=None, ge=1, le=18)
    grade_since: date | None = None
    training_hours: float = Field(default=0.0, ge=0, description="Hours already this year.")


class StagePassed(BaseModel):
    """``grassroots.worker.stage_passed`` data: the outcome of a recruitment or Party stage."""

    model_config = ConfigDict(extra="ignore")

    stage: str = Field(min_length=1)
    date: date
    outcome: Literal["passed", "failed"] = "passed"
    actor: str = ""
    note: str = ""


class TrainingLogged(BaseModel):
    """``grassroots.worker.training_logged`` data: training hours on a day."""

    model_config = ConfigDict(extra="ignore")

    hours: float = Field(gt=0, le=500)
    date: date
    course: str = ""
    actor: str = ""


class WorkerAssessed(BaseModel):
    """``grassroots.worker.assessed`` data: the year's assessment tier (考核评议)."""

    model_config = ConfigDict(extra="ignore")

    year: int = Field(ge=2000, le=2100)
    tier: str = Field(min_length=1)
    actor: str = ""
    comment: str = ""


class TrackState(BaseModel):
    """Progress through a list of stages (recruitment, or Party development)."""

    kind: Literal["recruitment", "party"]
    round: int = Field(1, description="Party development's attempt, for distinct task ids.")
    index: int = 0
    started_at: datetime | None = None
    min_end: datetime | None = Field(None, description="End of the stage's minimum period.")
    task_id: str | None = None


class WorkerState(BaseModel):
    """What the case knows of the worker; carried from each year's run to the next."""

    worker_id: str
    year: int = Field(description="The service year this run looks after.")
    post: Post = "staff"
    grade: int = 1
    grade_since: datetime | None = None
    education: str = Field("", description="In the rule file's words.")
    party_member: bool = False
    applied_to_join: bool = False
    has_certificate: bool = False
    birth_date: date | None = None
    age: int | None = Field(None, description="Age on ``age_on`` when no birth date is known.")
    age_on: date | None = None
    hired_on: date | None = None
    community_id: str | None = None
    last_tier: str = ""
    tiers_since_step: int = 0
    good_since_step: int = 0
    excellent_since_step: int = 0
    poor_since_step: int = 0
    tiers: dict[str, str] = Field(default_factory=dict, description="Year → tier.")
    training: dict[str, float] = Field(default_factory=dict, description="Year → hours.")
    party: TrackState | None = None
    party_rounds: int = 0
    approached: list[int] = Field(default_factory=list, description="Years a talk was suggested.")


class CaseCarry(BaseModel):
    """The case's own state across continue-as-new: numbering, de-duplication and open tasks."""

    opened_at: datetime
    next_seq: int = Field(description="The timeline number the next run's first entry gets.")
    sent: dict[str, int] = Field(default_factory=dict)
    seen: list[str] = Field(default_factory=list)
    status: str
    title: str
    community_id: str | None = None
    subject_id: str | None = None
    subject_label: str | None = None
    summary: dict[str, Any] = Field(default_factory=dict)
    tasks: list[DeadlineState] = Field(default_factory=list, description="Tasks still open.")


class WorkerCarry(BaseModel):
    case: CaseCarry
    worker: WorkerState
    events: list[InboundEvent] = Field(
        default_factory=list, description="Events that came during the hand-over, in order."
    )


class CommunityWorkerInput(CaseStartInput):
    """The start input; a continued run also gets what the previous year's run carried."""

    carry: WorkerCarry | None = None


# --- Registry activities ------------------------------------------------------------------------


class WorkerProfileInput(BaseModel):
    worker_id: str
    as_of: date


class WorkerProfile(BaseModel):
    """A worker as the registry knows them (``known`` False: not registered)."""

    known: bool
    community_id: str | None = None
    post: Post | None = None
    grade: int | None = None
    education: str = Field("", description="In the rule file's words.")
    party_member: bool = False
    has_certificate: bool = False
    birth_date: date | None = None
    hired_on: date | None = None
    label: str | None = Field(None, description="The masked name for case lists.")


class WorkerHire(BaseModel):
    """What the registry needs of a new worker; missing facts leave the registry unchanged."""

    name: str | None = None
    gender: str | None = None
    community_id: str | None = None
    birth_date: date | None = None
    education: str = ""
    post: Post
    has_certificate: bool = False
    party_member: bool = False


class WorkerChangeInput(BaseModel):
    """Change a worker's registry row (and record the change with the day it took effect)."""

    worker_id: str
    case_id: str
    on: date
    grade: int | None = None
    party_member: bool | None = None
    hire: WorkerHire | None = None


class WorkerChangeResult(BaseModel):
    applied: bool
    changes: list[str] = Field(default_factory=list)
    reason: str = ""


class AssessmentRecordInput(BaseModel):
    """Keep a worker's tier for a year; ``count_tier`` asks how many hold a capped tier."""

    worker_id: str
    case_id: str
    year: int
    tier: str
    community_id: str | None = None
    count_tier: str | None = None


class AssessmentRecordResult(BaseModel):
    """How many of the community's workers hold ``count_tier`` that year, of how many."""

    tier_count: int = 0
    workers: int = 0
