"""Response bodies of the API, as the OpenAPI document describes them."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from db.case_tables import Case, OutboxMessage, Task, TimelineEvent
from db.tables import Organisation


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CaseView(_Row):
    case_id: str
    process: str
    status: str
    community_id: str | None
    subject_id: str | None
    subject_label: str | None
    rule_version: str | None
    opened_at: datetime
    updated_at: datetime
    due_at: datetime | None
    card_level: str
    summary: dict[str, Any]


class TaskView(_Row):
    case_id: str
    task_id: str
    title: str
    owner: str
    community_id: str | None
    status: str
    level: str
    opened_at: datetime
    due_at: datetime | None
    closed_at: datetime | None


class TimelineView(_Row):
    seq: int | None
    at: datetime
    kind: str
    actor: str | None
    summary: str
    detail: dict[str, Any]
    trace: dict[str, Any] | None

    @classmethod
    def of(cls, row: TimelineEvent) -> "TimelineView":
        return cls.model_validate(row)


class LiveState(BaseModel):
    """The case's own answer to the ``state`` query, or the projection when it did not answer."""

    source: str = Field(description="temporal: the running case answered; projection: it did not")
    state: Any = None


class CaseDetail(BaseModel):
    case: CaseView
    rule_version: str | None
    tasks: list[TaskView]
    timeline: list[TimelineView]
    live: LiveState

    @classmethod
    def of(
        cls, case: Case, tasks: list[Task], timeline: list[TimelineEvent], live: LiveState
    ) -> "CaseDetail":
        return cls(
            case=CaseView.model_validate(case),
            rule_version=case.rule_version,
            tasks=[TaskView.model_validate(task) for task in tasks],
            timeline=[TimelineView.of(row) for row in timeline],
            live=live,
        )


class CaseList(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CaseView]


class InboxTask(TaskView):
    process: str
    subject_label: str | None


class TaskList(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[InboxTask]


class CommunityView(_Row):
    id: str
    street_id: str
    name: str
    resident_population: int | None
    address: str | None


class OrganisationView(_Row):
    id: str
    name: str
    type: str
    community_id: str
    registered_on: date | None
    credit_code: str | None
    address: str | None
    has_party_org: bool
    has_liaison: bool
    contact_person: str | None
    contact_phone: str | None
    updated_at: datetime


class MembershipView(_Row):
    community_id: str
    joined_on: date
    left_on: date | None


class OrganisationDetail(OrganisationView):
    big_committee: list[MembershipView] = Field(default_factory=list)

    @classmethod
    def of(cls, org: Organisation, spells: list[Any]) -> "OrganisationDetail":
        view = OrganisationView.model_validate(org).model_dump()
        return cls(**view, big_committee=[MembershipView.model_validate(s) for s in spells])


class OrganisationList(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[OrganisationView]


class DeadLetterView(_Row):
    id: int
    received_at: datetime
    source: str | None
    event_id: str | None
    type: str | None
    sender: str | None
    reason: str
    status: str
    replayed_at: datetime | None
    replayed_by: str | None
    body: dict[str, Any]


class DeadLetterList(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[DeadLetterView]


class NotificationView(BaseModel):
    id: str
    case_id: str | None
    community_id: str | None
    created_at: datetime
    delivered_at: datetime | None
    destination: str
    notification: dict[str, Any]

    @classmethod
    def of(cls, message: OutboxMessage, case: Case) -> "NotificationView":
        return cls(
            id=message.id,
            case_id=message.case_id,
            community_id=case.community_id,
            created_at=message.created_at,
            delivered_at=message.delivered_at,
            destination=message.destination,
            notification=dict(message.payload.get("data") or {}),
        )


class NotificationList(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[NotificationView]


class UserView(BaseModel):
    username: str
    role: str
    community_id: str | None
    communities: list[str] | None = Field(
        description="Communities within reach; null reaches every community."
    )


class LoginResult(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserView
