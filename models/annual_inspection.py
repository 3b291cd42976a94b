"""Payloads of P2 年检登记: the event data the workflow reads, the registry facts activity, the
sign-off and its conditions, and the case's statuses."""

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from models.duration import Duration
from rules.engine.facts import OrgFacts


class InspectionStatus(StrEnum):
    """Where an annual inspection stands (GrStatus)."""

    OPENING = "opening"
    AWAITING_SIGNOFF = "awaiting_signoff"
    SIGNOFF_OVERDUE = "signoff_overdue"
    DENIED = "denied"
    CONDITIONAL = "conditional"
    CONDITION_OVERDUE = "condition_overdue"
    CLEARED = "cleared"
    BLOCKED = "blocked"
    NOT_REQUIRED = "not_required"
    REJECTED = "rejected"


INSPECTION_STATUS_LABELS: dict[str, str] = {
    InspectionStatus.OPENING: "受理中",
    InspectionStatus.AWAITING_SIGNOFF: "待社区签署意见",
    InspectionStatus.SIGNOFF_OVERDUE: "签署逾期，督办中",
    InspectionStatus.DENIED: "未通过，待整改后再次申请",
    InspectionStatus.CONDITIONAL: "附条件通过，跟踪条件落实",
    InspectionStatus.CONDITION_OVERDUE: "签署条件逾期未落实，督办中",
    InspectionStatus.CLEARED: "已放行",
    InspectionStatus.BLOCKED: "已阻断",
    InspectionStatus.NOT_REQUIRED: "无需社区签署",
    InspectionStatus.REJECTED: "事件数据有误，未受理",
}


class InspectionRequested(BaseModel):
    """``grassroots.inspection.requested`` data; other fields are facts the sender knows."""

    model_config = ConfigDict(extra="allow")

    org_id: str = Field(min_length=1)
    year: int = Field(ge=2000, le=2100)

    @property
    def hints(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


CONDITION_KINDS = ("join_big_committee", "other")
_STRICT = "strict_conditions"
STRICT_CONDITIONS = {_STRICT: True}
"""Validation context under which a condition with a field ``ConditionSpec`` does not know is
refused rather than the field dropped: what the sign-off update's validator asks for. Without it
(the update's handler, signals, replay) such fields are ignored, as cases accepted them."""


class ConditionSpec(BaseModel):
    """A condition of a conditional sign-off, as the signer writes it.

    ``join_big_committee`` is met by ``org.joined_big_committee``; any other condition is met when
    the community signs off without conditions. A field it does not know is dropped, or refused
    under ``STRICT_CONDITIONS``.
    """

    model_config = ConfigDict(extra="ignore")

    text: str = Field(min_length=1)
    kind: Literal["join_big_committee", "other"] = "other"
    within: Duration | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            return {"text": value}
        if isinstance(value, dict) and info.context and info.context.get(_STRICT):
            unknown = [str(key) for key in value if key not in cls.model_fields]
            if unknown:
                raise PydanticCustomError(
                    "unknown_condition_field",
                    "条件含无法识别的字段 {unknown}（可用：{known}）",
                    {"unknown": "、".join(unknown), "known": "、".join(cls.model_fields)},
                )
        return value


class SignoffSubmitted(BaseModel):
    """``grassroots.inspection.signoff`` data."""

    model_config = ConfigDict(extra="ignore")

    decision: Literal["granted", "denied", "conditional"]
    reasons: list[str] = Field(default_factory=list)
    conditions: list[ConditionSpec] = Field(default_factory=list)
    actor: str = Field(min_length=1)

    @field_validator("reasons", mode="before")
    @classmethod
    def _one_reason(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("conditions", mode="before")
    @classmethod
    def _one_condition(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | dict) else value

    @model_validator(mode="after")
    def _complete(self) -> "SignoffSubmitted":
        self.reasons = [r.strip() for r in self.reasons if r.strip()]
        if self.decision == "denied" and not self.reasons:
            raise ValueError("不予通过须写明理由 (a denial needs reasons)")
        if self.decision == "conditional" and not self.conditions:
            raise ValueError("附条件通过须写明条件 (a conditional sign-off needs conditions)")
        return self


class Condition(BaseModel):
    """A condition being followed up: its task, due time and state."""

    task_id: str
    text: str
    kind: str
    status: Literal["open", "met", "lapsed"] = "open"


class OrgFactsInput(BaseModel):
    """Gather what the registry knows of an organisation for ``year``, as of ``as_of``."""

    org_id: str
    year: int
    as_of: date
    hints: dict[str, Any] = Field(default_factory=dict)


class OrgFactsResult(BaseModel):
    """The facts the P2 deciders read, and where each came from."""

    known: bool
    facts: OrgFacts
    label: str | None = None
    sources: dict[str, str] = Field(default_factory=dict)
