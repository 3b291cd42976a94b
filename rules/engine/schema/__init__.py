"""Pydantic models of the rule files, one per file."""

from pydantic import BaseModel

from rules.engine.schema.annual_inspection import AnnualInspectionRules
from rules.engine.schema.commitment import CommitmentRules
from rules.engine.schema.community_worker import CommunityWorkerRules
from rules.engine.schema.dual_assessment import DualAssessmentRules
from rules.engine.schema.events import EventRules
from rules.engine.schema.floating_member import FloatingMemberRules
from rules.engine.schema.shared import SharedRules

FILE_MODELS: dict[str, type[BaseModel]] = {
    "shared": SharedRules,
    "events": EventRules,
    "dual_assessment": DualAssessmentRules,
    "annual_inspection": AnnualInspectionRules,
    "floating_member": FloatingMemberRules,
    "community_worker": CommunityWorkerRules,
    "commitment": CommitmentRules,
}
"""File stem → model. Every rule set has exactly these files, ``<stem>.yaml``."""

__all__ = [
    "FILE_MODELS",
    "AnnualInspectionRules",
    "CommitmentRules",
    "CommunityWorkerRules",
    "DualAssessmentRules",
    "EventRules",
    "FloatingMemberRules",
    "SharedRules",
]
