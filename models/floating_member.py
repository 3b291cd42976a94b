"""Payloads of P3 流动党员联动帮带: the event data the workflow reads, people's actions, the
registry activities' inputs and outputs, and the state a case carries over continue-as-new."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.case import CaseSnapshot
from models.deadline import DeadlineState, TimelineEntry
from models.events import CaseStartInput, InboundEvent
from rules.engine.facts import MemberFacts, MentorFacts


class MemberStatus(StrEnum):
    """Where a floating member's case stands (GrStatus)."""

    REGISTERING = "registering"
    CONFIRMING = "confirming"
    AWAITING_ASSIGNMENT = "awaiting_assignment"
    ACTIVE = "active"
    LOST_CONTACT = "lost_contact"
    MOVED_OUT = "moved_out"
    REFUSED = "refused"


MEMBER_STATUS_LABELS: dict[str, str] = {
    MemberStatus.REGISTERING: "待报到（受理中）",
    MemberStatus.CONFIRMING: "待报到（向原党组织核实中）",
    MemberStatus.AWAITING_ASSIGNMENT: "待人工编入党组织",
    MemberStatus.ACTIVE: "已流入（在管）",
    MemberStatus.LOST_CONTACT: "失联",
    MemberStatus.MOVED_OUT: "已流出（结案）",
    MemberStatus.REFUSED: "拒绝（结案）",
}
ENDED = frozenset({MemberStatus.MOVED_OUT, MemberStatus.REFUSED})

CredentialName = Literal["introduction_letter", "certificate_letter", "activity_card"]
_CREDENTIALS: dict[str, CredentialName] = {
    "introduction_letter": "introduction_letter",
    "介绍信": "introduction_letter",
    "certificate_letter": "certificate_letter",
    "certificate": "certificate_letter",
    "证明信": "certificate_letter",
    "activity_card": "activity_card",
    "流动党员活动证": "activity_card",
    "活动证": "activity_card",
}
REGISTRY_CREDENTIALS: dict[CredentialName, str] = {
    "introduction_letter": "introduction_letter",
    "certificate_letter": "certificate",
    "activity_card": "activity_card",
}
"""Rule-file credential names → the registry's vocabulary (``db.vocab.Credential``)."""


def credential_name(text: str) -> CredentialName | None:
    """The rule-file name of a credential given by id or Chinese name; None if unknown."""
    return _CREDENTIALS.get(text.strip())


# --- Event data ---------------------------------------------------------------------------------


class MemberRegistered(BaseModel):
    """``grassroots.member.registered`` data; the optional fields refine the decisions."""

    model_config = ConfigDict(extra="allow")

    member_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    home_org: str = Field(min_length=1)
    credential: str = Field(min_length=1)
    address: str = ""
    occupation: str = ""
    phone: str = ""
    building_id: str | None = None
    unit: str | None = None
    community_id: str | None = None
    expected_months: int | None = Field(None, ge=0, description="预计流入时长（月）；0 = 不确定")
    arrived_on: date | None = None
    credential_issued_on: date | None = None
    abroad: bool = False


class MemberContacted(BaseModel):
    """``grassroots.member.contacted``: who reached the member, how and when."""

    model_config = ConfigDict(extra="ignore")

    by: str = Field(min_length=1)
    channel: str = ""
    date: datetime | date
    note: str = ""


class MemberAttended(BaseModel):
    """``grassroots.member.attended``: an activity (id or Chinese name) and its day."""

    model_config = ConfigDict(extra="ignore")

    activity: str = Field(min_length=1)
    date: datetime | date


class MemberMoved(BaseModel):
    """``grassroots.member.moved_out`` / ``member.returned`` data."""

    model_config = ConfigDict(extra="ignore")

    date: datetime | date
    destination: str = ""
    reason: str = ""
    address: str = ""


# --- People's actions ---------------------------------------------------------------------------


class OriginReplyInput(BaseModel):
    """The home organisation's answer, recorded by community staff."""

    confirmed: bool
    actor: str
    role: str
    reason: str = ""


class PlaceInput(BaseModel):
    """A person places a member the rules could not: a grid branch (and household) or 新兴领域."""

    branch: Literal["grid", "new_sector"]
    community_id: str | None = None
    grid_id: str | None = None
    household_id: str | None = None
    mentor_id: str | None = None
    actor: str
    role: str
    reason: str = ""


class RefuseInput(BaseModel):
    """Refuse a registration (e.g. a credential that does not hold up), with the reason."""

    actor: str
    role: str
    reason: str


# --- Registry activities ------------------------------------------------------------------------


class Places(BaseModel):
    """Readable names of the four levels the member belongs to (empty: not known)."""

    community: str = ""
    grid_branch: str = ""
    building_group: str = ""
    household: str = ""


class Home(BaseModel):
    """Where an address points in the registry."""

    community_id: str = ""
    grid_id: str = ""
    building_id: str = ""
    unit: str = ""
    located: Literal["building", "community", "none"] = "none"
    places: Places = Places()


class RegisterMemberInput(BaseModel):
    """Save (when ``record`` is given) and look up a member; ``status`` is the registry state."""

    member_id: str
    record: dict[str, Any] = Field(default_factory=dict, description="The event's member data.")
    status: str
    as_of: date


