"""``rules/dual_assessment.yaml`` — P1 双向考核: scope, consulted organisation, evidence, grade
constraints and the opinion task."""

from typing import Annotated, Literal

from pydantic import Field

from rules.engine import sites
from rules.engine.schema.common import (
    Basis,
    DueRule,
    GradeScaleRef,
    Name,
    OrgTypeRef,
    Ref,
    RoleRef,
    RuleId,
    RuleModel,
    TaskRule,
    cel_field,
)

SubjectType = Literal["unit", "cadre"]
OccasionRef = Annotated[str, Ref("occasion"), Field(description="考核事由 (occasions above)")]
ScopeExpr = Annotated[str, sites.P1_SCOPE, cel_field(sites.P1_SCOPE)]
ConsultedOrgExpr = Annotated[str, sites.P1_CONSULTED_ORG, cel_field(sites.P1_CONSULTED_ORG)]
EvidenceExpr = Annotated[str, sites.P1_EVIDENCE, cel_field(sites.P1_EVIDENCE)]
GradeExpr = Annotated[str, sites.P1_GRADE, cel_field(sites.P1_GRADE)]


class ScopeRule(RuleModel):
    """Subjects this rule brings in scope: all given conditions must hold."""

    id: RuleId
    label: str
    subject_type: SubjectType
    org_types: tuple[OrgTypeRef, ...] = Field((), description="单位类型；空表示不限 (empty: any)")
    occasions: tuple[OccasionRef, ...] = Field((), description="考核事由；空表示全部")
    when: ScopeExpr | None = None
    basis: Basis = None


class ConsultRule(RuleModel):
    """Which community organisation gives the opinion; the first rule that applies wins."""

    id: RuleId
    label: str
    subject_type: SubjectType
    when: ScopeExpr | None = None
    org: ConsultedOrgExpr
    basis: Basis = None


class EvidenceItem(RuleModel):
    """A piece of evidence shown with the opinion task and usable in grade constraints."""

    id: RuleId
    label: str
    subject_type: SubjectType
    value: EvidenceExpr
    basis: Basis = None


class GradeConstraint(RuleModel):
    """When ``when`` holds, no grade better than ``best_allowed`` may be given."""

    id: RuleId
    label: str
    subject_type: SubjectType
    when: GradeExpr
    best_allowed: str = Field(description="允许的最高等次 (a grade of the subject's scale)")
    reason: str = Field(description="向评议人显示的理由 (shown to the person grading)")
    basis: Basis = None


class OpinionDue(DueRule):
    anchor: Literal["opened_at", "closes_at"] = Field(
        description="opened_at 案件开始 | closes_at 考核截止"
    )
    not_later_than: Literal["opened_at", "closes_at"] | None = None


class OpinionTask(TaskRule):
    """The community organisation's opinion: due date, reminders, escalation, deadline policy."""

    due: OpinionDue
    on_deadline: Literal["close_without_opinion", "hold"] = Field(
        description="逾期未出具意见：close_without_opinion 标记后结案 | hold 挂起待补或授权放行"
    )
    override_roles: tuple[RoleRef, ...] = Field(
        ("street_committee",), description="hold 时可授权放行的角色 roles that may override"
    )


class GradeScales(RuleModel):
    unit: GradeScaleRef
    cadre: GradeScaleRef


class DualAssessmentRules(RuleModel):
    """P1 双向考核."""

    occasions: dict[Name, str] = Field(description="考核事由 occasion id → 名称")
    grade_scales: GradeScales
    scope: tuple[ScopeRule, ...] = Field(min_length=1)
    consulted_org: tuple[ConsultRule, ...] = Field(min_length=1)
    no_consulted_org: Literal["manual_task", "out_of_scope"] = Field(
        "manual_task", description="找不到征求意见的社区时：manual_task 人工指定 | out_of_scope"
    )
    evidence: tuple[EvidenceItem, ...] = ()
    grade_constraints: tuple[GradeConstraint, ...] = ()
    opinion_task: OpinionTask
