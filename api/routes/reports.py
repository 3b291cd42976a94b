"""``GET /api/reports/coverage`` and ``GET /api/reports/workforce``: the reports of the CLI's
``grassroots report``, over the API, within the caller's reach.

A caller who reaches only some communities (community staff, a street committee) gets their
communities' lines; their totals, overall figures and trend count only those communities."""

from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from api.problems import FieldError, bad_request, not_found
from api.security import Person, Principal
from api.services import services
from db.base import local_today
from db.coverage import CoverageReport, CoverageTotals, coverage_report
from db.errors import InvalidPeriod, UnknownReference
from db.registry import require
from db.reports import (
    CEILINGS,
    FIGURES,
    Figure,
    Structure,
    TrendPoint,
    WorkforceReport,
    figures,
    workforce_report,
)
from db.tables import Community as CommunityRow
from db.vocab import WorkerPost
from db.workforce import WorkerOn, roster_on
from rules.engine.processes import CommunityWorker

router = APIRouter(prefix="/api/reports", tags=["reports"])

Community = Annotated[str | None, Query(description="one community id (within your reach)")]


def _check_reach(person: Principal, community: str | None) -> None:
    if community is not None and not person.reaches(community):
        raise not_found(f"no community {community} within your reach")


@router.get("/coverage", response_model=CoverageReport)
async def coverage(
    request: Request,
    person: Person,
    at: Annotated[date | None, Query(description="report date (default: today)")] = None,
    since: Annotated[
        date | None, Query(description="count joins and departures from (default: 1 Jan)")
    ] = None,
    community: Community = None,
) -> CoverageReport:
    """大党委 coverage per community and organisation type: members, who is outside, who joined
    and who left since ``since``; the organisation types are the rule file's
    ``coverage_org_types``. ``since`` after ``at`` is a 400, an unknown community a 404."""
    _check_reach(person, community)
    svc = services(request)
    day = at or local_today()
    async with svc.sessions() as session:
        try:
            report = await coverage_report(
                session, svc.rules.active, day, since=since, community_id=community
            )
        except InvalidPeriod as err:
            message = f"must be on or before at ({day.isoformat()})"
            raise bad_request(str(err), [FieldError("since", message)]) from err
        except UnknownReference as err:
            raise not_found(f"no community {community} within your reach") from err
    if person.communities is None:
        return report
    lines = [line for line in report.lines if line.community_id in person.communities]
    return report.model_copy(update={"lines": lines, "totals": CoverageTotals.of(lines)})


@router.get("/workforce", response_model=WorkforceReport)
async def workforce(
    request: Request,
    person: Person,
    year: Annotated[int | None, Query(ge=1949, le=2200, description="default: this year")] = None,
    as_of: Annotated[date | None, Query(description="report day (default: year's end)")] = None,
    community: Community = None,
) -> WorkforceReport:
    """Community-worker structure per community and overall — secretaries' average age, shares
    with a bachelor's degree, Party members and certified social workers, workers per 10,000
    residents — against the rule file's targets and the seed baseline, with the trend by year.
    An unknown community is a 404, as for the coverage report."""
    _check_reach(person, community)
    reach = person.communities if community is None else frozenset({community})
    svc = services(request)
    rules = svc.rules.active
    async with svc.sessions() as session:
        if community is not None:
            try:
                await require(session, CommunityRow, community, "community")
            except UnknownReference as err:
                raise not_found(f"no community {community} within your reach") from err
        report = await workforce_report(session, rules, year=year, as_of=as_of)
        if reach is None:
            return report
        return await _within(session, report, CommunityWorker.of(rules), reach)


async def _within(
    session: AsyncSession, report: WorkforceReport, decider: CommunityWorker, reach: frozenset[str]
) -> WorkforceReport:
    """The report for the communities in ``reach`` only: their lines, overall and trend."""
    communities = [c for c in report.communities if c.community_id in reach]
    populations = [c.residents for c in communities]
    residents = sum(p for p in populations if p) if populations and all(populations) else None
    name = communities[0].name if len(communities) == 1 else "所辖社区"
    roster = await _roster(session, report.as_of, reach)
    trend: list[TrendPoint] = []
    for point in report.trend:
        workers = (
            roster if point.as_of == report.as_of else await _roster(session, point.as_of, reach)
        )
        if workers:
            figures_then = figures(workers, residents, point.as_of)
            trend.append(
                TrendPoint(
                    year=point.year, as_of=point.as_of, workers=len(workers), figures=figures_then
                )
            )
    overall = _structure(decider, name, roster, residents, report.as_of)
    return report.model_copy(
        update={"communities": communities, "overall": overall, "trend": trend}
    )


async def _roster(session: AsyncSession, on: date, reach: frozenset[str]) -> list[WorkerOn]:
    return [w for w in await roster_on(session, on) if w.community_id in reach]


def _structure(
    decider: CommunityWorker,
    name: str,
    roster: Sequence[WorkerOn],
    residents: int | None,
    on: date,
) -> Structure:
    """The overall line of several communities (no per-community cap applies to it)."""
    gaps = decider.workforce(figures(roster, residents, on)).result
    baseline = decider.model.workforce.baseline
    return Structure(
        community_id=None,
        name=name,
        workers=len(roster),
        secretaries=sum(w.post == WorkerPost.HEAD for w in roster),
        residents=residents,
        figures=[
            Figure(
                name=key,
                label=label,
                actual=gaps[key].actual,
                target=gaps[key].target,
                baseline=getattr(baseline, key, None),
                ceiling=key in CEILINGS,
                meets=gaps[key].meets,
            )
            for key, label in FIGURES.items()
        ],
    )
