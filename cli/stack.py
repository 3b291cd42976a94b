"""The embedded stack behind ``grassroots run``: Temporal dev server, worker and API, stopped
in order on Ctrl-C or SIGTERM. Run again, it resumes from the same var folder."""

import asyncio
import contextlib
import signal
import sys
from collections.abc import Generator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from activities.outbox import run_outbox_delivery
from api.app import create_app
from api.config import ApiConfig
from api.routing import EventRouter
from cli.sample_cases import start_sample_cases
from db.migrate import upgrade
from db.sample import load_sample_registry
from db.sample_cases import SamplePlan, plan_sample_cases
from db.security import ensure_demo_credentials
from db.session import create_engine, session_factory
from rules.engine.registry import RuleRegistry
from runtime.devserver import DevServer, DevServerError, port_in_use
from runtime.temporal import (
    TemporalUnavailableError,
    connect,
    ensure_namespace,
    ensure_search_attributes,
)
from settings import Settings
from worker import build_worker, worker_dependencies

log = structlog.get_logger(__name__)


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the stack that owns it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _api_server(
    settings: Settings,
    client: Client,
    engine: AsyncEngine | None = None,
    rules: RuleRegistry | None = None,
) -> _EmbeddedServer:
    config = uvicorn.Config(
        create_app(settings, client, engine=engine, rules=rules),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        lifespan="on",
    )
    return _EmbeddedServer(config)


def _install_stop_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


def _banner(settings: Settings, with_api: bool, extra: list[str]) -> str:
    lines = ["", "Grassroots is running."]
    lines.append(
        f"  Temporal:        {settings.temporal_target} (namespace {settings.temporal_namespace})"
    )
    if settings.temporal_ui_url:
        lines.append(f"  Temporal Web UI: {settings.temporal_ui_url}")
    if with_api:
        lines.append(f"  Grassroots UI:   {settings.api_url}/")
        lines.append(f"  API docs:        {settings.api_url}/docs")
    lines.append(f"  State folder:    {settings.var_dir.resolve()}")
    lines.extend(extra)
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines) + "\n"


async def prepare_database(settings: Settings, *, load_sample: bool) -> list[str]:
    """Migrate the project database; on first start, load the sample registry if asked and
    create demo credentials. Returns the lines to print about them."""
    url = settings.effective_database_url
    await upgrade(url)
    if not load_sample:
        return []
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            report = await load_sample_registry(session)
            demo = await ensure_demo_credentials(session, settings.var_dir)
    finally:
        await engine.dispose()
    if report is not None:
        log.info("sample_registry_loaded", rows=report.total)
    if demo is None:
        return []
    return ["Demo accounts:", *demo.lines()]


async def run_stack(settings: Settings, *, with_api: bool = True, load_sample: bool = True) -> int:
    """Start everything, wait for a stop signal, then stop in reverse order."""
    stop = asyncio.Event()
    _install_stop_handlers(stop)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    demo_lines = await prepare_database(settings, load_sample=load_sample)

    devserver: DevServer | None = None
    if settings.embedded_temporal:
        devserver = DevServer(
            db_file=settings.var_dir / "temporal.db",
            log_file=settings.log_dir / "temporal.log",
            host=settings.temporal_host,
            port=settings.temporal_port,
            ui_port=settings.temporal_ui_port,
            namespace=settings.temporal_namespace,
            sqlite_pragmas=settings.temporal_sqlite_pragmas,
        )
        try:
            await devserver.start()
        except DevServerError as err:
            log.error("temporal_dev_server_failed", error=str(err))
            return 1
    try:
        return await _run_on_temporal(
            settings,
            stop,
            with_api=with_api,
            devserver=devserver,
            extra=demo_lines,
            load_sample=load_sample,
        )
    finally:
        if devserver is not None:
            await devserver.stop()


