"""The case projection: a workflow's snapshot, timeline entries, outbound events and
notifications, written in one transaction so the outbox never reports state that was not stored."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from db.case_tables import OutboxMessage
from db.cases import add_outbox, add_timeline, upsert_case
from db.names import RecentNames, names
from db.vocab import OutboxKind
from models.case import OutboundEvent, ProjectCaseInput, ProjectCaseResult
from models.mentions import mentioned, name_mentions
from models.notification import Notification

log = structlog.get_logger(__name__)

# CloudEvents ``source`` of everything the engine sends; ``subject`` is the case id.
ENGINE_SOURCE = "urn:grassroots:engine"
# Where a new outbox row goes: the configured webhooks (notifications also show in the inbox).
WEBHOOK = "webhook"
_IDS = uuid.UUID("5f0c8a4e-4a59-4d53-9a0e-6c1f0e7b2a11")
NameLookup = Callable[[AsyncSession, set[str]], Awaitable[dict[str, str]]]


def event_message_id(event: OutboundEvent) -> str:
    """The outbox row id of an outbound event: the same event always gets the same row."""
    return str(uuid.uuid5(_IDS, f"event:{event.id}"))


def notification_id(notification: Notification) -> str:
    """A stable id from case, task, kind, recipient and time: a replayed step re-sends nothing."""
    at = notification.at.astimezone(UTC).isoformat()
    key = f"{notification.case_id}/{notification.task_id}/{notification.kind}/{notification.to}"
    return str(uuid.uuid5(_IDS, f"notification:{key}/{at}"))


def event_cloudevent(event: OutboundEvent) -> dict[str, Any]:
    """An outbound event as a structured-mode CloudEvent; its id is the workflow's stable id."""
    return {
        "specversion": "1.0",
        "id": event.id,
        "source": ENGINE_SOURCE,
        "type": event.type,
        "subject": event.subject,
        "time": event.time.astimezone(UTC).isoformat(),
        "datacontenttype": "application/json",
        "data": event.data,
    }


def notification_cloudevent(notification: Notification) -> dict[str, Any]:
    """A notification as a CloudEvent (``grassroots.notification.<kind>``) for gateways."""
    return {
        "specversion": "1.0",
        "id": notification_id(notification),
        "source": ENGINE_SOURCE,
        "type": f"grassroots.notification.{notification.kind}",
        "subject": notification.case_id,
        "time": notification.at.astimezone(UTC).isoformat(),
        "datacontenttype": "application/json",
        "data": notification.model_dump(mode="json"),
    }


async def named(
    session: AsyncSession, params: ProjectCaseInput, lookup: NameLookup = names
) -> tuple[ProjectCaseInput, dict[str, str]]:
    """The step with the registry ids its timeline entries and notifications mention replaced by
    their names (models/mentions.py), and those names; a step that mentions none costs no query."""
    ids = set[str]().union(
        *(mentioned(entry.summary) for entry in params.timeline),
        *(mentioned(notification.message) for notification in params.notifications),
    )
    if not ids:
        return params, {}
    found = await lookup(session, ids)
    timeline = [
        e.model_copy(update={"summary": name_mentions(e.summary, found)}) for e in params.timeline
    ]
    notifications = [
        n.model_copy(update={"message": name_mentions(n.message, found)})
        for n in params.notifications
    ]
    named = params.model_copy(update={"timeline": timeline, "notifications": notifications})
    return named, found


def outbox_messages(params: ProjectCaseInput) -> list[OutboxMessage]:
    """The outbox rows of one projection step."""
    case_id = params.snapshot.case_id
    rows = [
        OutboxMessage(
            id=event_message_id(event),
            kind=OutboxKind.EVENT.value,
            destination=WEBHOOK,
            case_id=case_id,
            payload=event_cloudevent(event),
        )
        for event in params.events
    ]
    rows += [
        OutboxMessage(
            id=notification_id(notification),
            kind=OutboxKind.NOTIFICATION.value,
            destination=WEBHOOK,
            case_id=notification.case_id,
            payload=notification_cloudevent(notification),
        )
        for notification in params.notifications
    ]
    return rows


class CaseActivities:
    """Writes the case projection for listing, the task inbox, the timeline and the outbox."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], names: NameLookup | None = None
    ) -> None:
        self._sessions = sessions
        self._names = names or RecentNames()  # the registry's names, re-read after a minute

    @activity.defn
    async def project_case(self, params: ProjectCaseInput) -> ProjectCaseResult:
        """Store one step of a case in one transaction; a retry stores nothing twice."""
        # Shielded: a cancelled activity (worker shutdown) must not abandon a transaction whose
        # SQLite write lock the driver's thread may still take; it finishes in a few ms.
        return await asyncio.shield(self._project(params))

    async def _project(self, params: ProjectCaseInput) -> ProjectCaseResult:
        case_id = params.snapshot.case_id
        async with self._sessions() as session:
            params, found = await named(session, params, self._names)
            connection = await session.connection()
            await upsert_case(connection, params.snapshot)
            timeline = await add_timeline(connection, case_id, params.first_seq, params.timeline)
            outbox = await add_outbox(connection, outbox_messages(params))
            await session.commit()
        log.debug("case_projected", case_id=case_id, timeline=timeline, outbox=outbox)
        return ProjectCaseResult(timeline_written=timeline, outbox_written=outbox, names=found)
