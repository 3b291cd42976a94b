"""Registry look-ups and writes of P4 (community workers) and P5 (public commitments): one
session and one transaction per activity call, so a retried call leaves one result."""

from collections.abc import Callable
from datetime import date

import structlog
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from db import commitments, workforce
from models.commitment import (
    CommitmentRecordInput,
    MemberProfile,
    MemberProfileInput,
    ServiceRecordInput,
    ServiceRecordResult,
)
from models.community_worker import (
    AssessmentRecordInput,
    AssessmentRecordResult,
    WorkerChangeInput,
    WorkerChangeResult,
    WorkerProfile,
    WorkerProfileInput,
)

log = structlog.get_logger(__name__)

SessionFactory = Callable[[], AsyncSession]


LEAVING_REASONS: dict[str, str] = {
    "resignation": "辞职",
    "dismissal": "辞退",
    "retirement": "退休",
}
"""Why a worker leaves: the event's word → its label (the label is accepted in the event too)."""


class WorkerLeft(BaseModel):
    """``grassroots.worker.left`` data: the worker left the workforce on ``date``."""

    model_config = ConfigDict(extra="allow")

    worker_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(description="resignation | dismissal | retirement (or 辞职、辞退、退休)")
    date: date
    note: str = Field("", max_length=500)

    @field_validator("reason")
    @classmethod
    def _known_reason(cls, value: str) -> str:
        word = value.strip()
        for key, label in LEAVING_REASONS.items():
            if word in (key, label):
                return key
        known = "、".join(f"{label}（{key}）" for key, label in LEAVING_REASONS.items())
        raise ValueError(f"离职原因应为 {known}")

    @property
    def label(self) -> str:
        return LEAVING_REASONS[self.reason]


class WorkerDeparture(BaseModel):
    """The worker left the workforce: why (the label, e.g. 辞职) and on which day."""

    reason: str = Field(min_length=1, max_length=64)
    on: date


class WorkerChangeRequest(WorkerChangeInput):
    """``change_worker``'s input: a change of the registry row, or (``left``) a departure.

    A subclass, so requests recorded before departures existed read the same."""

    left: WorkerDeparture | None = None


class WorkforceActivities:
    """What P4 and P5 read from and write to the registry."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self._sessions = session_factory

    @activity.defn
    async def worker_profile(self, request: WorkerProfileInput) -> WorkerProfile:
        """P4: the worker's post, grade, education and record, if registered."""
        async with self._sessions() as session:
            return await workforce.worker_profile(session, request.worker_id)

    @activity.defn
    async def change_worker(self, change: WorkerChangeRequest) -> WorkerChangeResult:
        """P4: hire a worker into the registry, change their grade or Party membership, or
        record that they left (the workforce report stops counting them from that day)."""
        async with self._sessions() as session:
            if change.left is not None:
                left = change.left
                result = await workforce.record_departure(
                    session, change.worker_id, change.case_id, left.on, left.reason
                )
            else:
                result = await workforce.apply_worker_change(session, change)
            await session.commit()
        log.info("worker_changed", worker_id=change.worker_id, changes=result.changes)
        return result

    @activity.defn
    async def record_worker_assessment(
        self, record: AssessmentRecordInput
    ) -> AssessmentRecordResult:
        """P4: keep the year's tier; say how many top tiers the community gave that year."""
        async with self._sessions() as session:
            result = await workforce.record_assessment(session, record)
            await session.commit()
        return result

    @activity.defn
    async def member_profile(self, request: MemberProfileInput) -> MemberProfile:
        """P5: the member's community and masked name, if registered."""
        async with self._sessions() as session:
            return await commitments.member_profile(session, request.member_id)

    @activity.defn
    async def record_commitment(self, record: CommitmentRecordInput) -> None:
        """P5: write the commitment's public record (items, progress, result)."""
        async with self._sessions() as session:
            await commitments.upsert_commitment(session, record)
            await session.commit()

    @activity.defn
    async def record_service(self, record: ServiceRecordInput) -> ServiceRecordResult:
        """P5: put a service entry in the ledger and count it as community activity."""
        async with self._sessions() as session:
            result = await commitments.record_service(session, record)
            await session.commit()
        return result
