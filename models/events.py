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


class CaseStartInput(BaseModel):
    """What every process workflow starts with: the event that opened it and the rule version."""

    event: InboundEvent
    rule_version: str
