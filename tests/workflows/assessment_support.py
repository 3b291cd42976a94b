"""Subjects, events and checks for the P1 双向考核 workflow tests."""

from datetime import datetime
from typing import Any

from temporalio.client import Client, WorkflowHandle

from models.case_actions import CaseResult, CaseView
from models.events import CASE_ENGINE
from rules.engine.facts import SubjectFacts
from tests.workflows.case_support import inbound, start_case

OCCASION, PERIOD = "year_end_assessment", "2026"


def unit_facts(subject_id: str, **changes: Any) -> SubjectFacts:
    base: dict[str, Any] = {
        "subject_type": "unit",
        "id": subject_id,
        "org_type": "institution",
        "community_id": "c-east",
        "big_committee_member": True,
        "big_committee_activities": 5,
    }
    return SubjectFacts(**{**base, **changes})


def cadre_facts(subject_id: str, **changes: Any) -> SubjectFacts:
    base: dict[str, Any] = {
        "subject_type": "cadre",
        "id": subject_id,
        "party_member": True,
        "reported_in": True,
        "report_community_id": "c-east",
        "residence_community_id": "c-west",
        "community_activities": 3,
        "volunteer_hours": 6.5,
    }
    return SubjectFacts(**{**base, **changes})


def opened_data(subject: SubjectFacts, closes_at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "subject_type": subject.subject_type,
        "subject_id": subject.id,
        "occasion": OCCASION,
        "period": PERIOD,
        "closes_at": closes_at.isoformat(),
        **extra,
    }


def opinion_data(
    subject: SubjectFacts, grade: str, actor: str = "secretary-east"
) -> dict[str, Any]:
    return {
        "subject_id": subject.id,
        "occasion": OCCASION,
        "period": PERIOD,
        "grade": grade,
        "comment": "表现良好",
        "actor": actor,
    }


def asked(v: CaseView) -> bool:
    """The opinion task is open with its due time resolved."""
    return v.snapshot.status == "awaiting_opinion" and v.snapshot.due_at is not None


def assessment_id(subject: SubjectFacts) -> str:
    return f"dual_assessment/{subject.id}/{OCCASION}/{PERIOD}"


async def open_assessment(
    client: Client,
    task_queue: str,
    version: str,
    subject: SubjectFacts,
    closes_at: datetime,
    engine: int = CASE_ENGINE,
) -> WorkflowHandle[Any, CaseResult]:
    """Start the subject's assessment case with its opening event, as the API does."""
    opened = inbound("assessment.opened", opened_data(subject, closes_at))
    case_id = assessment_id(subject)
    return await start_case(client, task_queue, case_id, opened, version, engine)
