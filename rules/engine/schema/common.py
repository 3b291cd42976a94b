"""Building blocks shared by every rule file's schema: the base model, names, references, CEL
fields, due-date rules and deadline tasks."""

from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

from models.duration import Duration
from rules.engine.sites import Site


class RuleModel(BaseModel):
    """Every rule-file model: immutable, and unknown keys are errors (a typo must not pass)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True, slots=True)
class Ref:
    """Marks a field whose value names something defined elsewhere (checked at load time)."""

    kind: str


def cel_field(site: Site) -> FieldInfo:
    """Field metadata for a CEL expression at ``site`` (editors show the variables)."""
    info: FieldInfo = Field(
        min_length=1, description=site.describe(), json_schema_extra={"x-cel-site": site.name}
    )
    return info


def _month_day(value: str) -> str:
    month, day = (int(part) for part in value.split("-"))
    days_in_month = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    if not 1 <= month <= 12 or not 1 <= day <= days_in_month[month - 1]:
        raise ValueError(f"{value!r} is not a day of the year (MM-DD)")
    return value


Name = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="英文标识：小写字母、数字、下划线 (lowercase identifier)",
    ),
]
RuleId = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="规则编号，在本文件内唯一；出现在决策记录中 (rule id, unique in the file)",
    ),
]
MonthDay = Annotated[
    str,
    Field(pattern=r"^\d\d-\d\d$", description="月-日 MM-DD, e.g. 06-30"),
    AfterValidator(_month_day),
]
Basis = Annotated[
    str | None,
    Field(description="依据：法规、文件或本地做法 (basis: the regulation or local practice)"),
]
OrgTypeRef = Annotated[
    str, Ref("org_type"), Field(description="组织类型或类型组 (an org type or group, shared.yaml)")
]
RoleRef = Annotated[str, Ref("role"), Field(description="角色 (a role from shared.yaml)")]
ScheduleRef = Annotated[
    str, Ref("schedule"), Field(description="提醒方案名 (a reminder schedule in shared.yaml)")
]
LadderRef = Annotated[
    str, Ref("ladder"), Field(description="督办升级方案名 (an escalation ladder in shared.yaml)")
]
GradeScaleRef = Annotated[
    str, Ref("grade_scale"), Field(description="等次表名 (a grade scale in shared.yaml)")
]
OccupationGroupRef = Annotated[
    str, Ref("occupation_group"), Field(description="职业组名 (an occupation group, shared.yaml)")
]
Share = Annotated[float, Field(ge=0, le=1, description="比例 0–1 (a share, 0.5 = 50%)")]


class DueRule(RuleModel):
    """A due time: an anchor moved ``before`` or ``after`` by a duration, optionally capped."""

    anchor: str = Field(description="起算时点 the time the duration counts from")
    before: Duration | None = Field(None, description="提前量 e.g. 5wd (5 working days before)")
    after: Duration | None = Field(None, description="期限 e.g. 10wd (10 working days after)")
    not_later_than: str | None = Field(None, description="不晚于此时点 a cap (another anchor)")

    @model_validator(mode="after")
    def _one_offset(self) -> "DueRule":
        if (self.before is None) == (self.after is None):
            raise ValueError("give exactly one of before, after")
        return self


class Extension(RuleModel):
    """Who may approve an extension, and how many a task may get."""

    max: int = Field(2, ge=0, description="最多延期次数 maximum extensions")
    approvers: tuple[RoleRef, ...] = Field(
        ("street_committee",), description="审批延期的角色 roles that approve an extension"
    )


class TaskRule(RuleModel):
    """A task waiting on a person: due time, reminders, escalation ladder and extensions."""

    title: str = Field(description="任务名称，显示在待办中 (task title in the inbox)")
    due: DueRule
    reminders: ScheduleRef
    escalation: LadderRef
    extension: Extension = Extension()
    basis: Basis = None


class GradeScale(RuleModel):
    """An ordered grade scale, best first (优秀 before 称职)."""

    label: str
    grades: tuple[str, ...] = Field(min_length=2, description="等次，由高到低 (best first)")
    basis: Basis = None

    @model_validator(mode="after")
    def _unique(self) -> "GradeScale":
        if len(set(self.grades)) != len(self.grades):
            raise ValueError("grades must be distinct")
        return self
