"""Case-store queries: the case projection, tasks, timeline and audit, processed events, dead
letters and the outbox. Each receives a session and leaves commits to it."""

import functools
import heapq
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, bindparam, func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from db.base import utcnow
from db.case_tables import Case, DeadLetter, OutboxMessage, ProcessedEvent, Task, TimelineEvent
from db.session import create_engine, is_sqlite
from db.vocab import DeadLetterStatus, OutboxKind
from models.annual_inspection import InspectionStatus
from models.case import CaseSnapshot
from models.commitment import CommitmentStatus
from models.community_worker import WorkerStatus
from models.deadline import TaskStatus, TimelineEntry
from models.dual_assessment import AssessmentStatus
from models.floating_member import ENDED as MEMBER_ENDED

# Statuses after which a case takes no more events; every other status counts as open (in the
# "open cases" and overdue filters). Each process's end statuses, then generic ones.
TERMINAL_STATUSES: frozenset[str] = frozenset(
    {
        # P1 dual assessment
        AssessmentStatus.CLOSED,
        AssessmentStatus.CLOSED_WITHOUT_OPINION,
        AssessmentStatus.OVERRIDDEN,
        AssessmentStatus.OUT_OF_SCOPE,
        AssessmentStatus.REJECTED,
        # P2 annual inspection (blocked is final: a denial that may be remedied is "denied")
        InspectionStatus.CLEARED,
        InspectionStatus.BLOCKED,
        InspectionStatus.NOT_REQUIRED,
        InspectionStatus.REJECTED,
        # P3 floating members
        *MEMBER_ENDED,
        # P4 community workers
        WorkerStatus.NOT_HIRED,
        WorkerStatus.INELIGIBLE,
        WorkerStatus.REJECTED,
        WorkerStatus.LEFT,
        # P5 public commitments
        CommitmentStatus.CLOSED,
        CommitmentStatus.NOT_PUBLISHED,
        # generic
        "completed",
        "cancelled",
        "canceled",
        "failed",
        "terminated",
        "ended",
    }
)

_CASES = cast(Table, Case.__table__)
_TASKS = cast(Table, Task.__table__)
_TIMELINE = cast(Table, TimelineEvent.__table__)
_OUTBOX = cast(Table, OutboxMessage.__table__)

# ``communities`` arguments: None reaches every case, a collection only cases of those communities.
Communities = Collection[str] | None


def store_engine(url: str) -> AsyncEngine:
    """The engine for the case store; on SQLite, one pooled connection for the whole process."""
    # Shared by everything in the process (API, worker activities, outbox), SQLite sessions queue
    # for the connection in order instead of sleeping in SQLite's busy handler, which under load
    # made p99 latencies of several seconds (bench/events_api.py).
    if is_sqlite(url):
        return create_engine(url, pool_size=1, max_overflow=0)
    return create_engine(url)


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """What ``GET /api/cases`` can ask for; None means no condition."""

    process: str | None = None
    status: str | None = None
    community: str | None = None
    overdue_at: datetime | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """A page of rows and the number of rows on every page together."""

    rows: list[Any]
    total: int


def _in_scope(column: Any, communities: Communities) -> ColumnElement[bool] | None:
    if communities is None:
        return None
    return column.in_(sorted(communities))  # type: ignore[no-any-return]


async def _page(
    session: AsyncSession, query: Select[*tuple[Any, ...]], limit: int, offset: int
) -> Page:
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (await session.execute(query.limit(limit).offset(offset))).all()
    return Page([row[0] if len(row) == 1 else tuple(row) for row in rows], int(total or 0))


# --- Cases --------------------------------------------------------------------------------------


async def list_cases(
    session: AsyncSession, where: CaseFilter, communities: Communities, limit: int, offset: int
) -> Page:
    """Cases matching ``where`` within reach, soonest due first (undated last)."""
    query = select(Case)
    conditions: list[ColumnElement[bool] | None] = [
        _in_scope(Case.community_id, communities),
        Case.process == where.process if where.process else None,
        Case.status == where.status if where.status else None,
        Case.community_id == where.community if where.community else None,
        Case.due_at < where.due_before if where.due_before else None,
        Case.due_at >= where.due_after if where.due_after else None,
    ]
    if where.overdue_at is not None:
        conditions.append(Case.due_at < where.overdue_at)
        conditions.append(Case.status.not_in(sorted(TERMINAL_STATUSES)))
    if where.q:
        conditions.append(
            or_(
                Case.case_id.icontains(where.q, autoescape=True),
                Case.subject_label.icontains(where.q, autoescape=True),
            )
        )
    query = query.where(*(c for c in conditions if c is not None))
    query = query.order_by(Case.due_at.is_(None), Case.due_at, Case.opened_at.desc(), Case.case_id)
    return await _page(session, query, limit, offset)


