"""The cases a first start with the sample registry runs: its floating members onboarded (P3), its
community workers in service (P4) and a set of members' commitments (P5).

Two marker rows in the processed-events table (source ``urn:grassroots:sample``) remember the
year the cases were planned for and that all of them were started: a restart starts nothing
twice, a start that stopped half-way is completed by the next one (every event keeps its id, so
the repeats are no-ops), and a start in a later year does not add a second year of samples.
"""

import csv
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.case_tables import ProcessedEvent
from db.cases import record_processed
from db.commitments import sample_commitment_events
from db.floating import sample_floating_events
from db.sample import SAMPLE_DIR
from db.tables import Street
from db.workforce import SAMPLE_SOURCE, sample_worker_events
from models.events import InboundEvent

PLANNED = "grassroots.sample.planned"
STARTED = "grassroots.sample.started"


@dataclass(frozen=True, slots=True)
class SamplePlan:
    """The start events of the sample cases of ``year``, by process."""

    year: int
    floating: list[InboundEvent]
    workers: list[InboundEvent]
    commitments: list[InboundEvent]

    @property
    def events(self) -> list[InboundEvent]:
        return [*self.floating, *self.workers, *self.commitments]

    def banner_line(self) -> str:
        """What the run command prints about them."""
        return (
            f"  Sample cases:    {len(self.floating)} floating members, {len(self.workers)} "
            f"workers, {len(self.commitments)} commitments (starting in the background)"
        )


def _sample_street_id() -> str:
    with (SAMPLE_DIR / "streets.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))[1][0]


def _marker(year: int, kind: str) -> str:
    return f"sample-cases/{year}/{kind.rsplit('.', 1)[-1]}"


async def _planned_year(session: AsyncSession) -> int | None:
    query = select(ProcessedEvent.event_id).where(
        ProcessedEvent.source == SAMPLE_SOURCE, ProcessedEvent.type == PLANNED
    )
    found = (await session.scalars(query.order_by(ProcessedEvent.id))).first()
    return int(found.split("/")[1]) if found is not None else None


async def _marked(session: AsyncSession, year: int, kind: str) -> bool:
    query = select(ProcessedEvent.id).where(
        ProcessedEvent.source == SAMPLE_SOURCE, ProcessedEvent.event_id == _marker(year, kind)
    )
    return (await session.scalar(query)) is not None


async def plan_sample_cases(session: AsyncSession, today: date) -> SamplePlan | None:
    """The sample cases still to start, or None: the registry is not the sample's, or they were
    all started before. The first plan fixes the year (``today``'s) and commits it."""
    if await session.get(Street, _sample_street_id()) is None:
        return None
    year = await _planned_year(session)
    if year is None:
        year = today.year
        record_processed(session, SAMPLE_SOURCE, _marker(year, PLANNED), PLANNED, None)
        await session.commit()
    elif await _marked(session, year, STARTED):
        return None
    return SamplePlan(
        year=year,
        floating=await sample_floating_events(session, year),
        workers=await sample_worker_events(session, year),
        commitments=await sample_commitment_events(session, year),
    )


async def mark_sample_cases_started(session: AsyncSession, year: int) -> None:
    """Remember that every sample case of ``year`` was started; later starts send nothing."""
    if not await _marked(session, year, STARTED):
        record_processed(session, SAMPLE_SOURCE, _marker(year, STARTED), STARTED, None)
        await session.commit()
