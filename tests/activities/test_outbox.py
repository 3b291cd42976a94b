"""Outbox delivery to real local webhook receivers: at least once, stable ids, backoff."""

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import random
import time
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from activities.cases import outbox_messages
from activities.outbox import Backoff, OutboxDelivery
from db.base import utcnow
from db.case_tables import OutboxMessage
from db.cases import add_outbox
from models.case import CaseSnapshot, OutboundEvent, ProjectCaseInput
from models.notification import Notification
from tests.api.databases import database_url, engine, on_each_database, sessions
from tests.ports import free_port

__all__ = ["database_url", "engine", "sessions"]

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
CASE = "annual_inspection/org-1/2026"


class _QuietServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@dataclass
class Receiver:
    """A webhook endpoint on a local port that answers with the given statuses, then 200."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    raw: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        raw = await request.body()
        self.raw.append((dict(request.headers), raw))
        body = json.loads(raw)
        self.received.append((request.headers["content-type"], body))
        status = self.statuses.pop(0) if self.statuses else 200
        await Response(status_code=status)(scope, receive, send)

    @property
    def ids(self) -> list[str]:
        return [body["id"] for _, body in self.received]


class Receivers:
    """Starts receivers on free local ports and stops them all at the end."""

    def __init__(self) -> None:
        self._running: list[tuple[_QuietServer, asyncio.Task[None]]] = []

    async def start(self, *statuses: int) -> Receiver:
        receiver = Receiver(list(statuses))
        port = free_port()
        config = uvicorn.Config(receiver, port=port, lifespan="off", log_config=None)
        server = _QuietServer(config)
        task = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 - uvicorn offers only this flag
            await asyncio.sleep(0.01)
        receiver.url = f"http://127.0.0.1:{port}/hook"
        self._running.append((server, task))
        return receiver

    async def stop(self) -> None:
        for server, task in self._running:
            server.should_exit = True
            await task


@pytest.fixture
async def receivers() -> AsyncIterator[Receivers]:
    started = Receivers()
    yield started
    await started.stop()


async def _queue(sessions: async_sessionmaker[AsyncSession]) -> tuple[str, str]:
    """One outbound event and one notification in the outbox; their CloudEvent ids."""
    snapshot = CaseSnapshot(case_id=CASE, process="annual_inspection", status="open", opened_at=T0)
    event = OutboundEvent(
        id=f"{CASE}#4", type="grassroots.inspection.cleared", subject=CASE, time=T0, data={}
    )
    reminder = Notification(
        case_id=CASE,
        task_id="signoff",
        kind="reminder",
        to="c-a",
        title="年检签署",
        due_at=T0 + timedelta(days=10),
        at=T0,
        message="请签署年检意见",
    )
    messages = outbox_messages(
        ProjectCaseInput(snapshot=snapshot, events=[event], notifications=[reminder])
    )
    async with sessions() as session:
        await add_outbox(await session.connection(), messages)
        await session.commit()
    return messages[0].payload["id"], messages[1].payload["id"]


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.kind)))


@on_each_database
async def test_every_webhook_receives_each_message_as_a_cloudevent(
    sessions: async_sessionmaker[AsyncSession], receivers: Receivers
) -> None:
    """Each configured receiver gets every message once, as a structured CloudEvent."""
    first, second = await receivers.start(), await receivers.start()
    event_id, notification_id = await _queue(sessions)
    async with httpx.AsyncClient() as http:
        delivery = OutboxDelivery(sessions, [first.url, second.url], http=http)
        assert await delivery.deliver_due() == 2
        assert await delivery.deliver_due() == 0
    for receiver in (first, second):
        assert sorted(receiver.ids) == sorted([event_id, notification_id])
        content_type, body = receiver.received[0]
        assert content_type.startswith("application/cloudevents+json")
        assert body["specversion"] == "1.0"
        assert body["source"] == "urn:grassroots:engine"
    assert all(row.delivered_at is not None and row.attempts == 1 for row in await _rows(sessions))


@on_each_database
async def test_a_failing_receiver_gets_the_same_event_again_later(
    sessions: async_sessionmaker[AsyncSession], receivers: Receivers
) -> None:
    """A receiver that fails gets the message again after a backoff, with the same id."""
    flaky = await receivers.start(503, 500)
    event_id, notification_id = await _queue(sessions)
    backoff = Backoff(base=timedelta(milliseconds=100), cap=timedelta(seconds=1))
    async with httpx.AsyncClient() as http:
        delivery = OutboxDelivery(sessions, [flaky.url], http=http, backoff=backoff)
        assert await delivery.deliver_due() == 2
        failed = await _rows(sessions)
        assert [row.delivered_at for row in failed] == [None, None]
        assert sorted(row.last_error or "" for row in failed) == [
            f"{flaky.url}: HTTP 500",
            f"{flaky.url}: HTTP 503",
        ]
        assert all(row.next_attempt_at > utcnow() for row in failed)
        assert await delivery.deliver_due() == 0  # not due yet
        await asyncio.sleep(0.15)
        assert await delivery.deliver_due() == 2
    rows = await _rows(sessions)
    assert [(row.attempts, row.last_error) for row in rows] == [(2, None), (2, None)]
    assert all(row.delivered_at is not None for row in rows)
    assert sorted(flaky.ids) == sorted([event_id, event_id, notification_id, notification_id])


@on_each_database
async def test_an_unreachable_webhook_is_retried_with_growing_delays(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A webhook that cannot be reached keeps its messages, each retry waiting longer."""
    await _queue(sessions)
    url = f"http://127.0.0.1:{free_port()}/hook"
    backoff = Backoff(base=timedelta(seconds=10), cap=timedelta(minutes=5))
    async with httpx.AsyncClient() as http:
        delivery = OutboxDelivery(sessions, [url], http=http, backoff=backoff, request_timeout=2)
        waits = []
        for _ in range(3):
            assert await delivery.deliver_due() == 2
            rows = await _rows(sessions)
            assert all("ConnectError" in (row.last_error or "") for row in rows)
            waits.append(min(row.next_attempt_at for row in rows) - utcnow())
            async with sessions() as session:
                await session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
                await session.commit()
    assert timedelta(seconds=4) < waits[0] <= timedelta(seconds=10)
    assert timedelta(seconds=9) < waits[1] <= timedelta(seconds=20)
    assert timedelta(seconds=19) < waits[2] <= timedelta(seconds=40)


