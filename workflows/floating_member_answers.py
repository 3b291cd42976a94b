"""People's answers to a floating member's tasks as events, from the inbox or another system:
``member.origin_confirmed`` (the home organisation's reply, task ``origin``) and
``member.assigned`` (a manual placement, task ``assign-*``). Each becomes the input of the
update a person used to call directly, so both ways go through the same checks."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.events import InboundEvent
    from models.floating_member import OriginReplyInput, PlaceInput

EVENT_ROLE = "event"
"""The role an answer by event carries: the router already checked who may send it."""


class OriginConfirmed(BaseModel):
    """``grassroots.member.origin_confirmed``: the home organisation confirmed, or did not."""

    model_config = ConfigDict(extra="ignore")

    member_id: str = Field(min_length=1)
    confirmed: bool
    reason: str = ""
    actor: str = Field(min_length=1)

    def request(self) -> OriginReplyInput:
        return OriginReplyInput(
            confirmed=self.confirmed, actor=self.actor, role=EVENT_ROLE, reason=self.reason
        )


class MemberAssigned(BaseModel):
    """``grassroots.member.assigned``: where a person places the member the rules could not."""

    model_config = ConfigDict(extra="ignore")

    member_id: str = Field(min_length=1)
    branch: Literal["grid", "new_sector"] = "grid"
    community_id: str | None = None
    grid_id: str | None = None
    household_id: str | None = None
    mentor_id: str | None = None
    reason: str = ""
    actor: str = Field(min_length=1)

    def request(self) -> PlaceInput:
        return PlaceInput(
            branch=self.branch,
            community_id=self.community_id or None,
            grid_id=self.grid_id or None,
            household_id=self.household_id or None,
            mentor_id=self.mentor_id or None,
            actor=self.actor,
            role=EVENT_ROLE,
            reason=self.reason,
        )


def origin_request(event: InboundEvent) -> OriginReplyInput:
    """The reply an ``origin_confirmed`` event carries (ValidationError if malformed)."""
    return OriginConfirmed.model_validate(event.data).request()


def place_request(event: InboundEvent) -> PlaceInput:
    """The placement an ``assigned`` event carries (ValidationError if malformed)."""
    return MemberAssigned.model_validate(event.data).request()
