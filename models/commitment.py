"""Payloads of P5 党员亮相承诺: the event data the workflow reads, the case's statuses, and the
registry activities that keep the commitment, its service ledger and its result."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Evaluator = Literal["self", "members", "residents", "organisation"]

EVALUATOR_LABELS: dict[str, str] = {
    "self": "本人自评",
    "members": "党员互评",
    "residents": "群众评议",
    "organisation": "组织评价",
}


class CommitmentStatus(StrEnum):
    """Where a member's commitment for the year stands (GrStatus)."""

    OPENING = "opening"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    PUBLISHED = "published"
    EVALUATED = "evaluated"
    CLOSED = "closed"
    NOT_PUBLISHED = "not_published"


COMMITMENT_STATUS_LABELS: dict[str, str] = {
    CommitmentStatus.OPENING: "受理中",
    CommitmentStatus.UNDER_REVIEW: "待支部审核",
    CommitmentStatus.RETURNED: "退回修改",
    CommitmentStatus.PUBLISHED: "已公示，践诺中",
    CommitmentStatus.EVALUATED: "已评价",
    CommitmentStatus.CLOSED: "年度结束",
    CommitmentStatus.NOT_PUBLISHED: "年度结束，承诺未公示",
}


class CommitmentItem(BaseModel):
    """One promise: its category (rule data) and what the member promises, in their words."""

    model_config = ConfigDict(extra="ignore")

    category: str = Field(min_length=1)
    content: str = ""


class CommitmentSubmitted(BaseModel):
    """``grassroots.commitment.submitted`` data; a category alone may stand for an item."""

    model_config = ConfigDict(extra="ignore")

    member_id: str = Field(min_length=1, max_length=64)
    year: int = Field(ge=2000, le=2100)
    items: list[CommitmentItem]
    post: str = Field("", description="亮相岗位 shown on the public board.")
    community_id: str | None = None
    branch_id: str | None = Field(None, description="The branch that reviews; default community.")
    name: str | None = None

    @field_validator("items", mode="before")
    @classmethod
    def _categories(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"category": v} if isinstance(v, str) else v for v in value]
        return value


class ReviewDecision(BaseModel):
    """``grassroots.commitment.reviewed`` data: the branch approves or returns the commitment."""

    model_config = ConfigDict(extra="ignore")

    decision: Literal["approved", "returned"]
    actor: str = Field(min_length=1)
    reasons: list[str] = Field(default_factory=list)
    comment: str = ""


class ServiceLogged(BaseModel):
    """``grassroots.service.logged`` data: hours of a category on a day, with evidence."""

    model_config = ConfigDict(extra="ignore")

    hours: float = Field(gt=0, le=24)
    category: str = Field(min_length=1)
    date: date
    evidence: list[str] = Field(default_factory=list, description="Photos, sign-in sheets (URLs).")
    description: str = ""
    actor: str = ""

    @field_validator("evidence", mode="before")
    @classmethod
    def _one_evidence(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class CommitmentEvaluated(BaseModel):
    """``grassroots.commitment.evaluated`` data: one evaluator's 0–100 score."""

    model_config = ConfigDict(extra="ignore")

    evaluator: Evaluator
    score: float = Field(ge=0, le=100)
    actor: str = ""
    comment: str = ""


# --- Registry activities ------------------------------------------------------------------------


class MemberProfileInput(BaseModel):
    member_id: str


class MemberProfile(BaseModel):
    """A member as the registry knows them; the name stays in the registry."""

    known: bool
    community_id: str | None = None
    label: str | None = Field(None, description="The masked name for case lists.")


class BoardItemRecord(BaseModel):
    """An item as the public board shows it: category, its label and the promise."""

    category: str
    label: str
    content: str = ""


class QuarterProgress(BaseModel):
    """The progress published at the end of a quarter."""

    quarter: int
    at: datetime
    hours: float
    logs: int
    items_with_service: int
    alerts: list[str] = Field(default_factory=list, description="Labels of the alerts that fired.")


class CommitmentRecordInput(BaseModel):
    """Write the commitment's public record: items once published, progress, the result."""

    member_id: str
    year: int
    case_id: str
    status: str
    community_id: str | None = None
    post: str = ""
    name_hint: str | None = Field(None, description="The event's name if the registry has none.")
    items: list[BoardItemRecord] = Field(default_factory=list)
    submitted_at: datetime | None = None
    published_at: datetime | None = None
    progress: list[QuarterProgress] = Field(default_factory=list)
    scores: dict[str, float] = Field(default_factory=dict)
    score: float | None = None
    grade: str | None = None
    evaluated_at: datetime | None = None


class ServiceRecordInput(BaseModel):
    """Put one service entry in the ledger and count it as the member's community activity."""

    member_id: str
    year: int
    case_id: str
    event_key: str
    community_id: str | None = None
    held_on: date
    category: str
    category_label: str
    hours: float
    description: str = ""
    evidence: list[str] = Field(default_factory=list)


class ServiceRecordResult(BaseModel):
    recorded: bool = Field(description="False when the entry was already in the ledger.")
    counted_as_activity: bool = Field(description="Also in member_activities (P1's evidence).")