async def get_case(session: AsyncSession, case_id: str, communities: Communities) -> Case | None:
    """The case, if it exists and is within reach (otherwise None: existence is not revealed)."""
    case = await session.get(Case, case_id)
    if case is None or (communities is not None and case.community_id not in communities):
        return None
    return case


async def case_tasks(session: AsyncSession, case_id: str) -> list[Task]:
    """The tasks of a case, in the order they were opened."""
    query = select(Task).where(Task.case_id == case_id).order_by(Task.opened_at, Task.id)
    return list((await session.scalars(query)).all())


async def case_timeline(session: AsyncSession, case_id: str) -> list[TimelineEvent]:
    """The timeline of a case: its own entries in the order it numbered them, and the audit rows
    about it fitted in between by time."""
    query = select(TimelineEvent).where(TimelineEvent.case_id == case_id)
    rows = (await session.scalars(query)).all()
    # The case's order is its sequence number, not its timestamps: a task's window may be
    # backdated to the event that opened it, which would put 任务下达 before 立案. An audit row
    # (no seq, the API's clock) goes before the first entry stamped later than it; on a tie the
    # case's entry comes first.
    numbered = sorted((row for row in rows if row.seq is not None), key=lambda row: row.seq or 0)
    audits = sorted((row for row in rows if row.seq is None), key=lambda row: (row.at, row.id))
    return list(heapq.merge(numbered, audits, key=lambda row: row.at))


async def open_case_ids(session: AsyncSession, process: str, prefix: str) -> list[str]:
    """Ids of the open cases of ``process`` whose id starts with ``prefix``."""
    query = select(Case.case_id).where(
        Case.process == process,
        Case.case_id.startswith(prefix, autoescape=True),
        Case.status.not_in(sorted(TERMINAL_STATUSES)),
    )
    return list((await session.scalars(query.order_by(Case.case_id))).all())


async def open_tasks(
    session: AsyncSession, communities: Communities, limit: int, offset: int
) -> Page:
    """Open tasks within reach with their cases, soonest due first: the task inbox."""
    query = select(Task, Case).join(Case, Case.case_id == Task.case_id)
    query = query.where(Task.status == TaskStatus.OPEN.value)
    scope = _in_scope(Task.community_id, communities)
    if scope is not None:
        query = query.where(scope)
    query = query.order_by(Task.due_at.is_(None), Task.due_at, Task.id)
    return await _page(session, query, limit, offset)


async def get_task(session: AsyncSession, case_id: str, task_id: str) -> Task | None:
    """One task of a case."""
    query = select(Task).where(Task.case_id == case_id, Task.task_id == task_id)
    return (await session.scalars(query)).first()


# --- The projection a workflow writes -----------------------------------------------------------


def _dialect_insert(dialect: str, table: Table) -> Any:
    """An INSERT that can say ON CONFLICT, in the dialect's terms (SQLite or PostgreSQL)."""
    return (sqlite_insert if dialect == "sqlite" else postgresql_insert)(table)


_CASE_FIELDS = (
    "process",
    "status",
    "community_id",
    "subject_id",
    "subject_label",
    "rule_version",
    "opened_at",
    "due_at",
    "card_level",
    "summary",
    "updated_at",
)
_TASK_FIELDS = (
    "title",
    "owner",
    "community_id",
    "status",
    "level",
    "opened_at",
    "due_at",
    "closed_at",
)