class MemberFactsResult(BaseModel):
    """What the deciders read about the member, where it came from, and where the member lives."""

    known: bool = Field(description="Whether the registry holds the member (after saving).")
    problem: str | None = Field(None, description="Why the member could not be saved.")
    facts: MemberFacts
    label: str | None = Field(None, description="The masked name, for case lists.")
    home: Home = Home()
    sources: dict[str, str] = Field(default_factory=dict)


class LocateInput(BaseModel):
    address: str = ""
    building_id: str | None = None
    unit: str | None = None


class CandidatesInput(BaseModel):
    """Households and mentors for a member living at ``home``, counted on ``as_of``."""

    member_id: str
    home: Home
    as_of: date
    mentor_limit: int = 30


class HouseholdCandidate(BaseModel):
    """A central household as ``FloatingMember.assign`` reads it; capacity 0 = the rules'."""

    id: str
    grid_id: str
    building_id: str
    unit: str
    capacity: int
    assigned: int
    label: str = ""


class CandidatesResult(BaseModel):
    households: list[HouseholdCandidate] = Field(default_factory=list)
    mentors: list[MentorFacts] = Field(default_factory=list)
    current_household: str | None = Field(
        None, description="The household already looking after the member, if any."
    )


class RecordPlacementInput(BaseModel):
    """Put the member in a household's care (None: no household) from ``on``; ``home`` moves."""

    member_id: str
    household_id: str | None
    on: date
    default_capacity: int
    home: Home | None = None


class RecordPlacementResult(BaseModel):
    recorded: bool
    full: bool = False
    message: str = ""
    label: str = ""


class MemberStatusInput(BaseModel):
    """Set the member's registry state; ``release`` ends the household's care from ``on``."""

    member_id: str
    status: str
    on: date
    release: bool = False


class MemberStatusResult(BaseModel):
    updated: bool


class StoredTimelineInput(BaseModel):
    case_id: str


class StoredTimelineResult(BaseModel):
    entries: int = Field(description="Timeline entries the case store already holds.")


# --- State carried over continue-as-new ---------------------------------------------------------


class Placement(BaseModel):
    """The member's place down the four levels, and the mentor."""

    branch: Literal["grid", "new_sector"]
    community_id: str = ""
    grid_id: str = ""
    building_id: str = ""
    household_id: str = ""
    match: str | None = None
    mentor_id: str | None = None
    manual: bool = False
    placed_at: datetime


class LevelContact(BaseModel):
    """Contact by the organisation at one level, at its cadence."""

    cadence_id: str
    level: str
    owner: str
    last_contact_at: datetime
    task_id: str | None = None


class Invitation(BaseModel):
    """One invitation to a Party-life activity, and whether the member came."""

    activity: str
    label: str
    at: datetime
    attended_at: datetime | None = None
    closed: bool = False


class MemberState(BaseModel):
    """Everything P3 knows of one member besides the shared case state."""

    member: dict[str, Any] = Field(default_factory=dict)
    home: Home = Home()
    registered_at: datetime
    settled_since: datetime
    origin: Literal["unneeded", "pending", "confirmed", "refused"] = "unneeded"
    placement: Placement | None = None
    contacts: list[LevelContact] = Field(default_factory=list)
    last_contact_at: datetime
    last_party_life_at: datetime | None = None
    lost_contact_at: datetime | None = None
    transfer_prompted_at: datetime | None = None
    invite_anchors: dict[str, datetime] = Field(
        default_factory=dict, description="Per activity: when its invitations began."
    )
    invite_rounds: dict[str, int] = Field(
        default_factory=dict, description="Per activity: invitations sent so far."
    )
    invitations: list[Invitation] = Field(default_factory=list)
    alerts: list[str] = Field(default_factory=list, description="Attendance rules now firing.")
    serial: int = Field(0, description="Tasks opened so far: keeps task ids unique for life.")
    cycles: int = 0


class CaseCarry(BaseModel):
    """The shared case state a run hands to the next: only timeline entries not yet projected."""

    title: str
    status: str
    opened_at: datetime
    event_time: datetime
    community_id: str | None = None
    subject_id: str | None = None
    subject_label: str | None = None
    summary: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, Any] = Field(default_factory=dict)
    seen: list[str] = Field(default_factory=list)
    sent: dict[str, int] = Field(default_factory=dict)
    seq_base: int = 0
    timeline: list[TimelineEntry] = Field(default_factory=list)
    tasks: list[DeadlineState] = Field(default_factory=list)


class FloatingCarry(BaseModel):
    case: CaseCarry
    state: MemberState
    pending: list[InboundEvent] = Field(
        default_factory=list, description="Events received but not yet applied."
    )


class FloatingMemberInput(CaseStartInput):
    """The start input (the API sends a plain ``CaseStartInput``) or a continued run's state."""

    carried: FloatingCarry | None = None


class FloatingView(BaseModel):
    """The case with P3's own state, for the UI and tests."""

    snapshot: CaseSnapshot
    state: MemberState
    run_cycles: int = 0
