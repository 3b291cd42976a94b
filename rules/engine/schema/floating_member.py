"""``rules/floating_member.yaml`` — P3 流动党员联动帮带: credentials, origin confirmation, branch
assignment down the four levels, mentor pairing, contact cadence, Party life and attendance."""

from typing import Annotated, Literal

from pydantic import Field

from models.duration import Duration
from rules.engine import sites
from rules.engine.schema.common import (
    Basis,
    DueRule,
    LadderRef,
    OccupationGroupRef,
    Ref,
    RoleRef,
    RuleId,
    RuleModel,
    ScheduleRef,
    TaskRule,
    cel_field,
)

CredentialName = Literal["introduction_letter", "certificate_letter", "activity_card"]
CredentialRef = Annotated[CredentialName, Ref("credential")]
Level = Literal["big_committee", "grid_branch", "building_group", "central_household"]
CredentialExpr = Annotated[str, sites.P3_CREDENTIAL, cel_field(sites.P3_CREDENTIAL)]
AssignmentExpr = Annotated[str, sites.P3_ASSIGNMENT, cel_field(sites.P3_ASSIGNMENT)]
MentorExpr = Annotated[str, sites.P3_MENTOR, cel_field(sites.P3_MENTOR)]
AttendanceExpr = Annotated[str, sites.P3_ATTENDANCE, cel_field(sites.P3_ATTENDANCE)]


class Credential(RuleModel):
    """A document a member brings: 介绍信, 证明信 or 流动党员活动证."""

    label: str
    confirm_origin: bool = Field(
        description="是否向原组织核实 (confirm with the home organisation)"
    )
    valid_for: Duration | None = Field(None, description="有效期 validity")
    review_every: Duration | None = Field(None, description="查验周期 periodic review")
    voting_rights: bool = Field(True, description="是否有表决权、选举权、被选举权")
    basis: Basis = None


class CredentialRule(RuleModel):
    """Which credential fits the member's absence; the first rule that applies wins."""

    id: RuleId
    label: str
    when: CredentialExpr
    credential: CredentialRef
    basis: Basis = None


class ConfirmationDue(DueRule):
    anchor: Literal["registered_at"] = "registered_at"
    not_later_than: None = None


class OriginConfirmation(TaskRule):
    due: ConfirmationDue
    on_deadline: Literal["proceed", "hold"] = Field(
        description="原组织逾期未回复：proceed 先行编入 | hold 暂缓"
    )


class AssignmentRule(RuleModel):
    """Where the member goes; the first rule that applies wins."""

    id: RuleId
    label: str
    occupations: OccupationGroupRef | None = Field(None, description="职业组 (shared.yaml)")
    when: AssignmentExpr | None = None
    branch: Literal["new_sector", "grid"] = Field(
        description="new_sector 编入新兴领域党支部 | grid 按住址编入网格党支部"
    )
    to_household: bool = Field(True, description="是否继续落到楼栋党小组和党员中心户")
    basis: Basis = None


class ManualDue(DueRule):
    anchor: Literal["registered_at"] = "registered_at"
    not_later_than: None = None


class ManualAssignment(TaskRule):
    due: ManualDue


class Assignment(RuleModel):
    """Branch assignment down 大党委 → 网格党支部 → 楼栋党小组 → 党员中心户."""

    rules: tuple[AssignmentRule, ...] = Field(min_length=1)
    household_capacity: int = Field(ge=1, description="每户党员中心户联系党员上限（未单独设置时）")
    match_order: tuple[Literal["same_unit", "same_building", "same_grid"], ...] = Field(
        min_length=1, description="党员中心户匹配顺序 household preference, nearest first"
    )
    manual_task: ManualAssignment
    basis: Basis = None


class Mentor(RuleModel):
    """帮带: pair the member with a resident mentor."""

    eligible: MentorExpr
    max_mentees: int = Field(ge=1, description="每名帮带人最多帮带人数")
    prefer: tuple[Literal["same_building", "same_grid", "central_household"], ...] = ()
    basis: Basis = None


class ContactCadence(RuleModel):
    """Contact the member every ``every``, by the organisation at ``by``."""

    id: RuleId
    label: str
    by: Level
    every: Duration
    basis: Basis = None


class Contact(RuleModel):
    cadence: tuple[ContactCadence, ...] = Field(min_length=1)
    abroad_every: Duration = Field(description="国（境）外党员联系周期")
    reminders: ScheduleRef
    escalation: LadderRef
    lost_contact_after: Duration = Field(description="失联认定 no contact for this long")
    transfer_prompt_after: Duration = Field(description="固定居住满此期限提示转接组织关系")
    basis: Basis = None


class Activity(RuleModel):
    id: RuleId
    label: str
    every: Duration
    basis: Basis = None


class AttendanceRule(RuleModel):
    """Escalate when attendance over the window calls for it."""

    id: RuleId
    label: str
    when: AttendanceExpr
    notify: RoleRef
    basis: Basis = None


class PartyLife(RuleModel):
    activities: tuple[Activity, ...] = Field(min_length=1)
    attendance_window: Duration = Field(description="统计参加率的时间窗")
    attendance_rules: tuple[AttendanceRule, ...] = ()


class FloatingMemberRules(RuleModel):
    """P3 流动党员联动帮带."""

    credentials: dict[CredentialName, Credential]
    credential_rules: tuple[CredentialRule, ...] = ()
    origin_confirmation: OriginConfirmation
    assignment: Assignment
    mentor: Mentor
    contact: Contact
    party_life: PartyLife
