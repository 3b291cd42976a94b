"""Payloads every process workflow shares: people's actions on a case (updates), the case view
(queries and results), and the rules activities' inputs and outputs."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from models.case import CaseSnapshot
from models.deadline import DeadlineState, TimelineEntry
from models.duration import Duration


class MoveRulesInput(BaseModel):
    """Move a running case to another rule-set version: an administrator's audited act."""

    version: str
    actor: str
    role: str
    reason: str


class RuleChange(BaseModel):
    """One decision the move changes for this case (None: not decided under that version)."""

    decision: str
    before: Any = None
    after: Any = None


class MoveRulesResult(BaseModel):
    """The versions before and after, and what the dry run showed would change."""

    previous: str
    version: str
    changes: list[RuleChange] = Field(default_factory=list)


class OverrideInput(BaseModel):
    """An authorised person lets a held case go on without the answer it waits for."""

    actor: str
    role: str
    reason: str


class AssignInput(BaseModel):
    """A person names the organisation that owes a task the rules could not assign."""

    org_id: str
    actor: str
    role: str
    reason: str = ""


class ExtendTaskInput(BaseModel):
    """Move an open task's due time; only the roles its rules name may do it."""

    task_id: str
    actor: str
    role: str
    reason: str
    new_due_at: datetime | None = None
    by: Duration | None = None


class CaseActionResult(BaseModel):
    """What a person's action did to the case, in words the UI can show."""

    case_id: str
    status: str
    message: str = ""


class CaseView(BaseModel):
    """The whole case for the case page and tests: face, tasks and timeline."""

    snapshot: CaseSnapshot
    tasks: list[DeadlineState] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)


class CaseResult(BaseModel):
    """How a case ended."""

    case_id: str
    process: str
    status: str
    rule_version: str = ""
    summary: dict[str, Any] = Field(default_factory=dict)
    timeline: list[TimelineEntry] = Field(default_factory=list)
