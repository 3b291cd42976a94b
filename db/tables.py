"""The project's tables: the community registry here, the case store in ``db.case_tables``."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import ID, Base, one_of, utcnow
from db.case_tables import (
    ApiClient,
    Case,
    DeadLetter,
    OutboxMessage,
    ProcessedEvent,
    RuleSetVersion,
    Task,
    TimelineEvent,
    User,
    UserSession,
)
from db.commitment_tables import MemberCommitment, ServiceLog, WorkerAssessment, WorkerChange
from db.vocab import Credential, Education, Gender, MemberKind, OrgType, WorkerPost

# The case store lives in its own module; importing this one loads the whole schema.
__all__ = [
    "METADATA",
    "ApiClient",
    "Base",
    "BigCommitteeActivity",
    "BigCommitteeMembership",
    "Building",
    "CadreReportIn",
    "Case",
    "CentralHousehold",
    "Community",
    "CommunityWorker",
    "DeadLetter",
    "Grid",
    "HouseholdAssignment",
    "MemberActivity",
    "MemberCommitment",
    "Organisation",
    "OutboxMessage",
    "PartyMember",
    "ProcessedEvent",
    "RuleSetVersion",
    "ServiceLog",
    "Street",
    "Task",
    "TimelineEvent",
    "User",
    "UserSession",
    "WorkerAssessment",
    "WorkerChange",
]

METADATA = Base.metadata

# --- Registry: street → community → grid → building → central household -----------------------


class Street(Base):
    __tablename__ = "streets"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    county: Mapped[str | None] = mapped_column(String(100))


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    street_id: Mapped[str] = mapped_column(ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    resident_population: Mapped[int | None]
    address: Mapped[str | None] = mapped_column(String(300))


class Grid(Base):
    __tablename__ = "grids"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    branch_name: Mapped[str | None] = mapped_column(String(200))


class Building(Base):
    __tablename__ = "buildings"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    grid_id: Mapped[str] = mapped_column(ForeignKey("grids.id"), index=True)
    number: Mapped[str] = mapped_column(String(50))
    address: Mapped[str] = mapped_column(String(300))
    unit_count: Mapped[int | None]


class CentralHousehold(Base):
    """党员中心户: a member household that looks after nearby members, up to its capacity."""

    __tablename__ = "central_households"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    building_id: Mapped[str] = mapped_column(ForeignKey("buildings.id"), index=True)
    host_member_id: Mapped[str] = mapped_column(ForeignKey("party_members.id"), index=True)
    unit: Mapped[str | None] = mapped_column(String(50))
    capacity: Mapped[int]


class HouseholdAssignment(Base):
    """A member looked after by a central household, from ``assigned_on`` until ``ended_on``."""

    __tablename__ = "household_assignments"
    __table_args__ = (UniqueConstraint("household_id", "member_id", "assigned_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("central_households.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("party_members.id"), index=True)
    assigned_on: Mapped[date]
    ended_on: Mapped[date | None]


# --- Registry: organisations and the big Party committee ----------------------------------------


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (
        one_of("type", OrgType),
        Index(None, "community_id", "type"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32))
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"))
    registered_on: Mapped[date | None]
    credit_code: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(300))
    has_party_org: Mapped[bool] = mapped_column(default=False)
    has_liaison: Mapped[bool] = mapped_column(default=False)
    contact_person: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BigCommitteeMembership(Base):
    """One spell of an organisation in a community's 大党委; ``left_on`` is None while it lasts."""

    __tablename__ = "big_committee_memberships"
    __table_args__ = (
        UniqueConstraint("org_id", "community_id", "joined_on"),
        Index(None, "community_id", "joined_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"))
    joined_on: Mapped[date]
    left_on: Mapped[date | None]


class BigCommitteeActivity(Base):
    """An organisation's part in one big-committee activity."""

    __tablename__ = "big_committee_activities"
    __table_args__ = (UniqueConstraint("org_id", "held_on", "activity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"), index=True)
    held_on: Mapped[date]
    activity: Mapped[str] = mapped_column(String(200))


# --- Registry: people ---------------------------------------------------------------------------


class PartyMember(Base):
    """A Party member known to a community; phone and id number are personal data."""

    __tablename__ = "party_members"
    __table_args__ = (
        one_of("kind", MemberKind),
        one_of("gender", Gender),
        one_of("credential", Credential),
        Index(None, "community_id", "kind"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str | None] = mapped_column(String(8))
    birth_date: Mapped[date | None]
    kind: Mapped[str] = mapped_column(String(20))
    community_id: Mapped[str | None] = mapped_column(ForeignKey("communities.id"))
    phone: Mapped[str | None] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(String(32))
    joined_party_on: Mapped[date | None]
    employer_org_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    position: Mapped[str | None] = mapped_column(String(100))
    home_organisation: Mapped[str | None] = mapped_column(String(200))
    credential: Mapped[str | None] = mapped_column(String(24))
    occupation: Mapped[str | None] = mapped_column(String(100))
    building_id: Mapped[str | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit: Mapped[str | None] = mapped_column(String(20))
    room: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(300))
    arrived_on: Mapped[date | None]
    # "active", or the floating-member state P3 keeps here (in, out, returned, lost_contact, ...).
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CadreReportIn(Base):
    """在职党员社区报到: an in-service cadre reporting in to a community."""

    __tablename__ = "cadre_report_ins"
    __table_args__ = (UniqueConstraint("member_id", "community_id", "reported_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("party_members.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"), index=True)
    reported_on: Mapped[date]


class MemberActivity(Base):
    """A member's community activity or volunteer service, with the hours given."""

    __tablename__ = "member_activities"
    __table_args__ = (
        UniqueConstraint("member_id", "held_on", "activity"),
        Index(None, "community_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("party_members.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"))
    held_on: Mapped[date]
    activity: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(50))
    hours: Mapped[float] = mapped_column(default=0.0)


class CommunityWorker(Base):
    """Paid community staff on the 三岗十八级 scale; the head of a community is its secretary."""

    __tablename__ = "community_workers"
    __table_args__ = (
        one_of("post", WorkerPost),
        one_of("gender", Gender),
        one_of("education", Education),
        CheckConstraint("grade BETWEEN 1 AND 18", name="grade"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str | None] = mapped_column(String(8))
    birth_date: Mapped[date]
    post: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(100))
    education: Mapped[str] = mapped_column(String(20))
    is_party_member: Mapped[bool] = mapped_column(default=False)
    has_social_work_cert: Mapped[bool] = mapped_column(default=False)
    grade: Mapped[int]
    hired_on: Mapped[date]
    phone: Mapped[str | None] = mapped_column(String(32))
