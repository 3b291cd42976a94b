"""Deadline notifications: the notifier seam and the activity that calls it."""

from typing import Protocol

import structlog
from temporalio import activity

from models.notification import Notification

log = structlog.get_logger(__name__)


class Notifier(Protocol):
    """Delivers a notification to its recipient (inbox, SMS gateway, ...)."""

    async def notify(self, notification: Notification) -> None: ...


class LogNotifier:
    """Writes each notification to the log; the default until the outbox delivers them."""

    async def notify(self, notification: Notification) -> None:
        log.info(
            "notification",
            case_id=notification.case_id,
            task_id=notification.task_id,
            kind=notification.kind,
            level=notification.level.value,
            to=notification.to,
            due_at=notification.due_at.isoformat(),
            message=notification.message,
        )


class NotifyActivities:
    """Sends notifications from workflows through an injected notifier."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    @activity.defn
    async def notify(self, n: Notification) -> None:
        """Send one notification."""
        await self._notifier.notify(n)
