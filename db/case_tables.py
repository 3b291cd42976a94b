"""The case store: case projection, tasks, timeline, inbound events, outbox, rules, access."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import ID, Base, one_of, utcnow
from db.vocab import DeadLetterStatus, OutboxKind, UserRole

# --- Case store ---------------------------------------------------------------------------------


class Case(Base):
    """The projection of one workflow for listing and filtering; the workflow stays the truth."""

    __tablename__ = "cases"
    __table_args__ = (
        Index(None, "process", "status"),
        Index(None, "community_id", "status"),
    )

    case_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    process: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(32))
    community_id: Mapped[str | None] = mapped_column(ID)
    subject_id: Mapped[str | None] = mapped_column(String(128), index=True)
    subject_label: Mapped[str | None] = mapped_column(String(200))
    rule_version: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    card_level: Mapped[str] = mapped_column(String(16), default="normal")
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Task(Base):
    """A wait on a person: owned by an organisation or role, with a due time and a card level."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("case_id", "task_id"),
        Index(None, "owner", "status"),
        Index(None, "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(128))
    community_id: Mapped[str | None] = mapped_column(ID)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    level: Mapped[str] = mapped_column(String(16), default="normal")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class TimelineEvent(Base):
    """The timeline of a case and the audit log of everything else (``case_id`` None)."""

    __tablename__ = "timeline"
    __table_args__ = (Index(None, "case_id", "at"), UniqueConstraint("case_id", "seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(255))
    # The workflow numbers its entries so a retried projection stores each once; audit rows the
    # API writes have none.
    seq: Mapped[int | None]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(128))
    summary: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    trace: Mapped[dict[str, Any] | None]


class ProcessedEvent(Base):
    """An inbound event already applied: ``(source, event_id)`` is the idempotency key."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("source", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(255))
    event_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    case_id: Mapped[str | None] = mapped_column(String(255), index=True)


class DeadLetter(Base):
    """An inbound event that could not be applied, kept for inspection and replay."""

    __tablename__ = "dead_letters"
    __table_args__ = (one_of("status", DeadLetterStatus), Index(None, "status", "received_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str | None] = mapped_column(String(255))
    event_id: Mapped[str | None] = mapped_column(String(255))
    type: Mapped[str | None] = mapped_column(String(128))
    body: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(Text)
    sender: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default=DeadLetterStatus.PENDING.value)
    replayed_at: Mapped[datetime | None]
    replayed_by: Mapped[str | None] = mapped_column(String(128))


class OutboxMessage(Base):
    """A notification or outbound event, written with the state it reports, delivered later."""

    __tablename__ = "outbox"
    __table_args__ = (one_of("kind", OutboxKind), Index(None, "delivered_at", "next_attempt_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    destination: Mapped[str] = mapped_column(String(255))
    case_id: Mapped[str | None] = mapped_column(String(255), index=True)
    payload: Mapped[dict[str, Any]]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class RuleSetVersion(Base):
    """A validated rule set, by content hash; the active one has the latest ``activated_at``."""

    __tablename__ = "rule_set_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    files: Mapped[dict[str, Any]]
    activated_at: Mapped[datetime | None] = mapped_column(index=True)
    activated_by: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)


class ApiClient(Base):
    """A system allowed to send events: a hashed bearer token and the event types it may send."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(255), unique=True)
    allowed_event_types: Mapped[list[str]] = mapped_column(default=list)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who logs in; community staff see one community, street committees a street, the
    organisation department and administrators the whole county."""

    __tablename__ = "users"
    __table_args__ = (one_of("role", UserRole),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    community_id: Mapped[str | None] = mapped_column(ForeignKey("communities.id"))
    street_id: Mapped[str | None] = mapped_column(ForeignKey("streets.id"))
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserSession(Base):
    """A logged-in session, found by the hash of its cookie token."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(255), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
