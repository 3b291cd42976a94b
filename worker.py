"""Composition root of the worker: settings → logging → Temporal client → Worker."""

import asyncio
import signal
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from activities.calendar import CalendarActivities, ChinaCalendar
from activities.notify import LogNotifier, Notifier, NotifyActivities
from logconfig import configure_logging
from runtime.temporal import connect
from settings import Settings
from workflows.supervised_task import SupervisedTaskWorkflow

log = structlog.get_logger(__name__)

WORKFLOWS: Sequence[type] = (SupervisedTaskWorkflow,)


def build_activities(notifier: Notifier | None = None) -> list[Callable[..., Any]]:
    """Every activity the worker serves, bound to its dependencies."""
    calendar = CalendarActivities(ChinaCalendar())
    notify = NotifyActivities(notifier or LogNotifier())
    return [calendar.resolve_schedule, calendar.shift, notify.notify]


def build_worker(client: Client, settings: Settings, notifier: Notifier | None = None) -> Worker:
    """A worker with every workflow and activity on the project's task queue."""
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=list(WORKFLOWS),
        activities=build_activities(notifier),
        max_cached_workflows=settings.max_cached_workflows,
        max_concurrent_activities=settings.max_concurrent_activities,
        graceful_shutdown_timeout=timedelta(seconds=settings.graceful_shutdown_seconds),
    )


async def run_worker(settings: Settings) -> None:
    """Run the worker until SIGINT or SIGTERM, then finish in-flight tasks and exit."""
    client = await connect(settings.temporal_target, settings.temporal_namespace, wait_seconds=30.0)
    worker = build_worker(client, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker_started", task_queue=settings.task_queue, temporal=settings.temporal_target)
    async with worker:
        await stop.wait()
        log.info("worker_stopping")
    log.info("worker_stopped")


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
