"""Per-process deciders: the decisions each workflow asks of its pinned rule set."""

from rules.engine.processes.annual_inspection import AnnualInspection
from rules.engine.processes.commitment import Commitment
from rules.engine.processes.community_worker import CommunityWorker
from rules.engine.processes.dual_assessment import DualAssessment
from rules.engine.processes.floating_member import FloatingMember

__all__ = ["AnnualInspection", "Commitment", "CommunityWorker", "DualAssessment", "FloatingMember"]
