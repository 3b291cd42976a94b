"""The notify activity hands notifications to the injected notifier; the default logs them."""

from datetime import UTC, datetime

from structlog.testing import capture_logs
from temporalio.testing import ActivityEnvironment

from activities.notify import LogNotifier, NotifyActivities
from models.deadline import CardLevel
from models.notification import Notification

NOTICE = Notification(
    case_id="dual_assessment/unit-1/year_end/2026",
    task_id="opinion",
    kind="escalation",
    level=CardLevel.YELLOW,
    to="street_committee",
    title="年度考核社区意见",
    due_at=datetime(2026, 12, 11, 9, tzinfo=UTC),
    at=datetime(2026, 12, 11, 9, tzinfo=UTC),
    message="黄牌：任务「年度考核社区意见」升级至街道党工委督办",
)


class _Recorder:
    def __init__(self) -> None:
        self.sent: list[Notification] = []

    async def notify(self, notification: Notification) -> None:
        self.sent.append(notification)


async def test_activity_passes_the_notification_to_the_notifier() -> None:
    """What the workflow sends is exactly what the delivery channel receives."""
    recorder = _Recorder()
    await ActivityEnvironment().run(NotifyActivities(recorder).notify, NOTICE)
    assert recorder.sent == [NOTICE]


async def test_log_notifier_logs_who_is_told_what() -> None:
    """Until the outbox exists, each notification is visible in the log with its recipient."""
    with capture_logs() as logs:
        await LogNotifier().notify(NOTICE)
    assert logs == [
        {
            "event": "notification",
            "log_level": "info",
            "case_id": NOTICE.case_id,
            "task_id": "opinion",
            "kind": "escalation",
            "level": "yellow",
            "to": "street_committee",
            "due_at": "2026-12-11T09:00:00+00:00",
            "message": NOTICE.message,
        }
    ]
