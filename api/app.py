"""The HTTP API and UI process; its lifespan owns the Temporal client, the database engine and
the rule registry."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from api import problems
from api.config import ApiConfig
from api.limits import BodyLimitMiddleware
from api.routes import auth, cases, dead_letters, events, notifications, registry, reports, tasks
from api.routes import rules as rule_routes
from api.routing import EventRouter
from api.services import Services
from api.tokens import ClientTokenCache
from api.ui import rules_pages
from api.ui import site as ui
from db.cases import store_engine
from db.session import session_factory
from rules.engine import FileRuleVersionStore, RuleRegistry
from rules.engine.registry import seed_folder
from runtime.temporal import connect
from settings import Settings

log = structlog.get_logger(__name__)

DESCRIPTION = """
Other systems send **CloudEvents 1.0** to `POST /events` (structured, binary or batch mode) with
an API client token; people log in at `POST /api/login` and read cases, act on tasks and edit the
registry under `/api`. Every error is an RFC 9457 problem document (`application/problem+json`).
"""


def create_app(
    settings: Settings,
    client: Client | None = None,
    *,
    config: ApiConfig | None = None,
    engine: AsyncEngine | None = None,
    rules: RuleRegistry | None = None,
) -> FastAPI:
    """Build the app; what it is not given (client, engine, rules) its lifespan opens itself."""
    api_config = config or ApiConfig.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        temporal = client or await connect(
            settings.temporal_target, settings.temporal_namespace, wait_seconds=30.0
        )
        app.state.temporal = temporal
        database = engine or store_engine(settings.effective_database_url)
        if rules is None:
            seed_folder(settings.rules_dir, settings.rules_seed_dir)
        registry = rules or RuleRegistry(
            settings.rules_dir,
            FileRuleVersionStore(settings.rule_versions_dir),
            poll_seconds=settings.rules_poll_seconds,
        )
        try:
            if rules is None:
                await registry.start()
            sessions = session_factory(database)
            router = EventRouter(
                temporal,
                sessions,
                registry,
                task_queue=settings.task_queue,
                update_timeout=api_config.update_timeout,
                retry_after=api_config.retry_after_seconds,
            )
            clients = ClientTokenCache(api_config.client_cache.total_seconds())
            app.state.services = Services(
                settings, api_config, temporal, database, sessions, registry, router, clients
            )
            log.info("api_started", url=settings.api_url, rules_version=registry.active.version)
            yield
        finally:
            if rules is None:
                await registry.stop()
            if engine is None:
                await database.dispose()
            log.info("api_stopped")

    app = FastAPI(title="Grassroots", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.add_middleware(BodyLimitMiddleware, max_bytes=api_config.max_body_bytes)
    problems.install(app)
    for module in (events, auth, cases, tasks, registry, notifications, dead_letters, reports):
        app.include_router(module.router)
    app.include_router(rule_routes.router)
    app.include_router(rules_pages.router)
    ui.install(app)

    @app.get("/healthz", tags=["ops"])
    async def healthz(request: Request) -> JSONResponse:
        """Liveness and Temporal reachability."""
        temporal: Client = request.app.state.temporal
        try:
            temporal_ok = await temporal.service_client.check_health()
        except RuntimeError:
            temporal_ok = False
        body = {"status": "ok" if temporal_ok else "degraded", "temporal": temporal_ok}
        return JSONResponse(body, status_code=200 if temporal_ok else 503)

    return app
