"""Inbound CloudEvents as workflows receive them: the start input, signals and updates."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class InboundEvent(BaseModel):
    """A CloudEvent that reached a case; ``(source, id)`` identifies it for de-duplication."""

    id: str
    source: str
    type: str
    time: datetime | None = None
    subject: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        """The idempotency key a workflow de-duplicates on: ``source`` and ``id``."""
        return f"{self.source}#{self.id}"


CASE_ENGINE = 2
"""The case-engine revision this code starts cases under (``CaseStartInput.engine``); what each
revision means is in ``workflows.case``."""


class CaseStartInput(BaseModel):
    """What every process workflow starts with: the event that opened it, the rule version and
    the case-engine revision of the code that started it."""

    event: InboundEvent
    rule_version: str
    engine: int = Field(
        0,
        ge=0,
        description="Case-engine revision the case started under; 0 for starts from before it "
        "was recorded, whose path the patch markers in their history decide.",
    )
