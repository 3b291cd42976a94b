"""The model each process's workflow validates its start event's data with, shared so the API
checks a start event against the same model before it starts anything."""

from collections.abc import Mapping

from pydantic import BaseModel

from models.annual_inspection import InspectionRequested
from models.commitment import CommitmentSubmitted
from models.community_worker import WorkerRecruited
from models.dual_assessment import AssessmentOpened
from models.floating_member import MemberRegistered

# A case whose start data fails its model ends at once as rejected, and its id cannot be started
# again: the API refuses such data with 400 instead, so the corrected event opens the case.
START_MODELS: Mapping[str, type[BaseModel]] = {
    "dual_assessment": AssessmentOpened,
    "annual_inspection": InspectionRequested,
    "floating_member": MemberRegistered,
    "community_worker": WorkerRecruited,
    "commitment": CommitmentSubmitted,
}
