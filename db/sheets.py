"""The registry's spreadsheet layout: one sheet (or CSV file) per kind, with Chinese headers."""

from dataclasses import dataclass

from db.cells import DAY, NUMBER, TEXT, YES_NO, YES_NO_OR_UNKNOWN, CellType, Choice, Integer
from db.vocab import (
    CREDENTIAL_LABELS,
    EDUCATION_LABELS,
    GENDER_LABELS,
    MEMBER_KIND_LABELS,
    ORG_TYPE_LABELS,
    ORG_TYPE_SYNONYMS,
    WORKER_POST_LABELS,
)

# Columns offices often add that carry nothing to import.
IGNORED_HEADERS = frozenset({"序号", "备注"})
# Sheets a workbook may carry for people, not for the import.
IGNORED_SHEETS = frozenset({"说明", "填表说明"})


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its header, the record field it fills, its cell type, and what it refers to."""

    header: str
    field: str
    type: CellType = TEXT
    required: bool = False
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Sheet:
    """One kind of registry row; ``key`` fields identify a row (no two rows may share them)."""

    name: str
    alias: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def column(self, field: str) -> Column:
        """The column that fills ``field``."""
        return next(c for c in self.columns if c.field == field)


# What a reference names, in the words of an error message.
REF_NOUNS = {
    "street": "街道",
    "community": "社区",
    "grid": "网格",
    "building": "楼栋",
    "organisation": "组织",
    "member": "党员",
    "household": "党员中心户",
}
# References that may be given by name as well as by id.
BY_NAME = frozenset({"street", "community"})

GENDER = Choice("性别", GENDER_LABELS)
ORG_TYPE = Choice("组织类型", ORG_TYPE_LABELS, ORG_TYPE_SYNONYMS)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "街道",
        "streets",
        (
            Column("街道编号", "street_id", required=True),
            Column("街道名称", "name", required=True),
            Column("所属县区", "county"),
        ),
        key=("street_id",),
    ),
    Sheet(
        "社区",
        "communities",
        (
            Column("社区编号", "community_id", required=True),
            Column("社区名称", "name", required=True),
            Column("所属街道", "street_id", required=True, ref="street"),
            Column("常住人口", "resident_population", Integer(0, unit="人")),
            Column("地址", "address"),
        ),
        key=("community_id",),
    ),
    Sheet(
        "网格",
        "grids",
        (
            Column("网格编号", "grid_id", required=True),
            Column("网格名称", "name", required=True),
            Column("所属社区", "community_id", required=True, ref="community"),
            Column("网格党支部", "branch_name"),
        ),
        key=("grid_id",),
    ),
    Sheet(
        "楼栋",
        "buildings",
        (
            Column("楼栋编号", "building_id", required=True),
            Column("所属网格编号", "grid_id", required=True, ref="grid"),
            Column("楼号", "number", required=True),
            Column("地址", "address", required=True),
            Column("单元数", "unit_count", Integer(1)),
        ),
        key=("building_id",),
    ),
    Sheet(
        "组织",
        "organisations",
        (
            Column("组织编号", "org_id", required=True),
            Column("组织名称", "name", required=True),
            Column("组织类型", "type", ORG_TYPE, required=True),
            Column("所属社区", "community_id", required=True, ref="community"),
            Column("登记日期", "registered_on", DAY),
            Column("统一社会信用代码", "credit_code"),
            Column("地址", "address"),
            Column("是否建立党组织", "has_party_org", YES_NO),
            Column("是否有党建联络员", "has_liaison", YES_NO),
            Column("联系人", "contact_person"),
            Column("联系电话", "contact_phone"),
            Column("是否加入大党委", "in_big_committee", YES_NO_OR_UNKNOWN),
            Column("加入日期", "joined_on", DAY),
            Column("退出日期", "left_on", DAY),
        ),
        key=("org_id",),
    ),
    Sheet(
        "党员",
        "members",
        (
            Column("党员编号", "member_id", required=True),
            Column("姓名", "name", required=True),
            Column("性别", "gender", GENDER),
            Column("出生日期", "birth_date", DAY),
            Column("党员类别", "kind", Choice("党员类别", MEMBER_KIND_LABELS), True),
            Column("所属社区", "community_id", ref="community"),
            Column("联系电话", "phone"),
            Column("身份证号", "id_number"),
            Column("入党日期", "joined_party_on", DAY),
            Column("工作单位编号", "employer_org_id", ref="organisation"),
            Column("职务", "position"),
            Column("流出地党组织", "home_org"),
            Column("证明材料", "credential", Choice("证明材料", CREDENTIAL_LABELS)),
            Column("职业", "occupation"),
            Column("楼栋编号", "building_id", ref="building"),
            Column("单元", "unit"),
            Column("门牌号", "room"),
            Column("现居住地址", "address"),
            Column("流入日期", "arrived_on", DAY),
        ),
        key=("member_id",),
    ),
    Sheet(
        "党员中心户",
        "households",
        (
            Column("中心户编号", "household_id", required=True),
            Column("楼栋编号", "building_id", required=True, ref="building"),
            Column("户主党员编号", "host_member_id", required=True, ref="member"),
            Column("单元", "unit"),
            Column("联系党员上限", "capacity", Integer(1, unit="人"), True),
        ),
        key=("household_id",),
    ),
    Sheet(
        "中心户联系党员",
        "household_assignments",
        (
            Column("中心户编号", "household_id", required=True, ref="household"),
            Column("党员编号", "member_id", required=True, ref="member"),
            Column("分配日期", "assigned_on", DAY, True),
            Column("结束日期", "ended_on", DAY),
        ),
        key=("household_id", "member_id", "assigned_on"),
    ),
    Sheet(
        "大党委变动记录",
        "memberships",
        (
            Column("组织编号", "org_id", required=True, ref="organisation"),
            Column("所属社区", "community_id", required=True, ref="community"),
            Column("加入日期", "joined_on", DAY, True),
            Column("退出日期", "left_on", DAY),
        ),
        key=("org_id", "community_id", "joined_on"),
    ),
    Sheet(
        "大党委活动",
        "org_activities",
        (
            Column("组织编号", "org_id", required=True, ref="organisation"),
            Column("所属社区", "community_id", required=True, ref="community"),
            Column("活动日期", "held_on", DAY, True),
            Column("活动名称", "activity", required=True),
        ),
        key=("org_id", "held_on", "activity"),
    ),
    Sheet(
        "报到记录",
        "report_ins",
        (
            Column("党员编号", "member_id", required=True, ref="member"),
            Column("报到社区", "community_id", required=True, ref="community"),
            Column("报到日期", "reported_on", DAY, True),
        ),
        key=("member_id", "community_id", "reported_on"),
    ),
    Sheet(
        "活动记录",
        "member_activities",
        (
            Column("党员编号", "member_id", required=True, ref="member"),
            Column("所属社区", "community_id", required=True, ref="community"),
            Column("活动日期", "held_on", DAY, True),
            Column("活动名称", "activity", required=True),
            Column("服务类别", "category"),
            Column("服务时长（小时）", "hours", NUMBER),
        ),
        key=("member_id", "held_on", "activity"),
    ),
    Sheet(
        "社区工作者",
        "workers",
        (
            Column("工作者编号", "worker_id", required=True),
            Column("姓名", "name", required=True),
            Column("性别", "gender", GENDER),
            Column("出生日期", "birth_date", DAY, True),
            Column("所属社区", "community_id", required=True, ref="community"),
            Column("岗位", "post", Choice("岗位", WORKER_POST_LABELS), True),
            Column("职务", "title"),
            Column("学历", "education", Choice("学历", EDUCATION_LABELS), True),
            Column("是否党员", "is_party_member", YES_NO),
            Column("是否持社工证", "has_social_work_cert", YES_NO),
            Column("岗位等级", "grade", Integer(1, 18, unit="级"), True),
            Column("入职日期", "hired_on", DAY, True),
            Column("联系电话", "phone"),
        ),
        key=("worker_id",),
    ),
)

SHEETS_BY_NAME = {sheet.name: sheet for sheet in SHEETS}
SHEETS_BY_ALIAS = {sheet.alias: sheet for sheet in SHEETS}
# Which sheet defines the ids each kind of reference names.
DEFINED_BY = {
    "street": ("streets", "street_id"),
    "community": ("communities", "community_id"),
    "grid": ("grids", "grid_id"),
    "building": ("buildings", "building_id"),
    "organisation": ("organisations", "org_id"),
    "member": ("members", "member_id"),
    "household": ("households", "household_id"),
}


def sheet_for(name: str) -> Sheet | None:
    """The sheet a workbook tab or CSV file stem names, by Chinese name or English alias."""
    name = name.strip()
    return SHEETS_BY_NAME.get(name) or SHEETS_BY_ALIAS.get(name.lower())