@on_each_database
async def test_without_webhooks_notifications_go_to_the_inbox_and_events_wait(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """With no webhook configured, reminders show in the app; outbound events are kept."""
    await _queue(sessions)
    async with httpx.AsyncClient() as http:
        assert await OutboxDelivery(sessions, [], http=http).deliver_due() == 1
    event, notification = await _rows(sessions)
    assert (notification.destination, notification.delivered_at is not None) == ("inbox", True)
    assert (event.kind, event.delivered_at, event.attempts) == ("event", None, 0)


@on_each_database
async def test_the_delivery_loop_runs_until_stopped(
    sessions: async_sessionmaker[AsyncSession], receivers: Receivers
) -> None:
    """The worker's delivery loop picks up new messages by itself and stops when told."""
    receiver = await receivers.start()
    stop = asyncio.Event()
    async with httpx.AsyncClient() as http:
        delivery = OutboxDelivery(sessions, [receiver.url], http=http)
        loop = asyncio.create_task(delivery.run(stop, poll_seconds=0.05))
        event_id, notification_id = await _queue(sessions)
        for _ in range(100):
            if len(receiver.received) == 2:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(loop, 5)
    assert sorted(receiver.ids) == sorted([event_id, notification_id])


def _verified(secret: bytes, headers: dict[str, str], body: bytes) -> bool:
    """A receiver's check, as the Standard Webhooks specification describes it."""
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode()
    given = [part.removeprefix("v1,") for part in headers["webhook-signature"].split()]
    return any(hmac.compare_digest(expected, sig) for sig in given)


@on_each_database
async def test_with_a_secret_key_each_delivery_is_signed(
    sessions: async_sessionmaker[AsyncSession], receivers: Receivers
) -> None:
    """A receiver holding the key can check each delivery, its retries included; a changed
    body or another key does not pass."""
    secret = b"k3y-shared-with-the-registrar"
    receiver = await receivers.start(503)
    ids = await _queue(sessions)
    async with httpx.AsyncClient() as http:
        delivery = OutboxDelivery(
            sessions, [receiver.url], http=http, backoff=Backoff(timedelta(0)), secret=secret
        )
        await delivery.deliver_due()
        await delivery.deliver_due()
    assert len(receiver.raw) == 3  # one refused with 503, sent again
    for headers, body in receiver.raw:
        assert headers["webhook-id"] == json.loads(body)["id"]
        assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
        assert _verified(secret, headers, body)
        assert not _verified(b"another key", headers, body)
        assert not _verified(secret, headers, body.replace(b"}", b" }", 1))
    assert sorted({h["webhook-id"] for h, _ in receiver.raw}) == sorted(ids)


@on_each_database
async def test_without_a_secret_key_deliveries_carry_no_signature(
    sessions: async_sessionmaker[AsyncSession], receivers: Receivers
) -> None:
    receiver = await receivers.start()
    await _queue(sessions)
    async with httpx.AsyncClient() as http:
        await OutboxDelivery(sessions, [receiver.url], http=http).deliver_due()
    assert receiver.raw
    assert all("webhook-signature" not in headers for headers, _ in receiver.raw)


def test_backoff_doubles_with_jitter_up_to_its_cap() -> None:
    """Retry delays double each attempt, vary randomly within half of it, and stop growing."""
    backoff = Backoff(base=timedelta(seconds=5), cap=timedelta(minutes=1))
    rng = random.Random(7)
    for attempts, full in ((1, 5), (2, 10), (3, 20), (4, 40), (5, 60), (9, 60)):
        delay = backoff.delay(attempts, rng).total_seconds()
        assert full / 2 <= delay <= full
