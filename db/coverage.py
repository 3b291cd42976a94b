"""The 大党委 coverage report: per community and organisation type, who is inside the community's
big Party committee on a date, who is still outside, and who joined and who left since an earlier
date (members then + joined − left = members on the report's date).

The organisation types counted are the rule file's (``annual_inspection.yaml``
``coverage_org_types``: resident units and the inspected types, blind spots included).
"""

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from db import queries
from db.vocab import ORG_TYPE_LABELS, OrgType
from rules.engine.ruleset import RuleSet


class OrgEntry(BaseModel):
    org_id: str
    name: str


class CoverageLine(BaseModel):
    """One community and organisation type."""

    community_id: str
    community_name: str
    org_type: str
    org_type_label: str
    total: int
    members: int
    share: float = Field(description="members / total (1.0 when there are none)")
    outside: list[OrgEntry] = Field(default_factory=list)
    joined_since: list[OrgEntry] = Field(default_factory=list)
    left_since: list[OrgEntry] = Field(
        default_factory=list, description="members on ``since`` who are no longer members on ``at``"
    )


class CoverageTotals(BaseModel):
    total: int = 0
    members: int = 0
    joined_since: int = 0
    left_since: int = 0

    @classmethod
    def of(cls, lines: Sequence[CoverageLine]) -> "CoverageTotals":
        """The sums over ``lines``."""
        return cls(
            total=sum(line.total for line in lines),
            members=sum(line.members for line in lines),
            joined_since=sum(len(line.joined_since) for line in lines),
            left_since=sum(len(line.left_since) for line in lines),
        )

    @property
    def share(self) -> float:
        return self.members / self.total if self.total else 1.0


class CoverageReport(BaseModel):
    """Coverage on ``at``, with the change since ``since``, under one rule version."""

    at: date
    since: date
    rule_version: str
    org_types: list[str]
    lines: list[CoverageLine] = Field(default_factory=list)
    totals: CoverageTotals = Field(default_factory=CoverageTotals)


async def coverage_report(
    session: AsyncSession,
    rules: RuleSet,
    at: date,
    *,
    since: date | None = None,
    community_id: str | None = None,
) -> CoverageReport:
    """The report on ``at``; ``since`` defaults to 1 January of that year.

    InvalidPeriod if ``since`` is after ``at``; UnknownReference for an unknown ``community_id``.
    """
    start = since or date(at.year, 1, 1)
    counted = rules.org_types(rules.annual_inspection.coverage_org_types)
    rows = await queries.coverage(session, at, since=start, community_id=community_id)
    lines = [
        CoverageLine(
            community_id=row.community_id,
            community_name=row.community_name,
            org_type=row.org_type.value,
            org_type_label=ORG_TYPE_LABELS[OrgType(row.org_type)],
            total=row.total,
            members=row.members,
            share=row.share,
            outside=[OrgEntry(org_id=o.org_id, name=o.name) for o in row.outside],
            joined_since=[OrgEntry(org_id=o.org_id, name=o.name) for o in row.joined_since],
            left_since=[OrgEntry(org_id=o.org_id, name=o.name) for o in row.left_since],
        )
        for row in rows
        if row.org_type.value in counted
    ]
    return CoverageReport(
        at=at,
        since=start,
        rule_version=rules.version,
        org_types=sorted(counted),
        lines=lines,
        totals=CoverageTotals.of(lines),
    )
