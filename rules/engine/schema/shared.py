"""``rules/shared.yaml``: calendar, roles, org types and groups, occupation groups, grade scales,
reminder schedules and escalation ladders that the process files refer to by name."""

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from models.deadline import EscalationStep, Reminder
from rules.engine.schema.common import Basis, GradeScale, Name, OrgTypeRef, RuleModel


class Calendar(RuleModel):
    """Which days count as working days, and the local time zone for dates."""

    timezone: str = Field("Asia/Shanghai", description="时区 IANA time zone")
    working_days: Literal["china_official", "monday_to_friday"] = Field(
        "china_official",
        description=(
            "china_official: 国务院办公厅节假日安排（含调休）; monday_to_friday: 周一至周五"
        ),
    )
    basis: Basis = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from exc
        return value


class Labelled(RuleModel):
    """A named thing with its Chinese label."""

    label: str
    description: str | None = None
    basis: Basis = None


class OrgTypeGroup(RuleModel):
    """A group of org types (and other groups) that rules can refer to by one name."""

    label: str
    members: tuple[OrgTypeRef, ...] = Field(min_length=1)
    basis: Basis = None


class OccupationGroup(RuleModel):
    """Occupations treated alike, e.g. the new sectors (快递员, 外卖骑手)."""

    label: str
    occupations: tuple[str, ...] = Field(min_length=1)
    basis: Basis = None


class SharedRules(RuleModel):
    """Definitions every process file may use."""

    calendar: Calendar = Calendar()
    roles: dict[Name, Labelled] = Field(description="角色 roles that tasks and ladders address")
    org_types: dict[Name, Labelled] = Field(description="组织类型 organisation types")
    org_type_groups: dict[Name, OrgTypeGroup] = Field(
        default_factory=dict, description="组织类型组 groups of org types (may nest, no cycles)"
    )
    occupation_groups: dict[Name, OccupationGroup] = Field(default_factory=dict)
    grade_scales: dict[Name, GradeScale] = Field(description="等次表 grade scales, best first")
    reminder_schedules: dict[Name, tuple[Reminder, ...]] = Field(
        description="提醒方案 reminder schedules (points of a task's window)"
    )
    escalation_ladders: dict[Name, tuple[EscalationStep, ...]] = Field(
        description="督办升级方案 escalation ladders: 普通 → 黄牌 → 红牌"
    )
