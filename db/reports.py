"""The workforce-structure report (P4): per community and overall, the seed's four measures —
secretaries' average age, shares with a bachelor's degree, Party membership and a social-work
certificate — and staffing per 10,000 residents, each against the rule file's target and the
seed's baseline, with their trend by year.

The registry holds the present; earlier years are the workers employed then, with the changes
P4 recorded since rolled back (``db.workforce.roster_on``). Resident populations are today's.
"""

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from db import queries
from db.base import local_today
from db.people import age_on
from db.vocab import BACHELOR_OR_ABOVE, Education, WorkerPost
from db.workforce import WorkerOn, roster_on
from rules.engine.processes import CommunityWorker
from rules.engine.ruleset import RuleSet

FIGURES: dict[str, str] = {
    "secretary_average_age": "社区党组织书记平均年龄（岁）",
    "bachelor_share": "本科及以上学历占比",
    "party_member_share": "党员占比",
    "certificate_share": "持社会工作者职业资格证书占比",
    "workers_per_10k_residents": "每万常住人口社区工作者数（人）",
}
CEILINGS = frozenset({"secretary_average_age"})
"""Figures whose target is a ceiling; every other target is a floor."""


class Figure(BaseModel):
    """One measure against its target (``meets`` None when either is unknown) and baseline."""

    name: str
    label: str
    actual: float | None
    target: float | None = None
    baseline: float | None = None
    ceiling: bool = False
    meets: bool | None = None


class Structure(BaseModel):
    """The workforce of one community, or of all (``community_id`` None)."""

    community_id: str | None
    name: str
    workers: int
    secretaries: int
    residents: int | None = None
    over_max: bool | None = Field(None, description="More workers than the per-community cap.")
    figures: list[Figure]

    def figure(self, name: str) -> Figure:
        return next(f for f in self.figures if f.name == name)


class TrendPoint(BaseModel):
    """All communities' figures at the end of a year (or on the report day, this year)."""

    year: int
    as_of: date
    workers: int
    figures: dict[str, float | None]


class WorkforceReport(BaseModel):
    year: int
    as_of: date
    rule_version: str
    max_per_community: int | None
    overall: Structure
    communities: list[Structure]
    trend: list[TrendPoint]
    basis: str | None = None


def figures(roster: Sequence[WorkerOn], residents: int | None, on: date) -> dict[str, float | None]:
    """The five measures of a set of workers on a day."""
    total = len(roster)

    def share(count: int) -> float | None:
        return round(count / total, 4) if total else None

    heads = [w for w in roster if w.post == WorkerPost.HEAD]
    ages = [age_on(w.birth_date, on) for w in heads]
    return {
        "secretary_average_age": round(sum(ages) / len(ages), 1) if ages else None,
        "bachelor_share": share(sum(Education(w.education) in BACHELOR_OR_ABOVE for w in roster)),
        "party_member_share": share(sum(w.party_member for w in roster)),
        "certificate_share": share(sum(w.certificate for w in roster)),
        "workers_per_10k_residents": round(total / residents * 10_000, 2) if residents else None,
    }


def _structure(
    decider: CommunityWorker,
    community_id: str | None,
    name: str,
    roster: Sequence[WorkerOn],
    residents: int | None,
    on: date,
) -> Structure:
    measured = figures(roster, residents, on)
    gaps = decider.workforce(measured).result
    model = decider.model.workforce
    cap = model.targets.max_per_community
    return Structure(
        community_id=community_id,
        name=name,
        workers=len(roster),
        secretaries=sum(w.post == WorkerPost.HEAD for w in roster),
        residents=residents,
        over_max=len(roster) > cap if cap is not None and community_id is not None else None,
        figures=[
            Figure(
                name=key,
                label=label,
                actual=gaps[key].actual,
                target=gaps[key].target,
                baseline=getattr(model.baseline, key, None),
                ceiling=key in CEILINGS,
                meets=gaps[key].meets,
            )
            for key, label in FIGURES.items()
        ],
    )


def report_day(year: int | None, as_of: date | None) -> tuple[int, date]:
    """The report's year and day: the day given, else the year's last day (today, this year)."""
    if as_of is not None:
        return year or as_of.year, as_of
    today = local_today()
    if year is None or year == today.year:
        return today.year, today
    return year, date(year, 12, 31)


async def workforce_report(
    session: AsyncSession,
    rules: RuleSet,
    *,
    year: int | None = None,
    as_of: date | None = None,
    trend_years: int = 5,
) -> WorkforceReport:
    """The workforce structure in ``year`` (per community and overall) and its trend."""
    year, on = report_day(year, as_of)
    decider = CommunityWorker.of(rules)
    communities = await queries.list_communities(session)
    roster = await roster_on(session, on)
    rows = [
        _structure(
            decider,
            community.id,
            community.name,
            [w for w in roster if w.community_id == community.id],
            community.resident_population,
            on,
        )
        for community in communities
    ]
    populations = [c.resident_population for c in communities]
    residents = sum(p for p in populations if p) if all(populations) and populations else None
    trend: list[TrendPoint] = []
    for past in range(year - trend_years + 1, year + 1):
        day = on if past == year else date(past, 12, 31)
        workers = roster if past == year else await roster_on(session, day)
        if workers:
            trend.append(
                TrendPoint(
                    year=past,
                    as_of=day,
                    workers=len(workers),
                    figures=figures(workers, residents, day),
                )
            )
    return WorkforceReport(
        year=year,
        as_of=on,
        rule_version=rules.version,
        max_per_community=decider.model.workforce.targets.max_per_community,
        overall=_structure(decider, None, "全部社区", roster, residents, on),
        communities=rows,
        trend=trend,
        basis=decider.model.workforce.basis,
    )
