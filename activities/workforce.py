"""Registry look-ups and writes of P4 (community workers) and P5 (public commitments): one
session and one transaction per activity call, so a retried call leaves one result."""

from collections.abc import Callable

import structlog
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
    async def change_worker(self, change: WorkerChangeInput) -> WorkerChangeResult:
        """P4: hire a worker into the registry, or change their grade or Party membership."""
        async with self._sessions() as session:
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
