"""``rules/annual_inspection.yaml`` — P2 年检登记: scope, statutory windows, checklist, the
sign-off task, conditional sign-offs and remediation."""

from typing import Annotated, Literal

from pydantic import Field

from models.duration import Duration
from rules.engine import sites
from rules.engine.schema.common import (
    Basis,
    DueRule,
    LadderRef,
    MonthDay,
    OrgTypeRef,
    RuleId,
    RuleModel,
    ScheduleRef,
    TaskRule,
    cel_field,
)

ExemptionExpr = Annotated[str, sites.P2_EXEMPTION, cel_field(sites.P2_EXEMPTION)]
ChecklistExpr = Annotated[str, sites.P2_CHECKLIST, cel_field(sites.P2_CHECKLIST)]


class Exemption(RuleModel):
    """An organisation for which this rule holds is not inspected this year."""

    id: RuleId
    label: str
    org_types: tuple[OrgTypeRef, ...] = Field((), description="适用类型；空表示全部")
    when: ExemptionExpr
    basis: Basis = None


class Scope(RuleModel):
    org_types: tuple[OrgTypeRef, ...] = Field(min_length=1, description="纳入年检征求意见的类型")
    exemptions: tuple[Exemption, ...] = ()


class StatutoryWindow(RuleModel):
    """The period in which the organisation files with its registering authority."""

    id: RuleId
    label: str
    org_types: tuple[OrgTypeRef, ...] = Field(min_length=1)
    opens: MonthDay
    closes: MonthDay
    authority: str = Field(description="登记/报送机关 the registering authority")
    basis: Basis = None


class ChecklistItem(RuleModel):
    """One check against the registry, each recorded pass/fail with its trace."""

    id: RuleId
    label: str
    pass_when: ChecklistExpr
    required: bool = Field(True, description="未通过是否影响签署建议 (counts against sign-off)")
    basis: Basis = None


SignoffAnchor = Literal["requested_at", "window_closes"]


class SignoffDue(DueRule):
    anchor: SignoffAnchor = Field(description="requested_at 申请时 | window_closes 法定期限截止")
    not_later_than: SignoffAnchor | None = None


class SignoffTask(TaskRule):
    due: SignoffDue
    on_deadline: Literal["hold", "block"] = Field(
        description="逾期未签署：hold 继续等待并督办 | block 以“社区未签署”为由阻断"
    )


class Conditional(RuleModel):
    """Follow-up of a conditional sign-off (e.g. join the 大党委 within 30 days)."""

    default_within: Duration = Field(description="条件默认期限 default time to meet a condition")
    max_within: Duration = Field(description="条件最长期限 the longest time a signer may give")
    reminders: ScheduleRef
    escalation: LadderRef
    on_lapse: Literal["block", "hold"] = Field(
        description="条件逾期未满足：block 阻断放行 | hold 挂起督办"
    )
    basis: Basis = None


class Remediation(RuleModel):
    """A denied organisation may remediate and ask again."""

    allowed: bool = True
    max_requests: int = Field(3, ge=1, description="每年最多申请次数 requests per year")
    until: Literal["window_closes"] = Field("window_closes", description="可重新申请至法定期限截止")
    basis: Basis = None


class AnnualInspectionRules(RuleModel):
    """P2 年检登记."""

    scope: Scope
    statutory_windows: tuple[StatutoryWindow, ...] = Field(min_length=1)
    checklist: tuple[ChecklistItem, ...] = Field(min_length=1)
    signoff_task: SignoffTask
    conditional: Conditional
    remediation: Remediation = Remediation()
    coverage_org_types: tuple[OrgTypeRef, ...] = Field(
        min_length=1, description="覆盖率报表统计的类型 org types the coverage report lists"
    )