@functools.cache
def _upsert(dialect: str, table: Table, keys: tuple[str, ...], fields: tuple[str, ...]) -> Any:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET fields, built once per dialect and table: the
    projection runs after every step of every case, and building the statement (its EXCLUDED
    columns above all) cost more than the write."""
    statement = _dialect_insert(dialect, table)
    changed = {name: statement.excluded[name] for name in fields}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=changed)


@functools.cache
def _insert_new(dialect: str, table: Table, keys: tuple[str, ...], returning: str) -> Any:
    """INSERT … ON CONFLICT (keys) DO NOTHING RETURNING one column, built once."""
    statement = _dialect_insert(dialect, table)
    return statement.on_conflict_do_nothing(index_elements=list(keys)).returning(table.c[returning])


async def upsert_case(connection: AsyncConnection, snapshot: CaseSnapshot) -> None:
    """Insert or overwrite the case row and its tasks (by case and task id) from a snapshot."""
    # Plain INSERT … ON CONFLICT statements on the session's connection, not ORM objects or the
    # session: the projection runs after every step of every case, and the ORM's
    # load-compare-flush, and even its per-statement bookkeeping, cost more than the writes.
    dialect = connection.dialect.name
    case = {
        "case_id": snapshot.case_id,
        "process": snapshot.process,
        "status": snapshot.status,
        "community_id": snapshot.community_id,
        "subject_id": snapshot.subject_id,
        "subject_label": snapshot.subject_label,
        "rule_version": snapshot.rule_version,
        "opened_at": snapshot.opened_at,
        "due_at": snapshot.due_at,
        "card_level": snapshot.level.value,
        "summary": snapshot.summary,
        "updated_at": utcnow(),
    }
    await connection.execute(_upsert(dialect, _CASES, ("case_id",), _CASE_FIELDS), case)
    if not snapshot.tasks:
        return
    rows = [
        {
            "case_id": snapshot.case_id,
            "task_id": item.task_id,
            "title": item.title,
            "owner": item.owner,
            "community_id": item.community_id or snapshot.community_id,
            "status": item.status.value,
            "level": item.level.value,
            "opened_at": item.opened_at,
            "due_at": item.due_at,
            "closed_at": item.closed_at,
        }
        for item in snapshot.tasks
    ]
    await connection.execute(_upsert(dialect, _TASKS, ("case_id", "task_id"), _TASK_FIELDS), rows)


async def add_timeline(
    connection: AsyncConnection, case_id: str, first_seq: int, entries: Sequence[TimelineEntry]
) -> int:
    """Store entries numbered from ``first_seq`` on, skipping those already stored (a retried
    step); returns how many were new."""
    rows = []
    for seq, entry in enumerate(entries, start=first_seq):
        detail = dict(entry.detail)
        if entry.task_id is not None:
            detail.setdefault("task_id", entry.task_id)
        if entry.level is not None:
            detail.setdefault("level", entry.level.value)
        rows.append(
            {
                "case_id": case_id,
                "seq": seq,
                "at": entry.at,
                "kind": entry.kind,
                "actor": entry.actor,
                "summary": entry.summary,
                "detail": detail,
                "trace": entry.trace,
            }
        )
    if not rows:
        return 0
    # INSERT … ON CONFLICT DO NOTHING RETURNING, no read of the stored numbers first; given as
    # many parameter sets, SQLAlchemy sends it as batched multi-row statements it compiles once.
    statement = _insert_new(connection.dialect.name, _TIMELINE, ("case_id", "seq"), "seq")
    return len((await connection.execute(statement, rows)).all())


def audit(
    session: AsyncSession,
    kind: str,
    actor: str | None,
    summary: str,
    *,
    case_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> TimelineEvent:
    """Record a write with who did it: on a case's timeline, or (``case_id`` None) the audit log."""
    row = TimelineEvent(
        case_id=case_id, kind=kind, actor=actor, summary=summary, detail=detail or {}, at=utcnow()
    )
    session.add(row)
    return row


# --- Inbound events -----------------------------------------------------------------------------


_PROCESSED_EVENTS = cast(Table, ProcessedEvent.__table__)
_PROCESSED = select(_PROCESSED_EVENTS.c.id).where(
    _PROCESSED_EVENTS.c.source == bindparam("source"),
    _PROCESSED_EVENTS.c.event_id == bindparam("event_id"),
)
_RECORD_PROCESSED = insert(_PROCESSED_EVENTS)
_AUDIT = insert(_TIMELINE)


