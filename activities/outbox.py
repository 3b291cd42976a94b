"""Outbox delivery, run beside the worker: pending rows go to the configured webhooks as
structured-mode CloudEvents, at least once, with exponential backoff and jitter. Receivers
de-duplicate on the CloudEvent ``id``, which never changes between attempts. With a secret key
(``GRASSROOTS_SECRET_KEY``) every delivery is signed as Standard Webhooks does: headers
``webhook-id``, ``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">``, so a receiver can check it comes from Grassroots and is fresh.

Without webhooks, notifications are delivered to the in-app inbox (``GET /api/notifications``)
and outbound events wait in the outbox until a webhook is configured."""

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.case_tables import OutboxMessage
from db.cases import due_outbox
from db.vocab import OutboxKind

log = structlog.get_logger(__name__)

INBOX = "inbox"
CLOUDEVENTS_JSON = "application/cloudevents+json; charset=utf-8"


@dataclass(frozen=True, slots=True)
class _Claim:
    id: str
    attempts: int
    payload: dict[str, Any]


def signature_headers(secret: bytes, message_id: str, body: bytes, at: int) -> dict[str, str]:
    """The Standard Webhooks headers for one delivery of ``body`` at Unix time ``at``."""
    signed = f"{message_id}.{at}.".encode() + body
    digest = hmac.new(secret, signed, hashlib.sha256).digest()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(at),
        "webhook-signature": "v1," + base64.b64encode(digest).decode("ascii"),
    }


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter: attempt n waits between half and all of base·2ⁿ⁻¹."""

    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        full = min(self.cap.total_seconds(), self.base.total_seconds() * 2 ** (attempts - 1))
        return timedelta(seconds=full / 2 + rng.uniform(0, full / 2))


class OutboxDelivery:
    """Delivers due outbox rows; several processes may run it against one database."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        webhooks: Sequence[str],
        *,
        http: httpx.AsyncClient,
        batch_size: int = 50,
        backoff: Backoff | None = None,
        request_timeout: float = 10.0,
        rng: random.Random | None = None,
        secret: bytes | None = None,
    ) -> None:
        self._sessions = sessions
        self._secret = secret
        self._webhooks = tuple(webhooks)
        self._http = http
        self._batch_size = batch_size
        self._backoff = backoff or Backoff()
        self._timeout = request_timeout
        self._rng = rng or random.Random()
        # While a batch is being delivered its rows are leased, so another process skips them;
        # if this one dies, the lease runs out and the rows are delivered again (at least once).
        self._lease = timedelta(seconds=max(60.0, request_timeout * (len(self._webhooks) + 1)))

    async def deliver_due(self) -> int:
        """One pass over due rows; returns how many were handled (delivered or retried later)."""
        if not self._webhooks:
            return await self._to_inbox()
        claims = await self._claim()
        if not claims:
            return 0
        errors = await asyncio.gather(*(self._post(claim) for claim in claims))
        await self._settle(claims, errors)
        return len(claims)

    async def _to_inbox(self) -> int:
        async with self._sessions() as session:
            now = utcnow()
            rows = await due_outbox(session, now, {OutboxKind.NOTIFICATION}, self._batch_size)
            for row in rows:
                row.destination = INBOX
                row.delivered_at = now
                row.attempts += 1
            await session.commit()
        return len(rows)

    async def _claim(self) -> list[_Claim]:
        async with self._sessions() as session:
            now = utcnow()
            rows = await due_outbox(session, now, set(OutboxKind), self._batch_size)
            for row in rows:
                row.next_attempt_at = now + self._lease
            claims = [_Claim(row.id, row.attempts, dict(row.payload)) for row in rows]
            await session.commit()
        return claims

    async def _post(self, claim: _Claim) -> str | None:
        """Send one message to every webhook; None when all accepted, else what went wrong."""
        body = json.dumps(claim.payload, ensure_ascii=False).encode("utf-8")
        headers = {"content-type": CLOUDEVENTS_JSON}
        if self._secret is not None:
            message_id = str(claim.payload.get("id") or claim.id)
            headers |= signature_headers(self._secret, message_id, body, int(time.time()))
        problems = []
        for url in self._webhooks:
            try:
                response = await self._http.post(
                    url, content=body, headers=headers, timeout=self._timeout
                )
            except httpx.HTTPError as exc:
                problems.append(f"{url}: {type(exc).__name__}: {exc}")
                continue
            if not response.is_success:
                problems.append(f"{url}: HTTP {response.status_code}")
        return "; ".join(problems) or None

    async def _settle(self, claims: list[_Claim], errors: Sequence[str | None]) -> None:
        async with self._sessions() as session:
            now = utcnow()
            for claim, error in zip(claims, errors, strict=True):
                row = await session.get(OutboxMessage, claim.id)
                if row is None or row.delivered_at is not None:
                    continue
                row.attempts = claim.attempts + 1
                if error is None:
                    row.delivered_at = now
                    row.last_error = None
                    continue
                row.last_error = error[:2000]
                row.next_attempt_at = now + self._backoff.delay(row.attempts, self._rng)
                log.warning(
                    "outbox_delivery_failed",
                    id=claim.id,
                    attempts=row.attempts,
                    retry_at=row.next_attempt_at.isoformat(),
                    error=error,
                )
            await session.commit()

    async def run(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        """Deliver until ``stop`` is set; a full batch goes straight on to the next one."""
        log.info("outbox_delivery_started", webhooks=len(self._webhooks))
        while not stop.is_set():
            try:
                handled = await self.deliver_due()
            except Exception:
                log.exception("outbox_delivery_pass_failed")
                handled = 0
            if handled >= self._batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)
        log.info("outbox_delivery_stopped")


async def run_outbox_delivery(
    sessions: async_sessionmaker[AsyncSession],
    webhooks: Sequence[str],
    stop: asyncio.Event,
    secret: bytes | None = None,
) -> None:
    """Deliver the outbox until ``stop`` is set (the worker process runs this beside its worker);
    deliveries are signed when there is a secret."""
    if webhooks and secret is None:
        log.warning(
            "outbox_deliveries_unsigned",
            hint="set GRASSROOTS_SECRET_KEY so receivers can check deliveries come from Grassroots",
        )
    async with httpx.AsyncClient() as http:
        await OutboxDelivery(sessions, webhooks, http=http, secret=secret).run(stop)
