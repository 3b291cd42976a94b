"""Payloads of P1 双向考核: the event data the workflow reads, the registry facts activity and
the case's statuses."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rules.engine.facts import SubjectFacts


class AssessmentStatus(StrEnum):
    """Where a dual assessment stands (GrStatus)."""

    OPENING = "opening"
    AWAITING_ASSIGNMENT = "awaiting_assignment"
    AWAITING_OPINION = "awaiting_opinion"
    HELD = "held"
    OPINION_READY = "opinion_ready"
    CLOSED = "closed"
    CLOSED_WITHOUT_OPINION = "closed_without_opinion"
    OVERRIDDEN = "overridden"
    OUT_OF_SCOPE = "out_of_scope"
    REJECTED = "rejected"


ASSESSMENT_STATUS_LABELS: dict[str, str] = {
    AssessmentStatus.OPENING: "受理中",
    AssessmentStatus.AWAITING_ASSIGNMENT: "待指定征求意见社区",
    AssessmentStatus.AWAITING_OPINION: "待社区出具意见",
    AssessmentStatus.HELD: "逾期挂起（待补交意见或授权放行）",
    AssessmentStatus.OPINION_READY: "意见已反馈，待考核结束",
    AssessmentStatus.CLOSED: "已结案",
    AssessmentStatus.CLOSED_WITHOUT_OPINION: "未出具意见结案（已标记）",
    AssessmentStatus.OVERRIDDEN: "授权放行结案",
    AssessmentStatus.OUT_OF_SCOPE: "不属征求意见范围",
    AssessmentStatus.REJECTED: "事件数据有误，未受理",
}


class AssessmentOpened(BaseModel):
    """``grassroots.assessment.opened`` data; other fields are facts the sender knows."""

    model_config = ConfigDict(extra="allow")

    subject_type: Literal["unit", "cadre"]
    subject_id: str = Field(min_length=1)
    occasion: str = Field(min_length=1)
    period: str = Field(min_length=1)
    closes_at: datetime

    @property
    def hints(self) -> dict[str, Any]:
        """The extra fields: facts about the subject for when the registry does not know it."""
        return dict(self.model_extra or {})


class OpinionSubmitted(BaseModel):
    """``grassroots.assessment.opinion_submitted`` data."""

    model_config = ConfigDict(extra="ignore")

    grade: str = Field(min_length=1)
    comment: str = ""
    actor: str = Field(min_length=1)


class SubjectFactsInput(BaseModel):
    """Gather what the registry knows of a unit or cadre for ``year``, as of ``as_of``."""

    subject_type: Literal["unit", "cadre"]
    subject_id: str
    year: int
    as_of: date
    hints: dict[str, Any] = Field(
        default_factory=dict, description="Facts from the event, used where the registry is silent."
    )


class SubjectFactsResult(BaseModel):
    """The facts the P1 deciders read, and where each came from."""

    known: bool = Field(description="Whether the registry knows the subject.")
    facts: SubjectFacts
    label: str | None = Field(
        default=None, description="Unit name, or the cadre's masked name, for case lists."
    )
    sources: dict[str, str] = Field(
        default_factory=dict, description="Fact name → 'registry' or 'event'."
    )
