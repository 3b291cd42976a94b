"""A message about a deadline task, for its owner or whoever the escalation ladder names."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from models.deadline import CardLevel

NotificationKind = Literal["reminder", "escalation", "expiry", "extended"]


class Notification(BaseModel):
    """One notification; ``message`` is the Chinese text a person reads."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    task_id: str
    kind: NotificationKind
    level: CardLevel = CardLevel.NORMAL
    to: str
    title: str
    due_at: datetime
    at: datetime
    message: str
