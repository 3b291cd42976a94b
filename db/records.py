"""Registry records as other systems send them (events) and offices keep them (import files)."""

from datetime import date

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from db.vocab import Credential, Education, Gender, MemberKind, OrgType, WorkerPost


class Record(BaseModel):
    """A registry record: blank strings are stripped, unknown fields ignored (events carry more)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)


class StreetRecord(Record):
    street_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)
    county: str | None = None


class CommunityRecord(Record):
    community_id: str = Field(min_length=1, max_length=64)
    street_id: str
    name: str = Field(min_length=1)
    resident_population: int | None = Field(default=None, ge=0)
    address: str | None = None


class GridRecord(Record):
    grid_id: str = Field(min_length=1, max_length=64)
    community_id: str
    name: str = Field(min_length=1)
    branch_name: str | None = None


class BuildingRecord(Record):
    building_id: str = Field(min_length=1, max_length=64)
    grid_id: str
    number: str = Field(min_length=1)
    address: str = Field(min_length=1)
    unit_count: int | None = Field(default=None, ge=1)


class HouseholdRecord(Record):
    household_id: str = Field(min_length=1, max_length=64)
    building_id: str
    host_member_id: str
    unit: str | None = None
    capacity: int = Field(ge=1)


class HouseholdAssignmentRecord(Record):
    household_id: str
    member_id: str
    assigned_on: date
    ended_on: date | None = None


class OrganisationRecord(Record):
    """The data of ``org.registered`` (and of a row of the 组织 sheet)."""

    org_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)
    type: OrgType
    community_id: str
    registered_on: date | None = None
    credit_code: str | None = None
    address: str | None = None
    has_party_org: bool = False
    has_liaison: bool = False
    contact_person: str | None = None
    contact_phone: str | None = None


class OrganisationUpdate(Record):
    """The data of ``org.updated``: only the fields given change."""

    org_id: str
    name: str | None = None
    type: OrgType | None = None
    community_id: str | None = None
    registered_on: date | None = None
    credit_code: str | None = None
    address: str | None = None
    has_party_org: bool | None = None
    has_liaison: bool | None = None
    contact_person: str | None = None
    contact_phone: str | None = None


class MembershipRecord(Record):
    """A spell in a community's 大党委, as ``org.joined_big_committee`` reports one."""

    org_id: str
    community_id: str
    joined_on: date = Field(validation_alias=AliasChoices("joined_on", "date"))
    left_on: date | None = None


class OrgActivityRecord(Record):
    org_id: str
    community_id: str
    held_on: date
    activity: str = Field(min_length=1)


class MemberRecord(Record):
    """A Party member; ``member.registered`` sends the fields of a floating one."""

    member_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)
    kind: MemberKind = MemberKind.FLOATING
    gender: Gender | None = None
    birth_date: date | None = None
    community_id: str | None = None
    phone: str | None = None
    id_number: str | None = None
    joined_party_on: date | None = None
    employer_org_id: str | None = None
    position: str | None = None
    home_org: str | None = None
    credential: Credential | None = None
    occupation: str | None = None
    building_id: str | None = None
    unit: str | None = None
    room: str | None = None
    address: str | None = None
    arrived_on: date | None = None
    status: str = "active"

    @model_validator(mode="after")
    def _fits_kind(self) -> "MemberRecord":
        problems = member_problems(self.kind, self.home_org, self.credential, self.employer_org_id)
        if problems:
            raise ValueError("; ".join(f"{field}: {message}" for field, message in problems))
        return self


def member_problems(
    kind: MemberKind,
    home_org: str | None,
    credential: Credential | None,
    employer_org_id: str | None,
) -> list[tuple[str, str]]:
    """Fields a member of this kind must have but lacks, as (field, message) pairs."""
    problems: list[tuple[str, str]] = []
    if kind is MemberKind.FLOATING:
        if not home_org:
            problems.append(("home_org", "流动党员须填写流出地党组织"))
        if credential is None:
            problems.append(("credential", "流动党员须填写证明材料（介绍信、证明信或活动证）"))
    if kind is MemberKind.IN_SERVICE_CADRE and not employer_org_id:
        problems.append(("employer_org_id", "在职党员须填写工作单位编号"))
    return problems


class ReportInRecord(Record):
    """在职党员社区报到."""

    member_id: str
    community_id: str
    reported_on: date


class MemberActivityRecord(Record):
    """A community activity or volunteer service of a member (``service.logged``)."""

    member_id: str
    community_id: str
    held_on: date
    activity: str = Field(min_length=1)
    category: str | None = None
    hours: float = Field(default=0.0, ge=0)


class WorkerRecord(Record):
    worker_id: str = Field(min_length=1, max_length=64)
    community_id: str
    name: str = Field(min_length=1)
    gender: Gender | None = None
    birth_date: date
    post: WorkerPost
    title: str | None = None
    education: Education
    is_party_member: bool = False
    has_social_work_cert: bool = False
    grade: int = Field(ge=1, le=18)
    hired_on: date
    phone: str | None = None
