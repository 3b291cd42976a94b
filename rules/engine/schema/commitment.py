"""``rules/commitment.yaml`` — P5 党员亮相承诺: categories, number of items, the yearly cycle,
branch review, progress alerts and the year-end evaluation."""

from typing import Annotated, Literal

from pydantic import Field, model_validator

from models.duration import Duration
from rules.engine import sites
from rules.engine.schema.common import (
    Basis,
    DueRule,
    GradeScaleRef,
    MonthDay,
    Name,
    RoleRef,
    RuleId,
    RuleModel,
    TaskRule,
    cel_field,
)

ProgressExpr = Annotated[str, sites.P5_PROGRESS, cel_field(sites.P5_PROGRESS)]
Evaluator = Literal["self", "members", "residents", "organisation"]


class Category(RuleModel):
    label: str
    basis: Basis = None


class Items(RuleModel):
    min: int = Field(ge=1)
    max: int = Field(ge=1)
    basis: Basis = None

    @model_validator(mode="after")
    def _ordered(self) -> "Items":
        if self.min > self.max:
            raise ValueError("min must not be above max")
        return self


class ReviewDue(DueRule):
    anchor: Literal["submitted_at"] = "submitted_at"
    not_later_than: None = None


class ReviewTask(TaskRule):
    due: ReviewDue


class Cycle(RuleModel):
    commit_by: MonthDay = Field(description="承诺提交截止 (Q1)")
    publish_within: Duration = Field(description="审核通过后公示期限")
    progress_every: Duration = Field(description="进度公示周期")
    evaluation_opens: MonthDay
    evaluation_closes: MonthDay
    basis: Basis = None


class ProgressAlert(RuleModel):
    id: RuleId
    label: str
    when: ProgressExpr
    notify: RoleRef
    basis: Basis = None


class Threshold(RuleModel):
    grade: str
    min_score: float = Field(ge=0, le=100)


class Evaluation(RuleModel):
    weights: dict[Evaluator, float] = Field(description="评价权重，合计为 1 (weights, sum 1)")
    scale: GradeScaleRef
    thresholds: tuple[Threshold, ...] = Field(
        min_length=1, description="得分达到 min_score 即评为该等次，由高到低"
    )
    basis: Basis = None

    @model_validator(mode="after")
    def _weights(self) -> "Evaluation":
        total = sum(self.weights.values())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"weights must add up to 1, not {total:g}")
        scores = [t.min_score for t in self.thresholds]
        if scores != sorted(scores, reverse=True):
            raise ValueError("thresholds must go from the highest min_score down")
        return self


class CommitmentRules(RuleModel):
    """P5 党员亮相承诺."""

    categories: dict[Name, Category]
    items: Items
    cycle: Cycle
    review_task: ReviewTask
    progress_alerts: tuple[ProgressAlert, ...] = ()
    evaluation: Evaluation