async def _run_on_temporal(
    settings: Settings,
    stop: asyncio.Event,
    *,
    with_api: bool,
    devserver: DevServer | None,
    extra: list[str],
    load_sample: bool,
) -> int:
    try:
        client = await connect(
            settings.temporal_target, settings.temporal_namespace, wait_seconds=60.0
        )
    except TemporalUnavailableError as err:
        log.error("temporal_unavailable", error=str(err))
        return 1
    await ensure_namespace(client, settings.temporal_namespace)
    await ensure_search_attributes(client, settings.temporal_namespace)

    if with_api and port_in_use(settings.api_host, settings.api_port):
        log.error("api_port_in_use", port=settings.api_port, hint="set GRASSROOTS_API_PORT")
        return 1
    async with worker_dependencies(settings) as (rules, sessions, engine):
        worker = build_worker(client, settings, rules=rules, sessions=sessions)
        api = _api_server(settings, client, engine, rules) if with_api else None
        outbox_stop = asyncio.Event()
        async with worker:
            outbox = asyncio.create_task(
                run_outbox_delivery(
                    sessions, settings.webhooks, outbox_stop, settings.webhook_secret
                )
            )
            log.info("worker_started", task_queue=settings.task_queue)
            api_task = asyncio.create_task(api.serve()) if api else None
            if api is not None:
                # uvicorn exposes only a flag for "listening"; poll it briefly.
                while not api.started and api_task is not None and not api_task.done():  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
                if api_task is not None and api_task.done():
                    log.error("api_failed_to_start", port=settings.api_port)
                    return 1
            samples = None
            if load_sample:
                samples = await _sample_cases(settings, rules, sessions, client)
            banner_extra = [*extra, samples[0].banner_line()] if samples else extra
            sys.stdout.write(_banner(settings, with_api, banner_extra))
            sys.stdout.flush()
            watch = asyncio.create_task(stop.wait())
            server_exit = asyncio.create_task(devserver.wait()) if devserver else None
            waits: set[asyncio.Task[Any]] = {watch}
            if api_task is not None:
                waits.add(api_task)
            if server_exit is not None:
                waits.add(server_exit)
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            code = 0
            if server_exit is not None and server_exit.done():
                log.error("temporal_dev_server_exited", returncode=server_exit.result())
                code = 1
            log.info("stack_stopping")
            if samples is not None:
                samples[1].cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await samples[1]
            if api is not None and api_task is not None:
                api.should_exit = True
                await api_task
            outbox_stop.set()
            await outbox
            for task in (watch, server_exit):
                if task is not None:
                    task.cancel()
    log.info("worker_stopped")
    return code


async def _sample_cases(
    settings: Settings,
    rules: RuleRegistry,
    sessions: async_sessionmaker[AsyncSession],
    client: Client,
) -> tuple[SamplePlan, asyncio.Task[Any]] | None:
    """With the sample registry, start its cases in the background unless a start did already:
    the API is ready at once and the events go through the same router as external ones."""
    today = datetime.now(ZoneInfo(rules.active.shared.calendar.timezone)).date()
    async with sessions() as session:
        plan = await plan_sample_cases(session, today)
    if plan is None:
        return None
    config = ApiConfig.from_settings(settings)
    router = EventRouter(
        client,
        sessions,
        rules,
        task_queue=settings.task_queue,
        update_timeout=config.update_timeout,
        retry_after=config.retry_after_seconds,
    )
    task = asyncio.create_task(start_sample_cases(router, sessions, plan, today))
    return plan, task


async def serve_api(settings: Settings) -> int:
    """Run only the API (production: worker and API are separate processes)."""
    stop = asyncio.Event()
    _install_stop_handlers(stop)
    try:
        client = await connect(
            settings.temporal_target, settings.temporal_namespace, wait_seconds=60.0
        )
    except TemporalUnavailableError as err:
        log.error("temporal_unavailable", error=str(err))
        return 1
    await upgrade(settings.effective_database_url)
    server = _api_server(settings, client)
    task = asyncio.create_task(server.serve())
    watch = asyncio.create_task(stop.wait())
    await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await task
    watch.cancel()
    return 0