async def is_processed(connection: AsyncConnection, source: str, event_id: str) -> bool:
    """Whether the event ``(source, event_id)`` was already applied."""
    found = await connection.scalar(_PROCESSED, {"source": source, "event_id": event_id})
    return found is not None


def record_processed(
    session: AsyncSession, source: str, event_id: str, event_type: str, case_id: str | None
) -> None:
    """Remember that the event was applied, so a repeat applies nothing."""
    session.add(ProcessedEvent(source=source, event_id=event_id, type=event_type, case_id=case_id))


async def record_event(
    connection: AsyncConnection,
    *,
    source: str,
    event_id: str,
    event_type: str,
    case_id: str | None,
    actor: str,
) -> None:
    """:func:`record_processed` and its :func:`audit` entry as two plain INSERTs, for the event
    path (every inbound event); IntegrityError at once when the event was recorded already."""
    processed = {"source": source, "event_id": event_id, "type": event_type, "case_id": case_id}
    await connection.execute(_RECORD_PROCESSED, processed)
    detail = {"source": source, "id": event_id, "type": event_type}
    entry = {"case_id": case_id, "kind": "event", "actor": actor, "summary": event_type}
    await connection.execute(_AUDIT, {**entry, "detail": detail, "at": utcnow(), "trace": None})


async def add_dead_letter(
    session: AsyncSession, body: dict[str, Any], reason: str, sender: str | None
) -> DeadLetter:
    """Keep an event that could not be applied, for an administrator to inspect and replay."""
    # A repeat of a pending letter (same source and id) updates it instead of adding another.
    source, event_id = _text(body.get("source")), _text(body.get("id"))
    query = select(DeadLetter).where(
        DeadLetter.source == source,
        DeadLetter.event_id == event_id,
        DeadLetter.status == DeadLetterStatus.PENDING.value,
    )
    row = (await session.scalars(query.limit(1))).first()
    if row is not None:
        row.reason = reason
        return row
    row = DeadLetter(
        source=source,
        event_id=event_id,
        type=_text(body.get("type")),
        body=body,
        reason=reason,
        sender=sender,
    )
    session.add(row)
    await session.flush()
    return row


def _text(value: Any) -> str | None:
    return value[:255] if isinstance(value, str) else None


async def list_dead_letters(
    session: AsyncSession, status: DeadLetterStatus | None, limit: int, offset: int
) -> Page:
    """Dead letters, newest first, optionally of one status."""
    query = select(DeadLetter).order_by(DeadLetter.received_at.desc(), DeadLetter.id.desc())
    if status is not None:
        query = query.where(DeadLetter.status == status.value)
    return await _page(session, query, limit, offset)


async def get_dead_letter(session: AsyncSession, letter_id: int) -> DeadLetter | None:
    return await session.get(DeadLetter, letter_id)


# --- Outbox -------------------------------------------------------------------------------------


async def add_outbox(connection: AsyncConnection, messages: Sequence[OutboxMessage]) -> int:
    """Add messages whose id is not stored yet; returns how many were new."""
    rows: dict[str, dict[str, Any]] = {}
    for message in messages:  # the first of one id counts, as a stored one would
        rows.setdefault(
            message.id,
            {
                "id": message.id,
                "kind": message.kind,
                "destination": message.destination,
                "case_id": message.case_id,
                "payload": message.payload,
            },
        )
    if not rows:
        return 0
    statement = _insert_new(connection.dialect.name, _OUTBOX, ("id",), "id")
    return len((await connection.execute(statement, list(rows.values()))).all())


async def due_outbox(
    session: AsyncSession, now: datetime, kinds: Collection[OutboxKind], limit: int
) -> list[OutboxMessage]:
    """Undelivered messages of ``kinds`` whose next attempt is due, oldest first, locked."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.kind.in_(sorted(kind.value for kind in kinds)),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(query)).all())


async def inbox(session: AsyncSession, communities: Communities, limit: int, offset: int) -> Page:
    """Notifications of cases within reach, newest first: the in-app inbox."""
    query = (
        select(OutboxMessage, Case)
        .join(Case, Case.case_id == OutboxMessage.case_id)
        .where(OutboxMessage.kind == OutboxKind.NOTIFICATION.value)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id)
    )
    scope = _in_scope(Case.community_id, communities)
    if scope is not None:
        query = query.where(scope)
    return await _page(session, query, limit, offset)
