"""The facts rule expressions read: one model per object a CEL variable holds.

These models are the documentation of the variables (the guide and the JSON Schema descriptions
are generated from them) and the shape of the samples every expression is type-checked against
at load time. Workflows may build them to validate what they pass in; evaluation itself takes
plain mappings with the same fields (``model_dump()``), so no pydantic runs in the hot path.
"""

from pydantic import BaseModel, ConfigDict, Field


class _Facts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SubjectFacts(_Facts):
    """P1 考核对象: a resident unit or an in-service cadre, with this period's evidence."""

    subject_type: str = Field("unit", description="unit 驻区单位 | cadre 在职干部")
    id: str = Field("", description="考核对象编号 subject id")
    org_type: str = Field("", description="单位类型 (org type id; '' for a cadre)")
    community_id: str = Field("", description="单位所在社区 the unit's community")
    big_committee_member: bool = Field(False, description="是否大党委成员单位")
    big_committee_activities: int = Field(0, description="本年度参加大党委活动次数")
    party_member: bool = Field(False, description="干部是否党员 (cadre is a Party member)")
    reported_in: bool = Field(False, description="是否已到社区报到 在职党员社区报到")
    report_community_id: str = Field("", description="报到社区 community reported in to")
    residence_community_id: str = Field("", description="居住地社区 community of residence")
    community_activities: int = Field(0, description="本年度参加社区活动次数")
    volunteer_hours: float = Field(0.0, description="本年度志愿服务时长（小时）")
    commitment_grade: str = Field("", description="党员亮相承诺年终评价等次 ('' 无)")


class OrgFacts(_Facts):
    """P2 年检对象: an organisation from the registry."""

    id: str = Field("", description="组织编号 org id")
    org_type: str = Field("", description="组织类型 (org type id)")
    community_id: str = Field("", description="所在社区 community id")
    big_committee_member: bool = Field(False, description="是否大党委成员单位")
    has_party_org: bool = Field(False, description="是否建立党组织")
    has_liaison: bool = Field(False, description="是否有党建联络员/指导员")
    big_committee_activities: int = Field(0, description="本年度参加大党委活动次数")
    months_registered: int = Field(0, description="登记成立满几个月 months since registration")
    employees: int = Field(0, description="从业人员数 employees")
    party_members: int = Field(0, description="正式党员人数 Party members on staff")


class MemberFacts(_Facts):
    """P3 流动党员: an inflowing member as registered, with the household address."""

    id: str = Field("", description="党员编号 member id")
    credential: str = Field("", description="所持凭证 credential id (introduction_letter…)")
    occupation: str = Field("", description="职业 occupation, e.g. 快递员")
    community_id: str = Field("", description="流入社区 community id")
    grid_id: str = Field("", description="网格 grid id")
    building_id: str = Field("", description="楼栋 building id")
    unit: str = Field("", description="单元 unit (stairwell) within the building")
    expected_months: int = Field(0, description="预计外出/流入时长（月）; 0 = 不确定")
    months_settled: int = Field(0, description="在本地固定居住已满几个月")
    abroad: bool = Field(False, description="是否在国（境）外")
    age: int = Field(0, description="年龄 age")


class MentorFacts(_Facts):
    """P3 帮带人候选: a resident member who could mentor the newcomer."""

    id: str = Field("", description="党员编号 member id")
    grid_id: str = Field("", description="网格 grid id")
    building_id: str = Field("", description="楼栋 building id")
    party_years: int = Field(0, description="党龄（年） years of membership")
    mentees: int = Field(0, description="已帮带人数 current mentees")
    age: int = Field(0, description="年龄 age")
    is_central_household: bool = Field(False, description="是否党员中心户")


class AttendanceFacts(_Facts):
    """P3 组织生活参加情况 over the rule set's attendance window."""

    invited: int = Field(0, description="应参加次数 invitations in the window")
    attended: int = Field(0, description="实际参加次数 attendances in the window")
    rate: float = Field(0.0, description="参加率 attended / invited (0 when not invited)")
    consecutive_missed: int = Field(0, description="连续缺席次数 consecutive absences")


class CandidateFacts(_Facts):
    """P4 招录对象: a recruitment candidate."""

    age: int = Field(0, description="年龄 age")
    education: str = Field("", description="学历 high_school|college|bachelor|master|doctorate")
    community_years: float = Field(0.0, description="社区工作经历（年）")
    party_member: bool = Field(False, description="是否党员")
    has_certificate: bool = Field(False, description="是否持社会工作者职业资格证书")


class WorkerFacts(_Facts):
    """P4 社区工作者: post, grade and record."""

    id: str = Field("", description="工作者编号 worker id")
    post: str = Field("staff", description="岗位 head 正职 | deputy 副职 | staff 其他")
    grade: int = Field(1, description="当前等级 (1–18)")
    years_in_grade: float = Field(0.0, description="现等级已满几年")
    education: str = Field("", description="学历 high_school|college|bachelor|master|doctorate")
    party_member: bool = Field(False, description="是否党员")
    age: int = Field(0, description="年龄 age")
    training_hours: float = Field(0.0, description="本年度培训学时")
    last_tier: str = Field("", description="最近一次年度考核等次")
    tiers_since_step: int = Field(0, description="上次晋档以来的年度考核次数")
    good_tiers_since_step: int = Field(0, description="其中称职及以上的次数")
    excellent_tiers_since_step: int = Field(0, description="其中优秀的次数")
    poor_tiers_since_step: int = Field(0, description="其中基本称职及以下的次数")
    has_certificate: bool = Field(False, description="是否持社会工作者职业资格证书")
    applied_to_join: bool = Field(False, description="是否已递交入党申请书")


class ProgressFacts(_Facts):
    """P5 承诺践诺进度 of one member in the current year."""

    quarter: int = Field(1, description="当前季度 1–4")
    items: int = Field(0, description="承诺事项数")
    hours: float = Field(0.0, description="本年度服务时长（小时）")
    logs: int = Field(0, description="本年度服务记录条数")
    items_with_service: int = Field(0, description="已有服务记录的承诺事项数")
    last_service_days: int = Field(0, description="距上次服务天数 days since last service")
