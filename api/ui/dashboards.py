"""统计: dashboards drawn with ECharts from the reports (大党委 coverage, workforce structure)
and the case store (contact compliance and 失联, escalations, commitment progress), each limited
to the communities the person reaches."""

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.services import services
from api.ui import labels
from api.ui.render import PagePerson, render
from db.base import local_today, utcnow
from db.coverage import coverage_report
from db.dashboards import commitment_progress, contact_compliance, escalations, lost_contact
from db.reports import FIGURES, Structure, workforce_report
from models.commitment import COMMITMENT_STATUS_LABELS

router = APIRouter(include_in_schema=False)
SHARES = ("bachelor_share", "party_member_share", "certificate_share")
LEVELS = ("yellow", "red")


@router.get("/dashboards")
async def dashboards(request: Request, person: PagePerson) -> Response:
    svc = services(request)
    reach = person.communities
    rules = svc.rules.active
    today = local_today()
    async with svc.sessions() as session:
        coverage = await coverage_report(session, rules, today)
        workforce = await workforce_report(session, rules, as_of=today)
        compliance = await contact_compliance(session, reach, utcnow())
        lost = await lost_contact(session, reach)
        escalated = await escalations(session, reach, LEVELS)
        commitments = await commitment_progress(session, reach)
    lines = [line for line in coverage.lines if reach is None or line.community_id in reach]
    structures = [s for s in workforce.communities if reach is None or s.community_id in reach]
    overall = workforce.overall if reach is None else None
    charts = {
        "coverage_by_community": _coverage_by(lines, "community_name"),
        "coverage_by_type": _coverage_by(lines, "org_type_label"),
        "workforce": _workforce(structures),
        "contacts": {
            "categories": [line.community_name for line in compliance],
            "series": [
                {"name": "按期联系", "data": [line.on_time for line in compliance]},
                {"name": "逾期后联系", "data": [line.late for line in compliance]},
                {"name": "逾期未联系", "data": [line.overdue for line in compliance]},
                {"name": "未到期", "data": [line.pending for line in compliance]},
            ],
        },
        "escalations": {
            "categories": escalated.months,
            "series": [
                {"name": labels.card(level), "level": level, "data": escalated.by_level[level]}
                for level in LEVELS
            ],
        },
        "commitments": _commitments(commitments),
    }
    members = sum(line.members for line in lines)
    total = sum(line.total for line in lines)
    return render(
        request,
        "dashboards.html",
        nav="dashboards",
        charts=charts,
        coverage_share=members / total if total else None,
        coverage_members=members,
        coverage_total=total,
        outside=[(line, org) for line in lines for org in line.outside],
        overall=overall,
        structures=structures,
        compliance=compliance,
        lost=lost,
        escalation_total=sum(sum(values) for values in escalated.by_level.values()),
        as_of=today,
    )


def _coverage_by(lines: list[Any], key: str) -> dict[str, Any]:
    """Members and non-members of the 大党委, summed by community or by organisation type."""
    members: dict[str, int] = {}
    outside: dict[str, int] = {}
    for line in lines:
        name = getattr(line, key)
        members[name] = members.get(name, 0) + line.members
        outside[name] = outside.get(name, 0) + line.total - line.members
    names = list(members)
    return {
        "categories": names,
        "series": [
            {"name": "已加入大党委", "data": [members[n] for n in names]},
            {"name": "未加入", "data": [outside[n] for n in names]},
        ],
    }


def _workforce(structures: list[Structure]) -> dict[str, Any]:
    """The three shares per community, with each share's target."""
    series = []
    for name in SHARES:
        values = []
        target = None
        for structure in structures:
            figure = next(f for f in structure.figures if f.name == name)
            values.append(None if figure.actual is None else round(figure.actual * 100, 1))
            target = figure.target if figure.target is not None else target
        series.append(
            {
                "name": FIGURES[name],
                "data": values,
                "target": None if target is None else round(target * 100, 1),
            }
        )
    return {"categories": [s.name for s in structures], "series": series}


def _commitments(lines: list[Any]) -> dict[str, Any]:
    statuses = [str(s) for s in COMMITMENT_STATUS_LABELS if any(s in x.by_status for x in lines)]
    return {
        "categories": [line.community_name for line in lines],
        "series": [
            {
                "name": COMMITMENT_STATUS_LABELS[status],
                "data": [line.by_status.get(status, 0) for line in lines],
            }
            for status in statuses
        ],
    }
