"""``rules/community_worker.yaml`` — P4 社区工作者成长激励: recruitment, training, annual
assessment, 三岗十八级 grade steps, Party development and workforce targets."""

from typing import Annotated, Literal

from pydantic import Field, model_validator

from models.duration import Duration
from rules.engine import sites
from rules.engine.schema.common import (
    Basis,
    GradeScaleRef,
    LadderRef,
    MonthDay,
    RuleId,
    RuleModel,
    ScheduleRef,
    Share,
    cel_field,
)

Post = Literal["head", "deputy", "staff"]
Education = Literal["high_school", "college", "bachelor", "master", "doctorate"]
EligibilityExpr = Annotated[str, sites.P4_ELIGIBILITY, cel_field(sites.P4_ELIGIBILITY)]
StepExpr = Annotated[str, sites.P4_STEP, cel_field(sites.P4_STEP)]
PartyExpr = Annotated[str, sites.P4_PARTY, cel_field(sites.P4_PARTY)]


class Stage(RuleModel):
    id: RuleId
    label: str
    within: Duration | None = Field(None, description="本阶段办理时限 time limit of the stage")
    at_least: Duration | None = Field(None, description="本阶段最短期限 minimum time in the stage")
    basis: Basis = None


class Requirement(RuleModel):
    id: RuleId
    label: str
    when: EligibilityExpr
    basis: Basis = None


class Recruitment(RuleModel):
    methods: dict[Literal["open_exam", "selection"], str] = Field(description="招录方式")
    stages: tuple[Stage, ...] = Field(min_length=1)
    probation: Duration
    requirements: tuple[Requirement, ...] = ()


class Training(RuleModel):
    annual_minimum_hours: float = Field(gt=0, description="年度培训最低学时")
    check_on: MonthDay = Field(description="年度学时检查日")
    reminders: ScheduleRef
    escalation: LadderRef
    basis: Basis = None


class Assessment(RuleModel):
    scale: GradeScaleRef
    opens: MonthDay
    closes: MonthDay
    caps: dict[str, Share] = Field(default_factory=dict, description="等次比例上限 e.g. 优秀: 0.2")
    basis: Basis = None


class PostGrades(RuleModel):
    label: str
    lowest: int = Field(ge=1, le=18)
    highest: int = Field(ge=1, le=18)
    basis: Basis = None

    @model_validator(mode="after")
    def _ordered(self) -> "PostGrades":
        if self.lowest > self.highest:
            raise ValueError("lowest must not be above highest")
        return self


class StepRule(RuleModel):
    """How many grades a worker moves when the step interval is reached; first match wins."""

    id: RuleId
    label: str
    when: StepExpr
    steps: int = Field(ge=0, le=3)
    basis: Basis = None


class Steps(RuleModel):
    every: Duration = Field(description="晋档周期 step interval")
    rules: tuple[StepRule, ...] = Field(min_length=1)
    education_credits: dict[Education, Duration] = Field(
        default_factory=dict, description="学历折算工作年限 service credited for education"
    )
    basis: Basis = None


class PartyDevelopment(RuleModel):
    approach_when: PartyExpr
    stages: tuple[Stage, ...] = Field(min_length=1)
    basis: Basis = None


class WorkforceFigures(RuleModel):
    """Workforce structure: targets are a ceiling for the age and floors for the shares."""

    secretary_average_age: float | None = Field(None, description="书记平均年龄（目标为上限）")
    bachelor_share: Share | None = Field(None, description="本科及以上学历占比（目标为下限）")
    party_member_share: Share | None = Field(None, description="党员占比（目标为下限）")
    certificate_share: Share | None = Field(None, description="持证社工占比（目标为下限）")


class WorkforceTargets(WorkforceFigures):
    workers_per_10k_residents: float | None = Field(
        None, gt=0, description="每万城镇常住人口社区工作者数（下限）"
    )
    max_per_community: int | None = Field(None, ge=1, description="每个社区工作者人数上限")


class Workforce(RuleModel):
    targets: WorkforceTargets
    baseline: WorkforceFigures = Field(description="基线：稷山县调研数据 (the seed's figures)")
    basis: Basis = None


class CommunityWorkerRules(RuleModel):
    """P4 社区工作者成长激励."""

    recruitment: Recruitment
    training: Training
    assessment: Assessment
    posts: dict[Post, PostGrades]
    steps: Steps
    party_development: PartyDevelopment
    workforce: Workforce
