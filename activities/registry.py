"""Registry facts for the process workflows: exactly what their rules read, with the source of
each fact. The facts models (``rules.engine.facts``) say what every field means."""

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from db import queries
from db.commitments import commitment_result
from db.tables import PartyMember
from models.annual_inspection import OrgFactsInput, OrgFactsResult
from models.dual_assessment import SubjectFactsInput, SubjectFactsResult
from rules.engine.facts import OrgFacts, SubjectFacts

SessionFactory = Callable[[], AsyncSession]


class RegistryActivities:
    """Reads the registry for the deciders; one session per activity call."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self._sessions = session_factory

    @activity.defn
    async def subject_facts(self, request: SubjectFactsInput) -> SubjectFactsResult:
        """P1: a unit's big-committee standing, or a cadre's report-ins and community service."""
        async with self._sessions() as session:
            if request.subject_type == "unit":
                found, label = await _unit(session, request)
            else:
                found, label = await _cadre(session, request)
        base = {"subject_type": request.subject_type, "id": request.subject_id}
        facts, sources = _merge(SubjectFacts, base, request.hints, found)
        return SubjectFactsResult(
            known=found is not None, facts=SubjectFacts(**facts), label=label, sources=sources
        )

    @activity.defn
    async def org_facts(self, request: OrgFactsInput) -> OrgFactsResult:
        """P2: the organisation's type, community, Party organisation and 大党委 standing."""
        async with self._sessions() as session:
            org = await queries.get_organisation(session, request.org_id)
            found: dict[str, Any] | None = None
            if org is not None:
                spell = await queries.membership_at(session, org.id, request.as_of)
                staff = await session.scalar(
                    select(func.count()).where(PartyMember.employer_org_id == org.id)
                )
                found = {
                    "org_type": org.type,
                    "community_id": org.community_id,
                    "big_committee_member": spell is not None,
                    "has_party_org": org.has_party_org,
                    "has_liaison": org.has_liaison,
                    "big_committee_activities": await queries.org_activity_count(
                        session, org.id, request.year
                    ),
                    "party_members": int(staff or 0),
                }
                if org.registered_on is not None:
                    found["months_registered"] = _months(org.registered_on, request.as_of)
        facts, sources = _merge(OrgFacts, {"id": request.org_id}, request.hints, found)
        return OrgFactsResult(
            known=org is not None,
            facts=OrgFacts(**facts),
            label=org.name if org is not None else None,
            sources=sources,
        )


async def _unit(
    session: AsyncSession, request: SubjectFactsInput
) -> tuple[dict[str, Any] | None, str | None]:
    org = await queries.get_organisation(session, request.subject_id)
    if org is None:
        return None, None
    spell = await queries.membership_at(session, org.id, request.as_of)
    found = {
        "org_type": org.type,
        "community_id": org.community_id,
        "big_committee_member": spell is not None,
        "big_committee_activities": await queries.org_activity_count(session, org.id, request.year),
    }
    return found, org.name


async def _cadre(
    session: AsyncSession, request: SubjectFactsInput
) -> tuple[dict[str, Any] | None, str | None]:
    member = await queries.get_member(session, request.subject_id)
    if member is None:
        return None, None
    evidence = await queries.cadre_evidence(session, member.id, request.year)
    # The year's P5 commitment counts once evaluated: its grade, or none yet.
    commitment = await commitment_result(session, member.id, request.year)
    found = {
        # Everyone in the members register is a Party member.
        "party_member": True,
        "reported_in": evidence.community_id is not None,
        "report_community_id": evidence.community_id or "",
        "residence_community_id": member.community_id or "",
        "community_activities": evidence.activities,
        "volunteer_hours": evidence.hours,
        "commitment_grade": (commitment.grade if commitment is not None else None) or "",
    }
    return found, _masked(member.name)


def _merge(
    model: type[BaseModel],
    base: Mapping[str, Any],
    hints: Mapping[str, Any],
    found: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Registry facts win over the event's hints; fields neither gives keep their defaults."""
    fields = model.model_fields
    facts: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, value in hints.items():
        if name in fields and name not in base:
            facts[name], sources[name] = value, "event"
    for name, value in (found or {}).items():
        facts[name], sources[name] = value, "registry"
    facts.update(base)
    return facts, sources


def _months(since: date, on: date) -> int:
    """Whole months from ``since`` to ``on``."""
    months = (on.year - since.year) * 12 + on.month - since.month
    return max(months - (on.day < since.day), 0)


def _masked(name: str) -> str:
    """The surname and a star per other character: names stay out of case lists."""
    return name[:1] + "*" * max(len(name) - 1, 1)
