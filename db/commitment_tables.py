"""Tables of P4 and P5 that the registry did not have: members' public commitments and their
service ledger (党员亮相承诺), and community workers' yearly assessments and recorded changes.

They sit on the project's ``Base``, so ``db.tables.METADATA`` holds them once this module is
imported there. Member and worker ids carry no foreign key: events may name people the registry
does not know yet, and the ledger must still keep what they did.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import ID, Base, utcnow

__all__ = ["MemberCommitment", "ServiceLog", "WorkerAssessment", "WorkerChange"]


class MemberCommitment(Base):
    """One member's commitment for one year: what the public board shows and P1 reads."""

    __tablename__ = "commitments"
    __table_args__ = (
        UniqueConstraint("member_id", "year"),
        Index(None, "community_id", "year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[str] = mapped_column(ID)
    year: Mapped[int]
    case_id: Mapped[str] = mapped_column(String(255))
    community_id: Mapped[str | None] = mapped_column(ID)
    name: Mapped[str | None] = mapped_column(String(50))
    post: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(32))
    # [{"category": ..., "label": ..., "content": ...}], as the branch approved them.
    items: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    # [{"quarter": 1, "hours": ..., "logs": ..., "items_with_service": ..., "alerts": [...]}]
    progress: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    score: Mapped[float | None]
    grade: Mapped[str | None] = mapped_column(String(16))
    evaluated_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ServiceLog(Base):
    """One ``service.logged`` entry: hours of a category on a day, with its evidence."""

    __tablename__ = "service_logs"
    __table_args__ = (Index(None, "member_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The inbound event's ``source#id``: a redelivered event is stored once.
    event_key: Mapped[str] = mapped_column(String(300), unique=True)
    member_id: Mapped[str] = mapped_column(ID)
    year: Mapped[int]
    case_id: Mapped[str] = mapped_column(String(255))
    community_id: Mapped[str | None] = mapped_column(ID)
    held_on: Mapped[date]
    category: Mapped[str] = mapped_column(String(50))
    hours: Mapped[float]
    description: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkerAssessment(Base):
    """A community worker's annual assessment tier (考核评议) for one year."""

    __tablename__ = "worker_assessments"
    __table_args__ = (UniqueConstraint("worker_id", "year"), Index(None, "community_id", "year"))

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[str] = mapped_column(ID)
    year: Mapped[int]
    tier: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[str | None] = mapped_column(ID)
    case_id: Mapped[str] = mapped_column(String(255))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkerChange(Base):
    """A change P4 made to a worker's registry row, so reports can see the workforce of any year."""

    __tablename__ = "worker_changes"
    __table_args__ = (Index(None, "worker_id", "changed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[str] = mapped_column(ID)
    changed_on: Mapped[date] = mapped_column(index=True)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(String(64))
    new_value: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[str | None] = mapped_column(String(255))
