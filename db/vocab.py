"""Closed vocabularies of the registry and the case store, with the Chinese labels offices use."""

from enum import StrEnum


class OrgType(StrEnum):
    """Kinds of organisation in a community (seed/README.md glossary)."""

    AGENCY = "agency"
    INSTITUTION = "institution"
    STATE_ENTERPRISE = "state_enterprise"
    NON_PUBLIC_ENTERPRISE = "non_public_enterprise"
    INDIVIDUAL_BUSINESS = "individual_business"
    SOCIAL_ORGANIZATION = "social_organization"
    OWNERS_COMMITTEE = "owners_committee"
    PROPERTY_COMPANY = "property_company"
    COMMERCIAL_BUILDING = "commercial_building"
    NEW_SECTOR_ORG = "new_sector_org"


class MemberKind(StrEnum):
    """Where a Party member stands towards the community."""

    RESIDENT = "resident"
    IN_SERVICE_CADRE = "in_service_cadre"
    FLOATING = "floating"


class Credential(StrEnum):
    """The document a floating member arrives with."""

    INTRODUCTION_LETTER = "introduction_letter"
    CERTIFICATE = "certificate"
    ACTIVITY_CARD = "activity_card"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class WorkerPost(StrEnum):
    """The three posts of the 三岗十八级 scale; the head is the community secretary."""

    HEAD = "head"
    DEPUTY = "deputy"
    STAFF = "staff"


class Education(StrEnum):
    """Highest completed education, lowest first."""

    JUNIOR_HIGH = "junior_high"
    SENIOR_HIGH = "senior_high"
    VOCATIONAL = "vocational"
    ASSOCIATE = "associate"
    BACHELOR = "bachelor"
    MASTER = "master"
    DOCTORATE = "doctorate"


BACHELOR_OR_ABOVE = frozenset({Education.BACHELOR, Education.MASTER, Education.DOCTORATE})


class UserRole(StrEnum):
    """What an account may reach and do; the organisation department (县委组织部) acts county-wide
    on cases without the administrator's powers over accounts, rules and the registry."""

    ADMIN = "admin"
    COMMUNITY_STAFF = "community_staff"
    STREET_COMMITTEE = "street_committee"
    ORGANISATION_DEPARTMENT = "organisation_department"
    VIEWER = "viewer"


class OutboxKind(StrEnum):
    NOTIFICATION = "notification"
    EVENT = "event"


class DeadLetterStatus(StrEnum):
    PENDING = "pending"
    REPLAYED = "replayed"
    DISCARDED = "discarded"


USER_ROLE_LABELS: dict[UserRole, str] = {
    UserRole.ADMIN: "管理员",
    UserRole.COMMUNITY_STAFF: "社区工作人员",
    UserRole.STREET_COMMITTEE: "街道党工委",
    UserRole.ORGANISATION_DEPARTMENT: "县委组织部",
    UserRole.VIEWER: "只读用户",
}

ORG_TYPE_LABELS: dict[OrgType, str] = {
    OrgType.AGENCY: "机关",
    OrgType.INSTITUTION: "事业单位",
    OrgType.STATE_ENTERPRISE: "国有企业",
    OrgType.NON_PUBLIC_ENTERPRISE: "非公企业",
    OrgType.INDIVIDUAL_BUSINESS: "个体工商户",
    OrgType.SOCIAL_ORGANIZATION: "社会组织",
    OrgType.OWNERS_COMMITTEE: "业主委员会",
    OrgType.PROPERTY_COMPANY: "物业公司",
    OrgType.COMMERCIAL_BUILDING: "商圈楼宇",
    OrgType.NEW_SECTOR_ORG: "新兴领域党组织",
}

# Other spellings seen in office spreadsheets, accepted on import and never written on export.
ORG_TYPE_SYNONYMS: dict[str, OrgType] = {
    "国企": OrgType.STATE_ENTERPRISE,
    "民营企业": OrgType.NON_PUBLIC_ENTERPRISE,
    "个体经营户": OrgType.INDIVIDUAL_BUSINESS,
    "业委会": OrgType.OWNERS_COMMITTEE,
    "物业服务企业": OrgType.PROPERTY_COMPANY,
    "商务楼宇": OrgType.COMMERCIAL_BUILDING,
    "新兴领域": OrgType.NEW_SECTOR_ORG,
}

MEMBER_KIND_LABELS: dict[MemberKind, str] = {
    MemberKind.RESIDENT: "居民党员",
    MemberKind.IN_SERVICE_CADRE: "在职党员",
    MemberKind.FLOATING: "流动党员",
}

CREDENTIAL_LABELS: dict[Credential, str] = {
    Credential.INTRODUCTION_LETTER: "介绍信",
    Credential.CERTIFICATE: "证明信",
    Credential.ACTIVITY_CARD: "流动党员活动证",
}

GENDER_LABELS: dict[Gender, str] = {Gender.MALE: "男", Gender.FEMALE: "女"}

WORKER_POST_LABELS: dict[WorkerPost, str] = {
    WorkerPost.HEAD: "正职",
    WorkerPost.DEPUTY: "副职",
    WorkerPost.STAFF: "专职工作人员",
}

EDUCATION_LABELS: dict[Education, str] = {
    Education.JUNIOR_HIGH: "初中及以下",
    Education.SENIOR_HIGH: "高中",
    Education.VOCATIONAL: "中专",
    Education.ASSOCIATE: "大专",
    Education.BACHELOR: "本科",
    Education.MASTER: "硕士研究生",
    Education.DOCTORATE: "博士研究生",
}
